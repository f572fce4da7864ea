/**
 * The delegate hears when the connection to the SIP core is lost and when JsSIP has registered
 * again, so that an application does not show a client as registered while nothing gets through.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SipMessage, utf8Encode } from '@mcptt-smime/smime';
import { McpttClient } from '../src/api/mcptt-client.js';
import { FakeSocket } from './helpers/fake-socket.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { responseTo } from './helpers/sip-samples.js';
import { until } from './helpers/until.js';

let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

/** The MCPTT server, which the tests play with bob's identity and certificate. */
const SERVER = 'sip:bob@example.org';

async function setUp(options: { withServer?: boolean } = {}) {
  const stores = await createKeyStores();
  const socket = new FakeSocket();
  const events: string[] = [];
  const alice = new McpttClient({
    uri: 'sip:alice@example.org',
    transport: socket,
    crypto: testCrypto,
    keyStore: stores.alice,
    now: stores.now,
    // The server is bob, with his certificate.
    ...(options.withServer === true
      ? { serverUri: SERVER, serverCertificates: [stores.pki.certificate('bob')] }
      : {}),
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
  return sentRequests(socket, 'REGISTER');
}

function sentRequests(socket: FakeSocket, method: string): string[] {
  return socket.sent.filter((frame) => frame.startsWith(`${method} `));
}

function publishesOf(socket: FakeSocket, event: string): string[] {
  return sentRequests(socket, 'PUBLISH').filter((frame) => frame.includes(`Event: ${event}`));
}

/** Replies to the last PUBLISH of `event` with 200 OK, as the MCPTT server does. */
function answerPublish(socket: FakeSocket, event: string): void {
  const last = publishesOf(socket, event).at(-1) ?? '';
  socket.receive(responseTo(last, '200 OK', ['SIP-ETag: e1', 'Expires: 3600']));
}

/** Waits for PUBLISH number `count` of `event`. */
async function published(socket: FakeSocket, event: string, count: number): Promise<void> {
  await until(() => publishesOf(socket, event).length >= count, 10_000);
}

/**
 * Replies to REGISTER number `index` (the last by default) with `status`, echoing its Contact as
 * a registrar does.
 */
function answerRegister(socket: FakeSocket, status: string, index = -1): void {
  const sent = registers(socket).at(index) ?? '';
  const contact = SipMessage.parse(utf8Encode(sent)).getHeader('Contact') ?? '';
  socket.receive(responseTo(sent, status, [`Contact: ${contact};expires=600`], 'reg'));
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

  it('publishes the authorisation and affiliation again', async () => {
    const { alice, socket, events } = await setUp({ withServer: true });
    const registering = alice.register();
    await until(() => registers(socket).length === 1);
    answerRegister(socket, '200 OK');
    await published(socket, 'poc-settings', 1);
    answerPublish(socket, 'poc-settings');
    await registering;
    const affiliating = alice.setAffiliation({ target: SERVER, groups: ['sip:g@example.org'] });
    await published(socket, 'presence', 1);
    answerPublish(socket, 'presence');
    await affiliating;

    socket.drop();
    await until(() => registers(socket).length === 2, 10_000);
    answerRegister(socket, '200 OK');
    await published(socket, 'poc-settings', 2);
    answerPublish(socket, 'poc-settings');
    await published(socket, 'presence', 2);
    answerPublish(socket, 'presence');

    await until(() => events.length === 3);
    expect(events).toEqual(['registered', 'disconnected', 'registered']);
  }, 20_000);

  it('reports a register() after the loss once', async () => {
    const { alice, socket, events } = await setUp();
    await registered(alice, socket);
    socket.drop();
    await until(() => registers(socket).length === 2, 10_000);

    // The application registers too, while JsSIP's own REGISTER is pending.
    const again = alice.register();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let count = registers(socket).length; count > 1; count--) {
      answerRegister(socket, '200 OK', count - 1);
    }
    await again;
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(events).toEqual(['registered', 'disconnected', 'registered']);
  }, 15_000);
});
