/**
 * The pins of peer certificates live in the application's key store alone. A pin that the
 * application removes or replaces counts from the next message on, so the user's decision is
 * asked again and a refusal rejects the message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryKeyStore, type CertificateDecision } from '@mcptt-smime/smime';
import type { ShortDataEvent } from '../src/api/events.js';
import { McpttClient } from '../src/api/mcptt-client.js';
import { SipRequestFailedError } from '../src/api/sip-request-failed-error.js';
import type { SocketFailureEvent } from '../src/core/protecting-socket.js';
import { createLoopbackPair } from './helpers/loopback.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { PinStore } from './helpers/pin-store.js';

const ALICE = 'sip:alice@example.org';
const BOB = 'sip:bob@example.org';
let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

/**
 * Starts alice, who signs with a self-signed certificate, and bob, whose pins the test controls
 * and whose user accepts an unknown or changed certificate while `trust.accepts` is true.
 */
async function setUp() {
  const { pki, now } = await createKeyStores();
  const bobStore = new PinStore(
    new MemoryKeyStore({
      identities: [await pki.identity('bob')],
      trustAnchors: [pki.caCertificate],
    }),
  );
  const aliceStore = new MemoryKeyStore({
    identities: [await pki.identity('alice-self')],
    trustAnchors: [pki.caCertificate],
  });
  await aliceStore.setPeerCertificate(BOB, pki.certificate('bob'));

  const { a, b, wire } = createLoopbackPair();
  const trust = { accepts: true };
  const decisions: CertificateDecision[] = [];
  const texts: string[] = [];
  const failures: SocketFailureEvent[] = [];
  const alice = new McpttClient({
    uri: ALICE,
    transport: a,
    crypto: testCrypto,
    keyStore: aliceStore,
    now,
  });
  const bob = new McpttClient({
    uri: BOB,
    transport: b,
    crypto: testCrypto,
    keyStore: bobStore,
    now,
    onCertificateDecision: (decision) => {
      decisions.push(decision);
      return trust.accepts;
    },
    delegate: {
      onShortData: (event: ShortDataEvent) => texts.push(event.text),
      onSecurityFailure: (event) => failures.push(event),
    },
  });
  clients = [alice, bob];
  await Promise.all([alice.start(), bob.start()]);

  // Two messages: the first pins alice's certificate, the second is checked against the pin.
  await alice.sendShortData(BOB, 'one');
  await alice.sendShortData(BOB, 'two');
  return { pki, alice, bobStore, wire, trust, decisions, texts, failures };
}

/** Returns the status line of the last response on the wire. */
function lastResponse(wire: readonly string[]): string | undefined {
  return wire
    .filter((frame) => frame.startsWith('SIP/2.0 '))
    .at(-1)
    ?.split('\r\n', 1)[0];
}

describe('pinned peer certificates', () => {
  it('asks again after pin removal', async () => {
    const { alice, bobStore, wire, trust, decisions, texts, failures } = await setUp();
    expect(decisions.map((decision) => decision.reason)).toEqual(['unknown']);

    bobStore.removePeerCertificate(ALICE);
    trust.accepts = false;
    const third = alice.sendShortData(BOB, 'three');

    await expect(third).rejects.toBeInstanceOf(SipRequestFailedError);
    await expect(third).rejects.toMatchObject({ sipStatus: 403 });
    expect(lastResponse(wire)).toBe('SIP/2.0 403 Forbidden');
    expect(decisions.map((decision) => decision.reason)).toEqual(['unknown', 'unknown']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403 });
    expect(texts).toEqual(['one', 'two']);
  });

  it('checks against a replaced pin', async () => {
    const { pki, alice, bobStore, wire, trust, decisions, texts, failures } = await setUp();

    bobStore.overwritePeerCertificate(ALICE, pki.certificate('alice2'));
    trust.accepts = false;
    const third = alice.sendShortData(BOB, 'three');

    await expect(third).rejects.toMatchObject({ sipStatus: 403 });
    expect(lastResponse(wire)).toBe('SIP/2.0 403 Forbidden');
    expect(decisions.map((decision) => decision.reason)).toEqual(['unknown', 'changed']);
    expect(decisions[1]?.previousCertificate).toEqual(pki.certificate('alice2'));
    expect(failures[0]).toMatchObject({ code: 'ERR_CERT_CHANGED', sipStatus: 403 });
    expect(texts).toEqual(['one', 'two']);
  });

  it('delivers after a new acceptance', async () => {
    const { alice, bobStore, trust, decisions, texts, failures } = await setUp();

    bobStore.removePeerCertificate(ALICE);
    trust.accepts = true;
    await alice.sendShortData(BOB, 'three');
    await alice.sendShortData(BOB, 'four');

    expect(decisions.map((decision) => decision.reason)).toEqual(['unknown', 'unknown']);
    expect(texts).toEqual(['one', 'two', 'three', 'four']);
    expect(failures).toEqual([]);
  });
});
