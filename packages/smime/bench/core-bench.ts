/**
 * Per-message cost of protect and unprotect, and the raw WebCrypto floor that they cannot go below,
 * measured in one run with the same `crypto`. It imports nothing Node-specific, so the same code
 * runs in Node and, bundled, in Chromium.
 */
import { createCertificate, importPrivateKey } from '../src/cms/index.js';
import { SipMessage } from '../src/sip/message.js';
import { EnvelopePool, type EnvelopeSource } from '../src/smime/envelope-pool.js';
import { workerEnvelopePreparer, type EnvelopePort } from '../src/smime/envelope-worker.js';
import { protectMessage, type ProtectOptions } from '../src/smime/protect.js';
import { unprotectMessage } from '../src/smime/unprotect.js';
import type { LocalIdentity } from '../src/smime/key-store.js';
import { benchInvite } from './fixture.js';
import { measureInterleaved, median, round, type Clock } from './timing.js';

/** Medians in milliseconds, named as in the benchmark's JSON line. */
export interface CoreBenchResult {
  readonly protect_ms: number;
  readonly unprotect_ms: number;
  readonly protect_floor_ms: number;
  readonly unprotect_floor_ms: number;
  readonly protect_ratio: number;
  readonly unprotect_ratio: number;
  readonly protect_protocol_floor_ms: number;
  readonly unprotect_protocol_floor_ms: number;
  readonly body_bytes: number;
  /** With a second engine only: protect and unprotect through it, and their ratios to the floors. */
  readonly protect_engine_ms?: number;
  readonly unprotect_engine_ms?: number;
  readonly protect_engine_ratio?: number;
  readonly unprotect_engine_ratio?: number;
  /**
   * With an envelope worker only: protect with an envelope that the worker made ahead, and the
   * page's time per envelope for the messages to and from the worker. That time is the median
   * time to post a request and to read a reply, times the requests, divided by the envelopes. The
   * ratio divides the sum of both by the floor.
   */
  readonly protect_pooled_ms?: number;
  readonly envelope_messaging_ms?: number;
  readonly protect_pooled_ratio?: number;
}

/** Options of a runtime for the benchmark, besides its WebCrypto. */
export interface CoreBenchExtras {
  /** A second engine to measure protect and unprotect through, such as the Node engine. */
  readonly engine?: Crypto;
  /** A worker that serves envelopes, for protect with envelopes made ahead. */
  readonly envelopeWorker?: EnvelopePort;
  /** Rounds run before measuring, {@link WARMUP_ROUNDS} by default. */
  readonly warmupRounds?: number;
}

const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const EC_PARAMS = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDH_PARAMS = { name: 'ECDH', namedCurve: 'P-256' } as const;
const VALID_FROM = new Date('2026-01-01T00:00:00Z');
const VALID_TO = new Date('2036-01-01T00:00:00Z');
/**
 * Rounds run before measuring. V8 compiles a function to optimised code only after many calls,
 * and a client or server that has handled a few hundred messages runs that code. Chromium's
 * unprotect kept getting faster up to about 1,000 rounds: `BENCH_WARMUP_ROUNDS` sets more.
 */
const WARMUP_ROUNDS = 300;

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
 * Measures every WebCrypto call that protect makes with an EC recipient: the content digest, the
 * signature, an exported ephemeral ECDH key, the derivation, the X9.63 KDF digest, the AES-KW key
 * import and wrap, and AES-GCM. Only the work outside WebCrypto is missing.
 */
function protectProtocolFloor(
  crypto: Crypto,
  signingKey: CryptoKey,
  recipient: CryptoKey,
  body: Uint8Array<ArrayBuffer>,
) {
  const iv = new Uint8Array(12);
  const signedAttributes = new Uint8Array(110);
  return async () => {
    await crypto.subtle.digest('SHA-256', body);
    await crypto.subtle.sign(EC_SIGN, signingKey, signedAttributes);
    const ephemeral = await crypto.subtle.generateKey(ECDH_PARAMS, true, ['deriveBits']);
    await crypto.subtle.exportKey('raw', ephemeral.publicKey);
    const shared = await crypto.subtle.deriveBits(
      { name: 'ECDH', public: recipient },
      ephemeral.privateKey,
      256,
    );
    const kek = await crypto.subtle.digest('SHA-256', shared);
    const wrappingKey = await crypto.subtle.importKey('raw', kek, 'AES-KW', false, ['wrapKey']);
    const cek = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, [
      'encrypt',
    ]);
    await crypto.subtle.wrapKey('raw', cek, wrappingKey, 'AES-KW');
    crypto.getRandomValues(iv);
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, cek, body);
  };
}

