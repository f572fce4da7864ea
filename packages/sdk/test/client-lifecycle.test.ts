/**
 * The client's life between start() and stop(): a start() without an identity, a retried
 * register(), a client started again, requests made while it is stopped, and the reason of a
 * rejected PUBLISH.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SipMessage, utf8Encode, type MemoryKeyStore } from '@mcptt-smime/smime';
import type { McpttClientOptions } from '../src/api/client-options.js';
import type { McpttClient } from '../src/api/mcptt-client.js';
import { SipRequestFailedError } from '../src/api/sip-request-failed-error.js';
import { FakeSocket } from './helpers/fake-socket.js';
import { createKeyStores } from './helpers/pki.js';
import { createSocketClient } from './helpers/socket-client.js';
import { responseTo } from './helpers/sip-samples.js';
import { until } from './helpers/until.js';

/** The MCPTT server, which the tests play with bob's identity and certificate. */
const SERVER = 'sip:bob@example.org';
const GROUP = 'sip:fire-north@example.org';
let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

/** Creates alice's client, not started, with the MCPTT server and `overrides`. */
async function createClient(overrides: Partial<McpttClientOptions> = {}) {
  const created = await createSocketClient({ serverUri: SERVER, ...overrides });
  clients.push(created.client);
  return created;
}

/** Starts alice's client, which records its registration events. */
async function setUp() {
  const events: string[] = [];
  const {
    client: alice,
    socket,
    timers,
  } = await createClient({
    delegate: {
      onRegistered: () => events.push('registered'),
      onRegistrationFailed: (cause) => events.push(`failed: ${cause}`),
    },
  });
  await alice.start();
  return { alice, socket, timers, events };
}

/** A socket to a SIP core that never accepts the connection: JsSIP waits for it. */
class SilentSocket extends FakeSocket {
  closes = 0;

  override connect(): void {
    this.connects += 1;
  }

  override disconnect(): void {
    this.closes += 1;
  }
}

function sent(socket: FakeSocket, method: string, event?: string): string[] {
  return socket.sent.filter(
    (frame) => frame.startsWith(`${method} `) && (event === undefined || frame.includes(event)),
  );
}

/** Replies to the last request of `method` with `status`, as the registrar or the server does. */
function answerLast(socket: FakeSocket, method: string, status: string): void {
  const request = sent(socket, method).at(-1) ?? '';
  const fields =
    method === 'REGISTER'
      ? [`${SipMessage.parse(utf8Encode(request)).getHeader('Contact') ?? ''};expires=600`]
      : ['SIP-ETag: e1', 'Expires: 3600'];
  const named = method === 'REGISTER' ? fields.map((value) => `Contact: ${value}`) : fields;
  socket.receive(responseTo(request, status, named, 'srv'));
}

/** Registers, and replies to the service authorisation with the status `authorisation`. */
async function register(
  alice: McpttClient,
  socket: FakeSocket,
  authorisation: string,
): Promise<unknown> {
  const publishes = sent(socket, 'PUBLISH').length;
  const registers = sent(socket, 'REGISTER').length;
  const registering = alice.register().then(
    () => 'registered',
    (error: unknown) => error,
  );
  if (!alice.ua.isRegistered()) {
    await until(() => sent(socket, 'REGISTER').length > registers);
    answerLast(socket, 'REGISTER', '200 OK');
  }
  await until(() => sent(socket, 'PUBLISH').length > publishes);
  answerLast(socket, 'PUBLISH', authorisation);
  return registering;
}

