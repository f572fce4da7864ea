import { afterEach, describe, expect, it } from 'vitest';
import { McpttError } from '@mcptt-smime/smime';
import { McpttClient } from '../src/api/mcptt-client.js';
import type {
  ShortDataEvent,
  EmergencyAlertEvent,
  LocationReportEvent,
} from '../src/api/events.js';
import { SipRequestFailedError } from '../src/api/sip-request-failed-error.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { createLoopbackPair } from './helpers/loopback.js';
import { FakeSocket } from './helpers/fake-socket.js';
import { responseTo } from './helpers/sip-samples.js';
import { until } from './helpers/until.js';

const SECRET = 'evacuate building 4';
let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

async function setUp() {
  const stores = await createKeyStores();
  const { a, b, wire } = createLoopbackPair();
  const events = { alice: [] as unknown[], bob: [] as unknown[] };
  const make = (name: 'alice' | 'bob', transport: typeof a, keyStore: typeof stores.alice) =>
    new McpttClient({
      uri: `sip:${name}@example.org`,
      transport,
      crypto: testCrypto,
      keyStore,
      now: stores.now,
      clientId: `urn:uuid:${name}`,
      delegate: {
        onShortData: (e: ShortDataEvent) => events[name].push(e),
        onEmergencyAlert: (e: EmergencyAlertEvent) => events[name].push(e),
        onLocationReport: (e: LocationReportEvent) => events[name].push(e),
      },
    });
  const alice = make('alice', a, stores.alice);
  const bob = make('bob', b, stores.bob);
  clients = [alice, bob];
  await Promise.all([alice.start(), bob.start()]);
  return { alice, bob, wire, events };
}

describe('McpttClient loopback', () => {
  it('delivers short data both ways', async () => {
    const { alice, bob, wire, events } = await setUp();
    await alice.sendShortData('sip:bob@example.org', SECRET);
    await bob.sendShortData('sip:alice@example.org', 'ack');

    const toBob = events.bob[0] as ShortDataEvent;
    const toAlice = events.alice[0] as ShortDataEvent;
    expect(toBob.text).toBe(SECRET);
    expect(toBob.security.encrypted).toBe(true);
    expect(toBob.security.signerUri).toBe('sip:alice@example.org');
    expect(toAlice.text).toBe('ack');
    expect(toAlice.security.signerUri).toBe('sip:bob@example.org');
    expect(wire.join('')).not.toContain(SECRET);
  });

  it('delivers an emergency alert with location', async () => {
    const { alice, wire, events } = await setUp();
    const location = { reportType: 'Emergency', latitude: 48.5, longitude: 2.25 } as const;
    await alice.sendEmergencyAlert('sip:bob@example.org', 'sip:group-7@example.org', location);

    const alert = events.bob[0] as EmergencyAlertEvent;
    expect(alert.info.requestUri).toBe('sip:group-7@example.org');
    expect(alert.info.emergency).toBe(true);
    expect(alert.location).toEqual(location);
    expect(alert.security.signed).toBe(true);
    expect(wire.join('')).not.toContain('group-7');
  });

  it('delivers a location report', async () => {
    const { bob, events } = await setUp();
    const report = { reportType: 'NonEmergency', latitude: -33.9, longitude: 151.2 } as const;
    await bob.sendLocationReport('sip:alice@example.org', report);

    expect((events.alice[0] as LocationReportEvent).report).toEqual(report);
  });

  it('fails at once without a recipient certificate', async () => {
    const { alice, wire } = await setUp();
    const started = Date.now();
    const failure = alice.sendShortData('sip:carol@example.org', SECRET);

    await expect(failure).rejects.toBeInstanceOf(SipRequestFailedError);
    await expect(failure).rejects.toMatchObject({ sipStatus: 500, code: 'ERR_KEY_NOT_FOUND' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(wire).toEqual([]);
  });

  it('publishes affiliation with a protected pidf', async () => {
    const { alice, wire } = await setUp();
    const sent = alice.setAffiliation({
      target: 'sip:bob@example.org',
      groups: ['sip:group-9@example.org'],
      timeoutMs: 10_000,
    });

    // Bob's JsSIP has no PUBLISH handler and answers 405, which ends the transaction.
    await expect(sent).rejects.toBeInstanceOf(SipRequestFailedError);
    await expect(sent).rejects.toMatchObject({ sipStatus: 405 });
    expect(wire[0]).toMatch(/^PUBLISH /);
    expect(wire[0]).toContain('application/pkcs7-mime');
    expect(wire[0]).not.toContain('group-9');
  });

  it('times out a PUBLISH that gets no answer', async () => {
    const stores = await createKeyStores();
    const { a } = createLoopbackPair();
    const alice = new McpttClient({
      uri: 'sip:alice@example.org',
      transport: a,
      crypto: testCrypto,
      keyStore: stores.alice,
      now: stores.now,
    });
    clients.push(alice);
    await alice.start();
    const sent = alice.setAffiliation({
      target: 'sip:bob@example.org',
      groups: ['sip:group-9@example.org'],
      timeoutMs: 100,
    });

    await expect(sent).rejects.toBeInstanceOf(SipRequestFailedError);
    await expect(sent).rejects.toBeInstanceOf(McpttError);
    await expect(sent).rejects.toMatchObject({
      sipStatus: 408,
      code: 'ERR_REQUEST_FAILED',
      reasonPhrase: 'Request Timeout',
    });
  });

  it('ignores a local failure code in a remote response', async () => {
    const stores = await createKeyStores();
    const socket = new FakeSocket();
    const alice = new McpttClient({
      uri: 'sip:alice@example.org',
      transport: socket,
      crypto: testCrypto,
      keyStore: stores.alice,
      now: stores.now,
    });
    clients.push(alice);
    await alice.start();
    const sending = alice.sendShortData('sip:bob@example.org', 'hello');
    await until(() => socket.sent.some((frame) => frame.startsWith('MESSAGE ')));
    const sent = socket.sent.find((frame) => frame.startsWith('MESSAGE ')) ?? '';

    // The far end, or the core, copies the Warning that the socket writes for local failures.
    socket.receive(
      responseTo(sent, '403 Forbidden', ['Warning: 399 mcptt-smime "ERR_CERT_REVOKED"']),
    );

    await expect(sending).rejects.toMatchObject({ sipStatus: 403, code: 'ERR_REQUEST_FAILED' });
  });
});
