/**
 * The client checks the MCPTT server's certificates as recipients at start() and with each
 * message encrypted for the server. A certificate that expires or is revoked during a session is
 * then no longer used.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryKeyStore } from '@mcptt-smime/smime';
import { createCertificate } from '../../smime/src/cms/index.js';
import { opensslAvailable } from '../../smime/test/cms/openssl-crl.js';
import type { ShortDataEvent } from '../src/api/events.js';
import type { McpttClientOptions } from '../src/api/client-options.js';
import { McpttClient } from '../src/api/mcptt-client.js';
import type { SocketFailureEvent } from '../src/core/protecting-socket.js';
import { createLoopbackPair } from './helpers/loopback.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { revocationList } from './helpers/revocation.js';
import { createSocketClient } from './helpers/socket-client.js';

const BOB = 'sip:bob@example.org';
const HOUR = 3600 * 1000;
/** The test PKI's certificates are valid for 365 days from the moment they were made. */
const AFTER_EXPIRY = 400 * 24 * HOUR;
/** The test PKI issues serial 6 to bob. */
const BOB_SERIAL = 6;

let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

/** Starts alice's client on a fake socket with `overrides`; returns the socket and the start. */
async function start(overrides: Partial<McpttClientOptions>) {
  const { client, socket } = await createSocketClient(overrides);
  clients.push(client);
  return { socket, started: client.start() };
}

describe('server certificates at start()', () => {
  it('starts with a certificate of a trust anchor that names the server', async () => {
    const { socket, started } = await start({ serverUri: BOB });

    await expect(started).resolves.toBeUndefined();
    expect(socket.connected).toBe(true);
  });

  it('rejects a certificate without a path to a trust anchor', async () => {
    const { pki } = await createKeyStores();
    const { socket, started } = await start({
      serverUri: 'sip:alice@example.org',
      serverCertificates: [pki.certificate('alice-self')],
    });

    await expect(started).rejects.toMatchObject({
      code: 'ERR_CERT_UNTRUSTED',
      sipStatus: 403,
      message:
        'server certificate rejected, certificate does not chain to a trust anchor: check ' +
        "serverCertificates, serverIntermediates and the key store's trust anchors",
    });
    expect(socket.connected).toBe(false);
    expect(socket.sent).toEqual([]);
  });

  it('rejects a certificate of another URI', async () => {
    const { socket, started } = await start({ serverUri: 'sip:mcptt-server@example.org' });

    await expect(started).rejects.toMatchObject({
      code: 'ERR_IDENTITY_MISMATCH',
      sipStatus: 403,
      message:
        'server certificate does not name sip:mcptt-server@example.org: set serverUri to the ' +
        "URI of the certificate's subjectAltName, or give the server's own certificate",
    });
    expect(socket.connected).toBe(false);
  });

  it('rejects an expired certificate', async () => {
    const { pki } = await createKeyStores();
    const later = new Date(pki.now.getTime() + AFTER_EXPIRY);
    const { socket, started } = await start({ serverUri: BOB, now: () => later });

    await expect(started).rejects.toMatchObject({
      code: 'ERR_CERT_UNTRUSTED',
      sipStatus: 403,
      message:
        'server certificate rejected, certificate has expired: renew the certificate that is ' +
        "out of date, the server's or a CA certificate of its path, or correct this device's clock",
    });
    expect(socket.connected).toBe(false);
  });

  it('rejects a certificate that is not valid yet', async () => {
    const { pki } = await createKeyStores();
    const earlier = new Date(pki.now.getTime() - 2 * 24 * HOUR);
    const { socket, started } = await start({ serverUri: BOB, now: () => earlier });

    await expect(started).rejects.toMatchObject({
      code: 'ERR_CERT_UNTRUSTED',
      sipStatus: 403,
      message:
        'server certificate rejected, certificate is not yet valid: renew the certificate that ' +
        "is out of date, the server's or a CA certificate of its path, or correct this device's " +
        'clock',
    });
    expect(socket.connected).toBe(false);
  });

  it('rejects a key store without trust anchors', async () => {
    const { pki } = await createKeyStores();
    const keyStore = new MemoryKeyStore({ identities: [await pki.identity('alice')] });
    const { started } = await start({ serverUri: BOB, keyStore });

    await expect(started).rejects.toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403 });
  });

  it.skipIf(!opensslAvailable)('rejects a revoked certificate', async () => {
    const revocationLists = [await revocationList([BOB_SERIAL])];
    const { socket, started } = await start({ serverUri: BOB, revocationLists });

    await expect(started).rejects.toMatchObject({ code: 'ERR_CERT_REVOKED', sipStatus: 403 });
    await expect(started).rejects.toThrow(/^server certificate rejected, .+: replace /);
    expect(socket.connected).toBe(false);
  });
});