describe('client life cycle', () => {
  it('rejects start() without an identity', async () => {
    const { client: zoe, socket } = await createClient({ uri: 'sip:zoe@example.org' });

    await expect(zoe.start()).rejects.toMatchObject({
      code: 'ERR_KEY_NOT_FOUND',
      message: 'no identity for sip:zoe@example.org in the key store',
    });
    expect(socket.connects).toBe(0);
  });

  it('authorises again on a second register()', async () => {
    const { alice, socket, events } = await setUp();

    const failure = await register(alice, socket, '404 Not Found');
    const retried = await register(alice, socket, '200 OK');

    expect(failure).toBeInstanceOf(SipRequestFailedError);
    expect(retried).toBe('registered');
    expect(sent(socket, 'REGISTER')).toHaveLength(1);
    expect(sent(socket, 'PUBLISH', 'Event: poc-settings')).toHaveLength(2);
    expect(events).toEqual(['failed: service authorisation rejected (404)', 'registered']);
  });

  it('names the reason of a rejected PUBLISH', async () => {
    const { alice, socket } = await setUp();

    const failure = await register(alice, socket, '404 Not Found');

    expect(failure).toMatchObject({
      sipStatus: 404,
      reasonPhrase: 'Not Found',
      code: 'ERR_REQUEST_FAILED',
      message: 'request failed with 404 Not Found',
    });
  });

  it('refreshes the authorisation after a restart', async () => {
    const { alice, socket, timers } = await setUp();
    await register(alice, socket, '200 OK');
    alice.stop();
    expect(timers.active).toEqual([]);

    await alice.start();
    await register(alice, socket, '200 OK');

    expect(timers.active).toHaveLength(1);
    timers.fire();
    await until(() => sent(socket, 'PUBLISH', 'Event: poc-settings').length === 3);
  });

  it('stays stopped after stop() during start()', async () => {
    const { client: alice, socket } = await createClient();

    const starting = alice.start();
    alice.stop();

    await expect(starting).rejects.toThrow(new TypeError('the client was stopped'));
    expect(socket.connects).toBe(0);
    await expect(alice.setAffiliation({ target: SERVER, groups: [GROUP] })).rejects.toThrow(
      'setAffiliation: the client is not started',
    );
    expect(sent(socket, 'PUBLISH')).toEqual([]);
  });

  it('stops when the start signal aborts', async () => {
    const socket = new SilentSocket();
    const { client: alice } = await createClient({ transport: socket });
    const controller = new AbortController();
    const reason = new Error('no SIP core answered');

    const starting = alice.start({ signal: controller.signal });
    await until(() => socket.connects === 1);
    controller.abort(reason);

    await expect(starting).rejects.toBe(reason);
    expect(socket.closes).toBe(1);
    await expect(alice.register()).rejects.toThrow('register: the client is not started');
  });

  it('stops when the signal aborts while the key store waits', async () => {
    const stores = await createKeyStores();
    // A key store whose reads wait, as an IndexedDB that another tab blocks.
    const blocked = Object.create(stores.alice) as MemoryKeyStore;
    blocked.getIdentity = () => new Promise(() => undefined);
    const { client: alice, socket } = await createClient({ keyStore: blocked });
    const controller = new AbortController();
    const reason = new Error('start timed out');

    const starting = alice.start({ signal: controller.signal });
    controller.abort(reason);

    await expect(starting).rejects.toBe(reason);
    expect(socket.connects).toBe(0);
  });

  it('stops when the signal aborts while the replay store loads', async () => {
    const { client: alice, socket } = await createClient({
      replayStore: { load: () => new Promise(() => undefined), add: () => Promise.resolve() },
    });
    const controller = new AbortController();
    const reason = new Error('start timed out');

    const starting = alice.start({ signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(reason);

    await expect(starting).rejects.toBe(reason);
    expect(socket.connects).toBe(0);
    await expect(alice.register()).rejects.toThrow('register: the client is not started');
  });

  it('rejects an aborted start signal at once', async () => {
    const { client: alice, socket } = await createClient();
    const reason = new Error('cancelled');

    await expect(alice.start({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(socket.connects).toBe(0);
  });

  it('ignores an abort after the start', async () => {
    const { client: alice, socket } = await createClient();
    const controller = new AbortController();

    await alice.start({ signal: controller.signal });
    controller.abort();

    expect(socket.connected).toBe(true);
    await register(alice, socket, '200 OK');
  });

  it('rejects a start signal that is not an AbortSignal', async () => {
    const { client: alice, socket } = await createClient();
    const signal = { aborted: false } as unknown as AbortSignal;

    await expect(alice.start({ signal })).rejects.toThrow(
      'start: options.signal must be an AbortSignal',
    );
    expect(socket.connects).toBe(0);
  });

  it('shares one authorisation between overlapping retries', async () => {
    const { alice, socket, events } = await setUp();
    await register(alice, socket, '200 OK');
    events.length = 0;

    const first = alice.register();
    const second = alice.register();
    await until(() => sent(socket, 'PUBLISH').length === 2);
    answerLast(socket, 'PUBLISH', '200 OK');
    await Promise.all([first, second]);

    expect(sent(socket, 'PUBLISH', 'Event: poc-settings')).toHaveLength(2);
    expect(events).toEqual(['registered']);
  });

  it('sends nothing once stopped', async () => {
    const { alice, socket } = await setUp();
    await register(alice, socket, '200 OK');
    const frames = socket.sent.length;
    alice.stop();

    const affiliating = alice.setAffiliation({ target: SERVER, groups: [GROUP] });
    const texting = alice.sendShortData(GROUP, 'status 4');

    await expect(affiliating).rejects.toThrow('setAffiliation: the client is not started');
    await expect(texting).rejects.toThrow('MESSAGE: the client is not started');
    expect(() => alice.startGroupCall({ groupId: GROUP })).toThrow(
      new TypeError('call: the client is not started'),
    );
    await expect(alice.register()).rejects.toBeInstanceOf(TypeError);
    expect(socket.sent.slice(frames).filter((frame) => !frame.startsWith('REGISTER '))).toEqual([]);
  });
});