/**
 * Measures every WebCrypto call that unprotect makes for an EC recipient: the originator key
 * import, the derivation, the KDF digest, the AES-KW import and unwrap, AES-GCM, the content
 * digest and the signature check with a cached signer key.
 */
async function unprotectProtocolFloor(crypto: Crypto, body: Uint8Array<ArrayBuffer>) {
  const sender = await crypto.subtle.generateKey(EC_PARAMS, false, ['sign', 'verify']);
  const ephemeral = await crypto.subtle.generateKey(ECDH_PARAMS, true, ['deriveBits']);
  const local = await crypto.subtle.generateKey(ECDH_PARAMS, false, ['deriveBits']);
  const originator = await crypto.subtle.exportKey('raw', ephemeral.publicKey);
  const shared = await crypto.subtle.deriveBits(
    { name: 'ECDH', public: local.publicKey },
    ephemeral.privateKey,
    256,
  );
  const kekBytes = await crypto.subtle.digest('SHA-256', shared);
  const kek = await crypto.subtle.importKey('raw', kekBytes, 'AES-KW', false, ['wrapKey']);
  const cek = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  const wrapped = await crypto.subtle.wrapKey('raw', cek, kek, 'AES-KW');
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, cek, body);
  const signedAttributes = new Uint8Array(110);
  const signature = await crypto.subtle.sign(EC_SIGN, sender.privateKey, signedAttributes);

  return async () => {
    const publicKey = await crypto.subtle.importKey('raw', originator, ECDH_PARAMS, false, []);
    const bits = await crypto.subtle.deriveBits(
      { name: 'ECDH', public: publicKey },
      local.privateKey,
      256,
    );
    const derived = await crypto.subtle.digest('SHA-256', bits);
    const unwrapping = await crypto.subtle.importKey('raw', derived, 'AES-KW', false, [
      'unwrapKey',
    ]);
    const contentKey = await crypto.subtle.unwrapKey(
      'raw',
      wrapped,
      unwrapping,
      'AES-KW',
      'AES-GCM',
      false,
      ['decrypt'],
    );
    const plaintext = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, contentKey, ciphertext);
    await crypto.subtle.digest('SHA-256', plaintext);
    const valid = await crypto.subtle.verify(
      EC_SIGN,
      sender.publicKey,
      signature,
      signedAttributes,
    );
    if (!valid) throw new Error('floor signature did not verify');
  };
}

/**
 * Runs the core benchmark with the given WebCrypto and clock. Unprotect runs with a warm
 * certificate cache, as a long-lived client or server does. With `engine`, protect and unprotect
 * are also measured through that engine, in the same rounds, against the same WebCrypto floors.
 */
