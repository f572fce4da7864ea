import { describe, expect, it, vi } from 'vitest';
import { MemoryKeyStore, utf8Encode, type RevocationList } from '@mcptt-smime/smime';
import { opensslAvailable } from '../../smime/test/cms/openssl-crl.js';
import { ProtectingSocket, type SocketFailureEvent } from '../src/core/protecting-socket.js';
import type { SdkLogger } from '../src/core/logger.js';
import { SmimePipeline, type ReceivedMessage } from '../src/core/smime-pipeline.js';
import { splitSipText, headerValue } from '../src/core/sip-text.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { createLoopbackPair } from './helpers/loopback.js';
import { revocationList } from './helpers/revocation.js';
import { composeMixedBody, type BodyPart } from '../src/core/multipart-bridge.js';

const SECRET = 'meet at sector 7';

function message(body: string, contentType = 'text/plain;charset=utf-8'): string {
  return [
    'MESSAGE sip:bob@example.org SIP/2.0',
    'Via: SIP/2.0/WS a.invalid;branch=z9hG4bK1',
    'Max-Forwards: 70',
    'From: <sip:alice@example.org>;tag=a1',
    'To: <sip:bob@example.org>',
    'Call-ID: call-1',
    'CSeq: 1 MESSAGE',
    `Content-Type: ${contentType}`,
    `Content-Length: ${utf8Encode(body).length}`,
    '',
    body,
  ].join('\r\n');
}

async function setUp(
  options: {
    bobStore?: MemoryKeyStore;
    onCertificateDecision?: () => boolean;
    revocationLists?: readonly RevocationList[];
    onReceived?: (received: ReceivedMessage) => void;
    logger?: SdkLogger;
  } = {},
) {
  const stores = await createKeyStores();
  const { a, b, wire } = createLoopbackPair();
  const received: ReceivedMessage[] = [];
  const common = { crypto: testCrypto, now: stores.now };
  const alicePipeline = new SmimePipeline({
    ...common,
    keyStore: stores.alice,
    localUri: 'sip:alice@example.org',
  });
  const bobPipeline = new SmimePipeline({
    ...common,
    keyStore: options.bobStore ?? stores.bob,
    ...(options.onCertificateDecision === undefined
      ? {}
      : { onCertificateDecision: options.onCertificateDecision }),
    ...(options.revocationLists === undefined ? {} : { revocationLists: options.revocationLists }),
    localUri: 'sip:bob@example.org',
    onReceived: options.onReceived ?? ((r) => received.push(r)),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const alice = new ProtectingSocket(a, { pipeline: alicePipeline, createTag: () => 't' });
  const failures: SocketFailureEvent[] = [];
  const bob = new ProtectingSocket(b, {
    pipeline: bobPipeline,
    createTag: () => 't',
    onFailure: (event) => failures.push(event),
  });
  const bobData: string[] = [];
  const aliceData: string[] = [];
  bob.ondata = (d) => bobData.push(typeof d === 'string' ? d : '');
  alice.ondata = (d) => aliceData.push(typeof d === 'string' ? d : '');
  alice.connect();
  bob.connect();
  return {
    stores,
    alice,
    bob,
    wire,
    received,
    bobData,
    aliceData,
    a,
    b,
    alicePipeline,
    bobPipeline,
    failures,
  };
}

async function settle(...sockets: ProtectingSocket[]): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all(sockets.map((s) => s.drain()));
  }
}

