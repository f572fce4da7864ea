/**
 * The delegate hears when the connection to the SIP core is lost and when JsSIP has registered
 * again, so that an application does not show a client as registered while nothing gets through.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SipMessage, utf8Encode } from '@mcptt-smime/smime';
import { McpttClient } from '../src/api/mcptt-client.js';
import { FakeSocket } from './helpers/fake-socket.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { until } from './helpers/until.js';

let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

async function setUp() {
  const stores = await createKeyStores();
  const socket = new FakeSocket();
  const events: string[] = [];
  const alice = new McpttClient({
    uri: 'sip:alice@example.org',
    transport: socket,
    crypto: testCrypto,
    keyStore: stores.alice,
    now: stores.now,
    delegate: {
      onRegistered: () => events.push('registered'),
      onDisconnected: () => events.push('disconnected'),
      onRegistrationFailed: (cause) => events.push(`failed: ${cause}`),
    },
  });
  clients.push(alice);
  await alice.start();
  return { alice, socket, events };
}

function registers(socket: FakeSocket): string[] {
  return socket.sent.filter((frame) => frame.startsWith('REGISTER '));
}

/** Replies to the last REGISTER with `status`, echoing its Contact as a registrar does. */
function answerRegister(socket: FakeSocket, status: string): void {
  const register = SipMessage.parse(utf8Encode(registers(socket).at(-1) ?? ''));
  socket.receive(
    [
      `SIP/2.0 ${status}`,
      `Via: ${register.getHeader('Via') ?? ''}`,
      `From: ${register.getHeader('From') ?? ''}`,
      `To: ${register.getHeader('To') ?? ''};tag=reg`,
      `Call-ID: ${register.callId}`,
      `CSeq: ${register.getHeader('CSeq') ?? ''}`,
      `Contact: ${register.getHeader('Contact') ?? ''};expires=600`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

async function registered(alice: McpttClient, socket: FakeSocket): Promise<void> {
  const done = alice.register();
  await until(() => registers(socket).length === 1);
  answerRegister(socket, '200 OK');
  await done;
}

describe('connection events', () => {
  it('reports the loss, then registration again', async () => {
    const { alice, socket, events } = await setUp();
    await registered(alice, socket);
    expect(events).toEqual(['registered']);

    socket.drop();
    expect(events).toEqual(['registered', 'disconnected']);

    // JsSIP connects again after its recovery interval of about 2 s, then registers again.
    await until(() => registers(socket).length === 2, 10_000);
    expect(socket.connects).toBe(2);
    answerRegister(socket, '200 OK');
    await until(() => events.length === 3);
    expect(events).toEqual(['registered', 'disconnected', 'registered']);
  }, 15_000);

  it('reports a failed registration again', async () => {
    const { alice, socket, events } = await setUp();
    await registered(alice, socket);

    socket.drop();
    await until(() => registers(socket).length === 2, 10_000);
    answerRegister(socket, '403 Forbidden');
    await until(() => events.length === 3);
    expect(events).toEqual(['registered', 'disconnected', 'failed: Rejected']);
  }, 15_000);

  it('stays silent before registering', async () => {
    const { socket, events } = await setUp();
    socket.drop();
    expect(events).toEqual([]);
  });

  it('stays silent after stop', async () => {
    const { alice, socket, events } = await setUp();
    await registered(alice, socket);
    alice.stop();
    expect(events).toEqual(['registered']);
  });
});
