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
import { installWebRtcShims } from './helpers/webrtc-shims.js';

const SERVER = 'sip:bob@example.org';
let clients: McpttClient[] = [];
let restore: (() => void) | undefined;

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
  restore?.();
  restore = undefined;
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
  /** Returns a client whose start() waits for a SIP core that never accepts the connection. */
  async function connecting() {
    const socket = new SilentSocket();
    const { client: alice } = await createSocketClient({ serverUri: SERVER, transport: socket });
    clients.push(alice);
    void alice.start().catch(() => undefined);
    await until(() => socket.connects === 1);
    return { alice, socket };
  }

  it('fails each request the same way', async () => {
    const { alice } = await connecting();

    const register = await failureOf(alice.register());
    const message = await failureOf(alice.sendShortData(SERVER, 'hello'));
    const affiliation = await failureOf(alice.setAffiliation({ target: SERVER, groups: [] }));

    expect(affiliation.code).toBeDefined();
    expect(affiliation).toEqual(register);
    expect(message).toEqual(register);
    expect(register.message).toMatch(/connect/);
  });

  it('fails calls the same way', async () => {
    restore = installWebRtcShims();
    const { alice, socket } = await connecting();

    const register = await failureOf(alice.register());
    const start = (): unknown => alice.startGroupCall({ groupId: 'sip:group@example.org' });
    const call = await failureOf(Promise.resolve().then(start));
    const privateCall = await failureOf(
      Promise.resolve().then(() => alice.startPrivateCall({ calleeId: SERVER })),
    );

    expect(call).toEqual(register);
    expect(privateCall).toEqual(register);
    expect(socket.sent).toHaveLength(0);
  });
});

describe('a connection lost while a call is set up', () => {
  /** Starts a group call on a connected client and returns it before its INVITE leaves. */
  async function callStarted() {
    restore = installWebRtcShims();
    const socket = new FakeSocket();
    const { client: alice } = await createSocketClient({ serverUri: SERVER, transport: socket });
    clients.push(alice);
    await alice.start();
    const call = alice.startGroupCall({ groupId: 'sip:group@example.org' });
    return { call, socket };
  }

  /** Starts a group call on a connected client and returns it once its INVITE has left. */
  async function callSent() {
    const started = await callStarted();
    await until(() => started.socket.sent.some((frame) => frame.startsWith('INVITE ')));
    return started;
  }

  it('fails the call with 503', async () => {
    const { call, socket } = await callSent();
    socket.drop();

    await expect(call.established()).rejects.toMatchObject({
      code: 'ERR_REQUEST_FAILED',
      sipStatus: 503,
    });
    expect(call.state).toBe('failed');
  });

  it('keeps 487 after a hang-up', async () => {
    const { call, socket } = await callSent();
    call.hangUp();
    socket.drop();

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 487 });
  });

  /** Starts a group call on a connected client and drops the connection before its INVITE. */
  async function callStartedOffline() {
    const started = await callStarted();
    // The INVITE has not left yet, so JsSIP has no transaction to fail, and the call goes on.
    started.socket.drop();
    return started;
  }

  it('fails with 503 before the INVITE', async () => {
    const { call } = await callStartedOffline();

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 503 });
  });

  it('keeps 487 for a hang-up while disconnected', async () => {
    const { call, socket } = await callStartedOffline();
    call.hangUp();

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 487 });
    expect(socket.sent.some((frame) => frame.startsWith('INVITE '))).toBe(false);
  });
});