describe('SmimePipeline', () => {
  it('delivers a protected MESSAGE in plaintext', async () => {
    const { alice, bob, wire, received, bobData } = await setUp();
    alice.send(message(SECRET));
    await settle(alice, bob);

    expect(wire).toHaveLength(1);
    expect(wire[0]).not.toContain(SECRET);
    expect(wire[0]).toContain('application/pkcs7-mime');
    expect(bobData[0]).toContain(SECRET);
    expect(received[0]?.security.encrypted).toBe(true);
    expect(received[0]?.security.signed).toBe(true);
    expect(received[0]?.security.signerUri).toBe('sip:alice@example.org');
    expect(received[0]?.parts[0]?.body).toBe(SECRET);
  });

  it('delivers a message whose handler throws', async () => {
    const logged: string[] = [];
    const record = (...args: unknown[]) => logged.push(JSON.stringify(args));
    const logger: SdkLogger = { debug: record, info: record, warn: record, error: record };
    const { alice, bob, bobData } = await setUp({
      onReceived: () => {
        throw new TypeError('application handler failed');
      },
      logger,
    });
    alice.send(message(SECRET));
    await settle(alice, bob);

    // JsSIP still gets the message, so that it responds to it.
    expect(bobData).toHaveLength(1);
    expect(bobData[0]).toContain(SECRET);
    expect(logged.filter((line) => line.includes('received message handler failed'))).toEqual([
      JSON.stringify([
        'mcptt:sdk:pipeline',
        'received message handler failed',
        { code: 'TypeError' },
      ]),
    ]);
    expect(logged.join('\n')).not.toContain(SECRET);
  });

  it('reads a known signer certificate once per message', async () => {
    const stores = await createKeyStores();
    const reads = vi.spyOn(stores.bob, 'getPeerCertificate');
    const writes = vi.spyOn(stores.bob, 'setPeerCertificate');
    const { alice, bob, received } = await setUp({ bobStore: stores.bob });
    alice.send(message(SECRET));
    alice.send(message(SECRET).replace('CSeq: 1', 'CSeq: 2'));
    await settle(alice, bob);

    expect(received).toHaveLength(2);
    // The store is asked for each message, because the application may change its pins.
    expect(reads).toHaveBeenCalledTimes(2);
    expect(writes).not.toHaveBeenCalled();
  });

  it('stores a new signer certificate once', async () => {
    const stores = await createKeyStores();
    const bobStore = new MemoryKeyStore({
      identities: [await stores.pki.identity('bob')],
      trustAnchors: [stores.pki.caCertificate],
    });
    const writes = vi.spyOn(bobStore, 'setPeerCertificate');
    const { alice, bob, received } = await setUp({
      bobStore,
      onCertificateDecision: () => true,
    });
    alice.send(message(SECRET));
    alice.send(message(SECRET).replace('CSeq: 1', 'CSeq: 2'));
    await settle(alice, bob);

    expect(received).toHaveLength(2);
    expect(writes).toHaveBeenCalledTimes(1);
    expect(await bobStore.getPeerCertificate('sip:alice@example.org')).toEqual(
      stores.pki.certificate('alice'),
    );
  });

  it('reads no keys for a bodiless message', async () => {
    const stores = await createKeyStores();
    const identityReads = vi.spyOn(stores.bob, 'getIdentity');
    const anchorReads = vi.spyOn(stores.bob, 'getTrustAnchors');
    const { alice, bob, bobData } = await setUp({ bobStore: stores.bob });
    const bodiless = message('')
      .replace('Content-Type: text/plain;charset=utf-8\r\n', '')
      .replaceAll('MESSAGE', 'OPTIONS');
    alice.send(bodiless);
    await settle(alice, bob);

    expect(bobData).toHaveLength(1);
    expect(identityReads).not.toHaveBeenCalled();
    expect(anchorReads).not.toHaveBeenCalled();
  });

  it('rejects a clear body as downgrade', async () => {
    const { alice, bob, b, bobData, aliceData } = await setUp();
    b.ondata(message(SECRET));
    await settle(alice, bob);

    expect(bobData).toEqual([]);
    expect(aliceData).toHaveLength(1);
    expect(splitSipText(aliceData[0] ?? '').startLine).toBe('SIP/2.0 403 Forbidden');
  });

  it('answers 493 with certs-only without a key', async () => {
    const stores = await createKeyStores();
    const wrongBob = new MemoryKeyStore({
      // Bob's address with another key pair, so that no recipient matches.
      identities: [{ ...(await stores.pki.identity('mallory')), uri: 'sip:bob@example.org' }],
      trustAnchors: [stores.pki.caCertificate],
    });
    const { alice, bob, aliceData, wire } = await setUp({ bobStore: wrongBob });
    const onData = vi.fn();
    bob.ondata = onData;
    alice.send(message(SECRET));
    await settle(alice, bob);

    expect(onData).not.toHaveBeenCalled();
    const rejection = splitSipText(aliceData[0] ?? '');
    expect(rejection.startLine).toBe('SIP/2.0 493 Undecipherable');
    expect(headerValue(rejection, 'content-type')).toContain('smime-type=certs-only');
    expect(wire).toHaveLength(2);
  });

  it('fails at once without a recipient certificate', async () => {
    const { alice, bob, aliceData, wire } = await setUp();
    alice.send(message(SECRET).replaceAll('sip:bob@', 'sip:carol@'));
    await settle(alice, bob);

    expect(wire).toEqual([]);
    const synthetic = splitSipText(aliceData[0] ?? '');
    expect(synthetic.startLine).toBe('SIP/2.0 500 Server Internal Error');
    expect(headerValue(synthetic, 'warning')).toContain('ERR_KEY_NOT_FOUND');
  });

  it('sends SDP-only messages unchanged', async () => {
    const { alice, bob, wire } = await setUp();
    const offer = message('v=0\r\n', 'application/sdp');
    alice.send(offer);
    await settle(alice, bob);

    expect(wire).toEqual([offer]);
  });
});

