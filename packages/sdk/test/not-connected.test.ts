/**
 * Requests made while start() still waits for the SIP core to accept the connection. Each should
 * fail the same way, with a stable code and a message that names the missing connection, so an
 * application can tell the user to wait rather than report a timeout that never happened.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { McpttClient } from '../src/api/mcptt-client.js';
import { FakeSocket } from './helpers/fake-socket.js';
import { createSocketClient } from './helpers/socket-client.js';
import { until } from './helpers/until.js';

const SERVER = 'sip:bob@example.org';
let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

/** A socket to a SIP core that never accepts the connection. */
class SilentSocket extends FakeSocket {
  override connect(): void {
    this.connects += 1;
  }
}

/** Returns the constructor name, code and message of the error that `request` rejects with. */
async function failureOf(request: Promise<unknown>) {
  const error = (await request.then(
    () => undefined,
    (reason: unknown) => reason,
  )) as { constructor: { name: string }; code?: string; message: string } | undefined;
  return { type: error?.constructor.name, code: error?.code, message: error?.message };
}

describe('requests before the connection', () => {
  it('fails each request the same way', async () => {
    const socket = new SilentSocket();
    const { client: alice } = await createSocketClient({ serverUri: SERVER, transport: socket });
    clients.push(alice);
    void alice.start().catch(() => undefined);
    await until(() => socket.connects === 1);

    const register = await failureOf(alice.register());
    const message = await failureOf(alice.sendShortData(SERVER, 'hello'));
    const affiliation = await failureOf(alice.setAffiliation({ target: SERVER, groups: [] }));

    expect(affiliation.code).toBeDefined();
    expect(affiliation).toEqual(register);
    expect(message).toEqual(register);
    expect(register.message).toMatch(/connect/);
  });
});