/** A certificate and the key that signed it, of a CA outside the test PKI. */
interface Issuer {
  readonly certificate: Uint8Array;
  readonly key: CryptoKey;
}

/**
 * Issues a P-256 certificate valid around the test PKI's time, or until `notAfter`, by `issuer`
 * or self-signed: a CA certificate with `isCa`, else the MCPTT server's.
 */
async function issue(
  subject: string,
  issuer: Issuer | undefined,
  isCa: boolean,
  notAfter?: Date,
): Promise<Issuer> {
  const { pki } = await createKeyStores();
  const pair = await testCrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const certificate = await createCertificate({
    crypto: testCrypto,
    subject,
    ...(issuer === undefined ? {} : { issuer: issuer.certificate }),
    issuerKey: issuer?.key ?? pair.privateKey,
    publicKey: pair.publicKey,
    serial: 0x5000 + subject.length,
    notBefore: new Date(pki.now.getTime() - 24 * HOUR),
    notAfter: notAfter ?? new Date(pki.now.getTime() + 24 * HOUR),
    isCa,
    uris: isCa ? [] : [SERVER_URI],
  });
  return { certificate, key: pair.privateKey };
}

const SERVER_URI = 'sip:mcptt-server@example.org';

describe('a server certificate of an intermediate CA', () => {
  /** Returns a root, an intermediate under it, and a server certificate under that. */
  async function hierarchy() {
    const root = await issue('Root CA', undefined, true);
    const intermediate = await issue('Intermediate CA', root, true);
    const server = await issue('server', intermediate, false);
    return { root, intermediate, server };
  }

  /** Returns alice's key store, trusting `root`, with `chain` as her identity's chain. */
  async function storeTrusting(root: Issuer, chain: readonly Uint8Array[] = []) {
    const { pki } = await createKeyStores();
    const identity = { ...(await pki.identity('alice')), chain: [...chain] };
    return new MemoryKeyStore({ identities: [identity], trustAnchors: [root.certificate] });
  }

  it('starts with the intermediate in serverIntermediates', async () => {
    const { root, intermediate, server } = await hierarchy();
    const { started } = await start({
      serverUri: SERVER_URI,
      serverCertificates: [server.certificate],
      serverIntermediates: [intermediate.certificate],
      keyStore: await storeTrusting(root),
    });

    await expect(started).resolves.toBeUndefined();
  });

  it("starts with the intermediate in the identity's chain", async () => {
    const { root, intermediate, server } = await hierarchy();
    const { started } = await start({
      serverUri: SERVER_URI,
      serverCertificates: [server.certificate],
      keyStore: await storeTrusting(root, [intermediate.certificate]),
    });

    await expect(started).resolves.toBeUndefined();
  });

  it('rejects it below an expired intermediate', async () => {
    // The server's own certificate is valid: the CA certificate of its path must be renewed.
    const { pki } = await createKeyStores();
    const root = await issue('Root CA', undefined, true);
    const intermediate = await issue(
      'Intermediate CA',
      root,
      true,
      new Date(pki.now.getTime() - HOUR),
    );
    const server = await issue('server', intermediate, false);
    const { started } = await start({
      serverUri: SERVER_URI,
      serverCertificates: [server.certificate],
      serverIntermediates: [intermediate.certificate],
      keyStore: await storeTrusting(root),
    });

    await expect(started).rejects.toMatchObject({
      code: 'ERR_CERT_UNTRUSTED',
      message:
        'server certificate rejected, certificate has expired: renew the certificate that is ' +
        "out of date, the server's or a CA certificate of its path, or correct this device's clock",
    });
  });

  it('rejects it without the intermediate', async () => {
    const { root, server } = await hierarchy();
    const { socket, started } = await start({
      serverUri: SERVER_URI,
      serverCertificates: [server.certificate],
      keyStore: await storeTrusting(root),
    });

    await expect(started).rejects.toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403 });
    expect(socket.connected).toBe(false);
  });
});

