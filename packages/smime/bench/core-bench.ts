/**
 * Per-message cost of protect and unprotect, and the raw WebCrypto floor that they cannot go below,
 * measured in one run with the same `crypto`. It imports nothing Node-specific, so the same code
 * runs in Node and, bundled, in Chromium.
 */
import { createCertificate, importPrivateKey } from '../src/cms/index.js';
import { SipMessage } from '../src/sip/message.js';
import { protectMessage } from '../src/smime/protect.js';
import { unprotectMessage } from '../src/smime/unprotect.js';
import type { LocalIdentity } from '../src/smime/key-store.js';
import { benchInvite } from './fixture.js';
import { measure, round, type Clock } from './timing.js';

/** Medians in milliseconds, named as in the benchmark's JSON line. */
export interface CoreBenchResult {
  readonly protect_ms: number;
  readonly unprotect_ms: number;
  readonly protect_floor_ms: number;
  readonly unprotect_floor_ms: number;
  readonly protect_ratio: number;
  readonly unprotect_ratio: number;
  readonly body_bytes: number;
}

const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const EC_PARAMS = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDH_PARAMS = { name: 'ECDH', namedCurve: 'P-256' } as const;
const VALID_FROM = new Date('2026-01-01T00:00:00Z');
const VALID_TO = new Date('2036-01-01T00:00:00Z');

async function createIdentity(
  crypto: Crypto,
  uri: string,
  serial: number,
  issuer: { certificate: Uint8Array; key: CryptoKey } | undefined,
): Promise<{ identity: LocalIdentity; signingKey: CryptoKey }> {
  const pair = await crypto.subtle.generateKey(EC_PARAMS, true, ['sign', 'verify']);
  const certificate = await createCertificate({
    crypto,
    subject: uri,
    ...(issuer ? { issuer: issuer.certificate } : {}),
    issuerKey: issuer?.key ?? pair.privateKey,
    publicKey: pair.publicKey,
    serial,
    notBefore: VALID_FROM,
    notAfter: VALID_TO,
    isCa: issuer === undefined,
    ...(issuer ? { uris: [uri] } : {}),
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const keys = await importPrivateKey(crypto, pkcs8);
  const identity: LocalIdentity = { uri, certificate, chain: [], ...keys };
  return { identity, signingKey: pair.privateKey };
}

/** Measures the WebCrypto operations that protect cannot avoid, for one message. */
function protectFloor(
  crypto: Crypto,
  signingKey: CryptoKey,
  recipient: CryptoKey,
  body: Uint8Array<ArrayBuffer>,
) {
  const iv = new Uint8Array(12);
  return async () => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
    await crypto.subtle.sign(EC_SIGN, signingKey, digest);
    const ephemeral = await crypto.subtle.generateKey(ECDH_PARAMS, false, ['deriveBits']);
    await crypto.subtle.deriveBits({ name: 'ECDH', public: recipient }, ephemeral.privateKey, 256);
    const cek = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
    ]);
    crypto.getRandomValues(iv);
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, cek, body);
  };
}

/** Measures the WebCrypto operations that unprotect cannot avoid, for one message. */
async function unprotectFloor(crypto: Crypto, body: Uint8Array<ArrayBuffer>) {
  const sender = await crypto.subtle.generateKey(EC_PARAMS, false, ['sign', 'verify']);
  const ephemeral = await crypto.subtle.generateKey(ECDH_PARAMS, false, ['deriveBits']);
  const local = await crypto.subtle.generateKey(ECDH_PARAMS, false, ['deriveBits']);
  const cek = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, cek, body);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  const signature = await crypto.subtle.sign(EC_SIGN, sender.privateKey, digest);
  return async () => {
    await crypto.subtle.deriveBits(
      { name: 'ECDH', public: ephemeral.publicKey },
      local.privateKey,
      256,
    );
    const plaintext = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, cek, ciphertext);
    const hashed = await crypto.subtle.digest('SHA-256', plaintext);
    const valid = await crypto.subtle.verify(EC_SIGN, sender.publicKey, signature, hashed);
    if (!valid) throw new Error('floor signature did not verify');
  };
}

/**
 * Runs the core benchmark with the given WebCrypto and clock. Unprotect runs with a warm
 * certificate cache, as a long-lived client or server does.
 */
export async function runCoreBench(
  crypto: Crypto,
  clock: Clock,
  iterations = 200,
): Promise<CoreBenchResult> {
  const encoder = new TextEncoder();
  const ca = await createIdentity(crypto, 'MCPTT Bench CA', 1, undefined);
  const issuer = { certificate: ca.identity.certificate, key: ca.signingKey };
  const alice = await createIdentity(crypto, 'sip:alice@mcptt.example.org', 2, issuer);
  const server = await createIdentity(crypto, 'sip:mcptt-server@mcptt.example.org', 3, issuer);
  const message = SipMessage.parse(encoder.encode(benchInvite));
  const now = () => new Date('2026-06-01T00:00:00Z');
  const protectOptions = {
    crypto,
    signer: alice.identity,
    recipients: [server.identity.certificate],
    now,
  };
  const protectedMessage = await protectMessage(message, protectOptions);
  const unprotectOptions = {
    crypto,
    identity: server.identity,
    trustAnchors: [ca.identity.certificate],
    now,
  };

  const serverPublic = await crypto.subtle.generateKey(ECDH_PARAMS, false, ['deriveBits']);
  const protectMs = await measure(clock, () => protectMessage(message, protectOptions), iterations);
  const unprotectMs = await measure(
    clock,
    () => unprotectMessage(protectedMessage, unprotectOptions),
    iterations,
  );
  const protectFloorMs = await measure(
    clock,
    protectFloor(crypto, alice.signingKey, serverPublic.publicKey, new Uint8Array(message.body)),
    iterations,
  );
  const unprotectFloorMs = await measure(
    clock,
    await unprotectFloor(crypto, new Uint8Array(message.body)),
    iterations,
  );

  return {
    protect_ms: round(protectMs),
    unprotect_ms: round(unprotectMs),
    protect_floor_ms: round(protectFloorMs),
    unprotect_floor_ms: round(unprotectFloorMs),
    protect_ratio: round(protectMs / protectFloorMs),
    unprotect_ratio: round(unprotectMs / unprotectFloorMs),
    body_bytes: message.body.length,
  };
}