export async function runCoreBench(
  crypto: Crypto,
  clock: Clock,
  iterations = 200,
  extras: CoreBenchExtras = {},
): Promise<CoreBenchResult> {
  const { engine } = extras;
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

  const pooled =
    extras.envelopeWorker && pooledProtect(clock, extras.envelopeWorker, message, protectOptions);
  if (pooled !== undefined) await pooled.ready();

  const serverPublic = await crypto.subtle.generateKey(ECDH_PARAMS, false, ['deriveBits']);
  const body = new Uint8Array(message.body);
  const lastFloor = await unprotectProtocolFloor(crypto, body);
  const medians = await measureInterleaved(
    clock,
    {
      protect: () => protectMessage(message, protectOptions),
      unprotect: () => unprotectMessage(protectedMessage, unprotectOptions),
      protectFloor: protectFloor(crypto, alice.signingKey, serverPublic.publicKey, body),
      unprotectFloor: await unprotectFloor(crypto, body),
      protectProtocolFloor: protectProtocolFloor(
        crypto,
        alice.signingKey,
        serverPublic.publicKey,
        body,
      ),
      unprotectProtocolFloor: lastFloor,
      ...(engine === undefined
        ? {}
        : {
            protectEngine: () => protectMessage(message, { ...protectOptions, crypto: engine }),
            unprotectEngine: () =>
              unprotectMessage(protectedMessage, { ...unprotectOptions, crypto: engine }),
          }),
      // Not reported: the wait until the worker has refilled the pool, so that the worker's
      // thread is idle while the other operations are measured, and the last floor once more. The
      // page is idle during the wait, and an operation right after that runs slower, so the extra
      // floor takes that place. Protect, measured first in each round, then follows that floor as
      // it does without a worker.
      ...(pooled === undefined
        ? {}
        : {
            protectPooled: pooled.protect,
            poolSettled: pooled.settle,
            afterWait: lastFloor,
          }),
    },
    iterations,
    extras.warmupRounds ?? WARMUP_ROUNDS,
  );

  return {
    protect_ms: round(medians.protect),
    unprotect_ms: round(medians.unprotect),
    protect_floor_ms: round(medians.protectFloor),
    unprotect_floor_ms: round(medians.unprotectFloor),
    protect_ratio: round(medians.protect / medians.protectFloor),
    unprotect_ratio: round(medians.unprotect / medians.unprotectFloor),
    protect_protocol_floor_ms: round(medians.protectProtocolFloor),
    unprotect_protocol_floor_ms: round(medians.unprotectProtocolFloor),
    body_bytes: message.body.length,
    ...(medians.protectEngine === undefined || medians.unprotectEngine === undefined
      ? {}
      : {
          protect_engine_ms: round(medians.protectEngine),
          unprotect_engine_ms: round(medians.unprotectEngine),
          protect_engine_ratio: round(medians.protectEngine / medians.protectFloor),
          unprotect_engine_ratio: round(medians.unprotectEngine / medians.unprotectFloor),
        }),
    ...(pooled === undefined || medians.protectPooled === undefined
      ? {}
      : {
          protect_pooled_ms: round(medians.protectPooled),
          envelope_messaging_ms: round(pooled.messagingPerEnvelope()),
          protect_pooled_ratio: round(
            (medians.protectPooled + pooled.messagingPerEnvelope()) / medians.protectFloor,
          ),
        }),
  };
}

/**
 * Protect with envelopes from a worker. Every measured call must find one ready, or the figure
 * would mix in envelopes made in the page, so a miss fails the benchmark. The page's own share of
 * the messaging, posting each request, reading each reply in the message listener (Chromium
 * deserialises the data there, on first read) and the pool's check of each batch, is timed apart.
 */
function pooledProtect(
  clock: Clock,
  worker: EnvelopePort,
  message: SipMessage,
  options: ProtectOptions,
) {
  const posts: number[] = [];
  const replies: number[] = [];
  let received = 0;
  const timed: EnvelopePort = {
    postMessage: (request) => {
      const start = clock();
      worker.postMessage(request);
      posts.push(clock() - start);
    },
    addEventListener: (type, listener) =>
      worker.addEventListener(type, (event) => {
        const start = clock();
        listener(event);
        replies.push(clock() - start);
      }),
  };
  const preparer = workerEnvelopePreparer(timed);
  const inFlight = new Set<Promise<unknown>>();
  const checks: number[] = [];
  // The pool checks and stores each batch in the handler that it passes to `then`, a microtask
  // after the reply's listener, so the handler is timed here.
  const timedHandling = <T>(making: Promise<T>): Promise<T> => {
    const then: Promise<T>['then'] = (onFulfilled, onRejected) =>
      making.then(
        onFulfilled &&
          ((value) => {
            const start = clock();
            try {
              return onFulfilled(value);
            } finally {
              checks.push(clock() - start);
            }
          }),
        onRejected,
      );
    // The pool calls only `then`, so an object with `then` alone can replace the promise.
    return { then } as unknown as Promise<T>;
  };
  const pool = new EnvelopePool({
    prepare: (request, count) => {
      const making = preparer(request, count).then((envelopes) => {
        received += envelopes.length;
        return envelopes;
      });
      inFlight.add(making);
      void making.finally(() => inFlight.delete(making)).catch(() => undefined);
      return timedHandling(making);
    },
  });
  const { recipients } = options;
  const algorithm = 'aes-256-gcm';
  const envelopes: EnvelopeSource = {
    take: (wanted, wantedAlgorithm) => {
      const envelope = pool.take(wanted, wantedAlgorithm);
      if (envelope === undefined) throw new Error('benchmark: no envelope ready from the worker');
      return envelope;
    },
  };
  return {
    ready: () => pool.fill(recipients, algorithm),
    protect: () => protectMessage(message, { ...options, envelopes }),
    // The pool sends its request from a timer of its own, which runs before this one.
    settle: async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      await Promise.all(inFlight);
    },
    messagingPerEnvelope: () =>
      ((median(posts) + median(replies) + median(checks)) * posts.length) / Math.max(received, 1),
  };
}