const INFO_TYPE = 'application/vnd.3gpp.mcptt-info+xml';
const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

/** Builds an INVITE to bob with an SDP offer and `parts`, as the SDK composes it for JsSIP. */
function invite(parts: readonly BodyPart[]): string {
  const { contentType, body } = composeMixedBody(OFFER, parts, testCrypto);
  return message(body, contentType)
    .replace('MESSAGE sip:bob', 'INVITE sip:bob')
    .replace('CSeq: 1 MESSAGE', 'CSeq: 1 INVITE');
}

/** Sends `text` from alice and returns how many signatures the sending made. */
async function sendCountingSignatures(
  alice: ProtectingSocket,
  bob: ProtectingSocket,
  text: string,
): Promise<number> {
  const signing = vi.spyOn(testCrypto.subtle, 'sign');
  try {
    alice.send(text);
    await settle(alice, bob);
    return signing.mock.calls.length;
  } finally {
    signing.mockRestore();
  }
}

describe('SmimePipeline.prepare', () => {
  const prepared: BodyPart[] = [{ contentType: INFO_TYPE, body: `<info>${SECRET}</info>` }];

  it('sends prepared parts without signing again', async () => {
    const { alice, bob, wire, received, alicePipeline } = await setUp();
    await alicePipeline.prepare('call-1', 'INVITE', 'sip:bob@example.org', prepared);

    expect(await sendCountingSignatures(alice, bob, invite(prepared))).toBe(0);
    expect(wire).toHaveLength(1);
    expect(wire[0]).not.toContain(SECRET);
    expect(received[0]?.parts.map((part) => part.body)).toEqual([`<info>${SECRET}</info>`]);
    expect(received[0]?.security.signerUri).toBe('sip:alice@example.org');
  });

  it('binds the prepared request to its Call-ID, CSeq and To', async () => {
    const { alice, bob, received, alicePipeline } = await setUp();
    await alicePipeline.prepare('call-1', 'INVITE', 'sip:bob@example.org', prepared, 1);

    expect(await sendCountingSignatures(alice, bob, invite(prepared))).toBe(0);
    expect(received[0]?.security.protectedHeaders).toEqual([
      { name: 'Call-ID', value: 'call-1' },
      { name: 'CSeq', value: '1 INVITE' },
      { name: 'To', value: '<sip:bob@example.org>' },
    ]);
  });

  it('reseals, still bound, for another CSeq', async () => {
    const { alice, bob, received, alicePipeline } = await setUp();
    await alicePipeline.prepare('call-1', 'INVITE', 'sip:bob@example.org', prepared, 7);

    expect(await sendCountingSignatures(alice, bob, invite(prepared))).toBe(1);
    expect(received[0]?.security.protectedHeaders.map((field) => field.value)).toEqual([
      'call-1',
      '1 INVITE',
      '<sip:bob@example.org>',
    ]);
  });

  it('prepares nothing for a target that is no address', async () => {
    const { alice, bob, received, alicePipeline } = await setUp();

    await expect(
      alicePipeline.prepare('call-1', 'INVITE', '<not an address', prepared),
    ).resolves.toBeUndefined();
    expect(await sendCountingSignatures(alice, bob, invite(prepared))).toBe(1);
    expect(received[0]?.parts.map((part) => part.body)).toEqual([`<info>${SECRET}</info>`]);
  });

  it('protects anew when the parts changed', async () => {
    const { alice, bob, received, alicePipeline } = await setUp();
    await alicePipeline.prepare('call-1', 'INVITE', 'sip:bob@example.org', prepared);
    const sent: BodyPart[] = [{ contentType: INFO_TYPE, body: '<info>changed</info>' }];

    expect(await sendCountingSignatures(alice, bob, invite(sent))).toBe(1);
    expect(received[0]?.parts.map((part) => part.body)).toEqual(['<info>changed</info>']);
  });

  it('uses a preparation for one request only', async () => {
    const { alice, bob, received, alicePipeline } = await setUp();
    await alicePipeline.prepare('call-1', 'INVITE', 'sip:bob@example.org', prepared);

    expect(await sendCountingSignatures(alice, bob, invite(prepared))).toBe(0);
    const second = invite(prepared).replace('CSeq: 1 INVITE', 'CSeq: 2 INVITE');
    expect(await sendCountingSignatures(alice, bob, second)).toBe(1);
    expect(received).toHaveLength(2);
  });

  it('drops a preparation that the call forgets', async () => {
    const { alice, bob, received, alicePipeline } = await setUp();
    await alicePipeline.prepare('call-1', 'INVITE', 'sip:bob@example.org', prepared);
    alicePipeline.forget('call-1');

    expect(await sendCountingSignatures(alice, bob, invite(prepared))).toBe(1);
    expect(received[0]?.parts.map((part) => part.body)).toEqual([`<info>${SECRET}</info>`]);
  });

  it('prepares nothing for parts sent in clear', async () => {
    const { alice, bob, alicePipeline } = await setUp();
    const plain: BodyPart[] = [{ contentType: 'application/sdp', body: OFFER }];
    await alicePipeline.prepare('call-1', 'INVITE', 'sip:bob@example.org', plain);
    expect(await sendCountingSignatures(alice, bob, invite(prepared))).toBe(1);
  });

  it('falls back when the preparation fails', async () => {
    const { alice, bob, received, alicePipeline } = await setUp();
    // No certificate is stored for carol, so the preparation fails and the send protects anew.
    await alicePipeline.prepare('call-1', 'INVITE', 'sip:carol@example.org', prepared);

    expect(await sendCountingSignatures(alice, bob, invite(prepared))).toBe(1);
    expect(received[0]?.parts.map((part) => part.body)).toEqual([`<info>${SECRET}</info>`]);
  });
});