/**
 * Starts alice, who encrypts for bob's certificate as the server's, and bob, who receives her
 * short data directly. Alice's clock is `clock.now`, which a test may move.
 */
async function session() {
  const { pki, now } = await createKeyStores();
  const clock = { now: now() };
  const { a, b, wire } = createLoopbackPair();
  const texts: string[] = [];
  const failures: SocketFailureEvent[] = [];
  const alice = new McpttClient({
    uri: 'sip:alice@example.org',
    transport: a,
    crypto: testCrypto,
    keyStore: new MemoryKeyStore({
      identities: [await pki.identity('alice')],
      trustAnchors: [pki.caCertificate],
    }),
    now: () => clock.now,
    serverCertificates: [pki.certificate('bob')],
    delegate: { onSecurityFailure: (event) => failures.push(event) },
  });
  const bob = new McpttClient({
    uri: BOB,
    transport: b,
    crypto: testCrypto,
    keyStore: new MemoryKeyStore({
      identities: [await pki.identity('bob')],
      trustAnchors: [pki.caCertificate],
    }),
    now,
    delegate: { onShortData: (event: ShortDataEvent) => texts.push(event.text) },
  });
  clients.push(alice, bob);
  await Promise.all([alice.start(), bob.start()]);
  await alice.sendShortData(BOB, 'one');
  return { pki, alice, wire, texts, failures, clock };
}

/** Returns the MESSAGE requests that went on the wire. */
function messages(wire: readonly string[]): string[] {
  return wire.filter((frame) => frame.startsWith('MESSAGE '));
}

describe('server certificates during a session', () => {
  it('stops encrypting for a certificate that expired', async () => {
    const { pki, alice, wire, texts, failures, clock } = await session();

    clock.now = new Date(pki.now.getTime() + AFTER_EXPIRY);
    const second = alice.sendShortData(BOB, 'two');

    await expect(second).rejects.toMatchObject({ sipStatus: 403 });
    expect(failures).toEqual([
      expect.objectContaining({
        direction: 'outgoing',
        code: 'ERR_CERT_UNTRUSTED',
        sipStatus: 403,
      }),
    ]);
    expect(messages(wire)).toHaveLength(1);
    expect(texts).toEqual(['one']);
  });

  it.skipIf(!opensslAvailable)('stops encrypting for a certificate revoked later', async () => {
    const { alice, wire, texts, failures } = await session();

    alice.setRevocationLists([await revocationList([BOB_SERIAL])]);
    const second = alice.sendShortData(BOB, 'two');

    await expect(second).rejects.toMatchObject({ sipStatus: 403 });
    expect(failures).toEqual([
      expect.objectContaining({ direction: 'outgoing', code: 'ERR_CERT_REVOKED', sipStatus: 403 }),
    ]);
    expect(messages(wire)).toHaveLength(1);
    expect(texts).toEqual(['one']);
  });

  it('goes on encrypting for a certificate that stays good', async () => {
    const { alice, wire, texts, failures } = await session();

    await alice.sendShortData(BOB, 'two');

    expect(messages(wire)).toHaveLength(2);
    expect(texts).toEqual(['one', 'two']);
    expect(failures).toEqual([]);
  });
});