// The test PKI issues serial 2 to alice and 3 to alice2.
const ALICE_SERIAL = 2;
const ALICE2_SERIAL = 3;

describe.skipIf(!opensslAvailable)('SmimePipeline revocation lists', () => {
  it('rejects a revoked signer with 403', async () => {
    const revocationLists = [await revocationList([ALICE_SERIAL])];
    const { alice, bob, bobData, aliceData, failures } = await setUp({ revocationLists });
    alice.send(message(SECRET));
    await settle(alice, bob);

    expect(bobData).toEqual([]);
    expect(splitSipText(aliceData[0] ?? '').startLine).toBe('SIP/2.0 403 Forbidden');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      direction: 'incoming',
      code: 'ERR_CERT_REVOKED',
      sipStatus: 403,
    });
  });

  it('applies lists set after the start', async () => {
    const { alice, bob, bobData, bobPipeline, failures } = await setUp();
    alice.send(message('before the list'));
    await settle(alice, bob);

    bobPipeline.setRevocationLists([await revocationList([ALICE_SERIAL])]);
    alice.send(message(SECRET));
    await settle(alice, bob);

    expect(bobData).toHaveLength(1);
    expect(bobData[0]).toContain('before the list');
    expect(bobData.join('')).not.toContain(SECRET);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'ERR_CERT_REVOKED', sipStatus: 403 });
  });

  it('delivers from a signer the list leaves out', async () => {
    const revocationLists = [await revocationList([ALICE2_SERIAL])];
    const { alice, bob, bobData, failures } = await setUp({ revocationLists });
    alice.send(message(SECRET));
    await settle(alice, bob);

    expect(failures).toEqual([]);
    expect(bobData[0]).toContain(SECRET);
  });
});
