/**
 * Attack tests of `createNodeCrypto`: differential checks against Node's WebCrypto over random
 * inputs, odd algorithm identifiers, BufferSource kinds, mixed-up keys and the ephemeral pool.
 *
 * Each test compares the engine with `webcrypto.subtle` on the same inputs: the same bytes, the
 * same rejection name, and a rejected promise where WebCrypto rejects, never a synchronous throw.
 */
import { webcrypto } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { createNodeCrypto } from '../../src/node/node-crypto.js';

const SEED = 20_240_601;
const native = webcrypto.subtle as SubtleCrypto;
const { subtle } = createNodeCrypto();

type Call = (s: SubtleCrypto) => Promise<unknown>;

/** What a call did: returned a value, rejected, or threw before returning a promise. */
interface Outcome {
  readonly kind: 'value' | 'rejection' | 'sync-throw';
  /** Hex of an ArrayBuffer, the text of another value, or the error name. */
  readonly detail: string;
}

function describeValue(value: unknown): string {
  if (value instanceof ArrayBuffer) return `buffer:${Buffer.from(value).toString('hex')}`;
  if (value instanceof CryptoKey) {
    return `key:${value.type}:${JSON.stringify(value.algorithm)}:${[...value.usages].sort().join()}`;
  }
  return `value:${String(value)}`;
}

function errorName(error: unknown): string {
  return error instanceof Error || error instanceof DOMException ? error.name : typeof error;
}

async function outcome(call: Call, s: SubtleCrypto): Promise<Outcome> {
  let promise: Promise<unknown>;
  try {
    promise = call(s);
  } catch (error) {
    return { kind: 'sync-throw', detail: errorName(error) };
  }
  try {
    return { kind: 'value', detail: describeValue(await promise) };
  } catch (error) {
    return { kind: 'rejection', detail: errorName(error) };
  }
}

/** Asserts that the engine does what Node's WebCrypto does, and never throws synchronously. */
async function expectNative(call: Call): Promise<void> {
  const theirs = await outcome(call, native);
  const ours = await outcome(call, subtle);
  expect(ours.kind).not.toBe('sync-throw');
  expect(ours).toEqual(theirs);
}

/** Asserts that the engine returns a promise for this call, whatever it settles to. */
async function expectAsync(call: Call): Promise<void> {
  const ours = await outcome(call, subtle);
  expect(ours.kind).not.toBe('sync-throw');
}

function detachedBuffer(length = 12): ArrayBuffer {
  const buffer = new ArrayBuffer(length);
  structuredClone(buffer, { transfer: [buffer] });
  return buffer;
}

/** Returns the same bytes in several BufferSource shapes, some of them views at an offset. */
function bufferSources(input: Uint8Array): BufferSource[] {
  const bytes = Uint8Array.from(input);
  const padded = new Uint8Array(bytes.length + 6);
  padded.set(bytes, 2);
  const sources: BufferSource[] = [
    bytes,
    bytes.slice().buffer,
    new DataView(padded.buffer, 2, bytes.length),
    padded.subarray(2, 2 + bytes.length),
    Buffer.from(bytes),
  ];
  if (bytes.length % 2 === 0) sources.push(new Int16Array(padded.buffer, 2, bytes.length / 2));
  return sources;
}

const bytesArb = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

let ecdsa256: CryptoKeyPair;
let ecdsa384: CryptoKeyPair;
let ecdh256: CryptoKeyPair[];
let ecdh384: CryptoKeyPair;
let gcmKeys: CryptoKey[];
let cbcKey: CryptoKey;
let kwKeys: CryptoKey[];
let hmacKey: CryptoKey;

beforeAll(async () => {
  const pair = (name: string, namedCurve: string, usages: KeyUsage[]) =>
    native.generateKey({ name, namedCurve }, true, usages);
  ecdsa256 = await pair('ECDSA', 'P-256', ['sign', 'verify']);
  ecdsa384 = await pair('ECDSA', 'P-384', ['sign', 'verify']);
  ecdh256 = await Promise.all([0, 1, 2].map(() => pair('ECDH', 'P-256', ['deriveBits'])));
  ecdh384 = await pair('ECDH', 'P-384', ['deriveBits']);
  gcmKeys = await Promise.all(
    [128, 192, 256].map((length) =>
      native.generateKey({ name: 'AES-GCM', length }, true, ['encrypt', 'decrypt']),
    ),
  );
  cbcKey = await native.generateKey({ name: 'AES-CBC', length: 256 }, true, ['encrypt', 'decrypt']);
  kwKeys = await Promise.all(
    [128, 192, 256].map((length) =>
      native.generateKey({ name: 'AES-KW', length }, true, ['wrapKey', 'unwrapKey']),
    ),
  );
  hmacKey = await native.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
});

describe('node-crypto attack: differential properties (regression)', () => {
  it('digest: any name and BufferSource kind', async () => {
    const names = ['SHA-256', 'SHA-384', 'SHA-512', 'sha-256', 'Sha-384', 'SHA-1', 'SHA256'];
    await fc.assert(
      fc.asyncProperty(
        bytesArb(300),
        fc.constantFrom(...names),
        fc.boolean(),
        async (b, n, obj) => {
          for (const data of bufferSources(b)) {
            await expectNative((s) => s.digest(obj ? { name: n } : n, data));
          }
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('AES-GCM: random encrypt and decrypt', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        bytesArb(200),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.option(bytesArb(40), { nil: undefined }),
        fc.constantFrom<number | undefined>(undefined, 128, 96),
        fc.nat(400),
        async (keyIndex, plaintext, iv, aad, tagLength, flip) => {
          const key = gcmKeys[keyIndex] as CryptoKey;
          const params: AesGcmParams = {
            name: 'AES-GCM',
            iv,
            ...(aad === undefined ? {} : { additionalData: new DataView(aad.slice().buffer) }),
            ...(tagLength === undefined ? {} : { tagLength }),
          };
          for (const data of bufferSources(plaintext)) {
            await expectNative((s) => s.encrypt(params, key, data));
          }
          const sealed = new Uint8Array(await native.encrypt(params, key, plaintext));
          await expectNative((s) => s.decrypt(params, key, sealed));
          const altered = sealed.slice();
          const index = flip % altered.length;
          altered[index] = (altered[index] ?? 0) ^ 1;
          await expectNative((s) => s.decrypt(params, key, altered));
          await expectNative((s) => s.decrypt(params, key, sealed.subarray(0, flip % 20)));
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('ECDH deriveBits: any length', async () => {
    const lengths = fc.oneof(
      fc.integer({ min: -16, max: 400 }),
      fc.constantFrom<number | null | undefined>(null, undefined, Number.NaN, 8.5, 2 ** 32 + 8),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
        lengths,
        async (i, j, length) => {
          const base = (ecdh256[i] as CryptoKeyPair).privateKey;
          const peer = (ecdh256[j] as CryptoKeyPair).publicKey;
          await expectNative((s) => s.deriveBits({ name: 'ECDH', public: peer }, base, length));
          await expectNative((s) =>
            s.deriveBits({ name: 'ECDH', public: ecdh384.publicKey }, base, length),
          );
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('ECDSA verify: random and truncated signatures', async () => {
    await fc.assert(
      fc.asyncProperty(
        bytesArb(100),
        fc.uint8Array({ minLength: 0, maxLength: 100 }),
        fc.constantFrom('SHA-256', 'SHA-384', 'SHA-512'),
        fc.boolean(),
        async (data, junk, hash, big) => {
          const pair = big ? ecdsa384 : ecdsa256;
          const params = { name: 'ECDSA', hash };
          const signature = new Uint8Array(await native.sign(params, pair.privateKey, data));
          await expectNative((s) => s.verify(params, pair.publicKey, signature, data));
          await expectNative((s) => s.verify(params, pair.publicKey, junk, data));
          await expectNative((s) => s.verify(params, pair.publicKey, signature.subarray(1), data));
          const ours = await subtle.sign(params, pair.privateKey, data);
          expect(await native.verify(params, pair.publicKey, ours, data)).toBe(true);
        },
      ),
      { seed: SEED, numRuns: 30 },
    );
  });

  it('AES-KW: wrap, unwrap and bad input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
        fc.uint8Array({ minLength: 24, maxLength: 48 }),
        async (kwIndex, keyIndex, junk) => {
          const kw = kwKeys[kwIndex] as CryptoKey;
          const key = gcmKeys[keyIndex] as CryptoKey;
          await expectNative((s) => s.wrapKey('raw', key, kw, 'AES-KW'));
          await expectNative((s) => s.wrapKey('raw', key, kw, { name: 'AES-KW' }));
          const wrapped = await native.wrapKey('raw', key, kw, 'AES-KW');
          for (const [algorithm, usages] of [
            ['AES-GCM', ['encrypt']],
            ['AES-CBC', ['decrypt']],
            ['AES-KW', ['wrapKey']],
            [{ name: 'HMAC', hash: 'SHA-256' }, ['sign']],
            ['AES-GCM', ['sign']],
            ['AES-GCM', []],
            ['NOPE', ['encrypt']],
          ] as const) {
            await expectNative((s) =>
              s.unwrapKey('raw', wrapped, kw, 'AES-KW', algorithm, true, [...usages]),
            );
            const bad = junk.subarray(0, junk.length - (junk.length % 8));
            await expectNative((s) =>
              s.unwrapKey('raw', bad, kw, 'AES-KW', algorithm, false, [...usages]),
            );
          }
        },
      ),
      { seed: SEED, numRuns: 12 },
    );
  });
});

describe('node-crypto attack: wrong keys and parameters (regression)', () => {
  it('rejects keys of the wrong kind', async () => {
    const data = new Uint8Array([1, 2, 3]);
    const iv = new Uint8Array(12);
    const hash = 'SHA-256';
    const calls: Call[] = [
      (s) => s.sign({ name: 'ECDSA', hash }, ecdsa256.publicKey, data),
      (s) => s.sign({ name: 'ECDSA', hash }, hmacKey, data),
      (s) => s.verify({ name: 'ECDSA', hash }, ecdsa256.privateKey, new Uint8Array(64), data),
      (s) => s.deriveBits({ name: 'ECDH', public: ecdsa256.publicKey }, ecdsa256.privateKey, 256),
      (s) =>
        s.deriveBits(
          { name: 'ECDH', public: ecdsa256.publicKey },
          (ecdh256[0] as CryptoKeyPair).privateKey,
          256,
        ),
      (s) =>
        s.deriveBits(
          { name: 'ECDH', public: (ecdh256[1] as CryptoKeyPair).privateKey },
          (ecdh256[0] as CryptoKeyPair).privateKey,
          256,
        ),
      (s) =>
        s.deriveBits(
          { name: 'ECDH', public: (ecdh256[1] as CryptoKeyPair).publicKey },
          (ecdh256[0] as CryptoKeyPair).publicKey,
          256,
        ),
      (s) => s.encrypt({ name: 'AES-GCM', iv }, cbcKey, data),
      (s) => s.decrypt({ name: 'AES-GCM', iv }, kwKeys[0] as CryptoKey, new Uint8Array(32)),
      (s) => s.encrypt({ name: 'AES-GCM', iv }, hmacKey, data),
      (s) => s.wrapKey('raw', gcmKeys[0] as CryptoKey, gcmKeys[1] as CryptoKey, 'AES-KW'),
      (s) => s.wrapKey('raw', hmacKey, kwKeys[0] as CryptoKey, 'AES-KW'),
      (s) => s.wrapKey('raw', cbcKey, kwKeys[0] as CryptoKey, 'AES-GCM'),
      (s) => s.wrapKey('jwk', gcmKeys[0] as CryptoKey, kwKeys[0] as CryptoKey, 'AES-KW'),
      (s) => s.unwrapKey('raw', new Uint8Array(24), cbcKey, 'AES-KW', 'AES-GCM', true, ['encrypt']),
      (s) => s.exportKey('raw', ecdsa256.privateKey),
      (s) => s.exportKey('raw', hmacKey),
      (s) => s.exportKey('spki', (ecdh256[0] as CryptoKeyPair).publicKey),
      (s) => s.exportKey('raw', ecdsa384.publicKey),
    ];
    for (const call of calls) await expectNative(call);
  });

  it('returns unpooled ArrayBuffers', async () => {
    const data = new Uint8Array(5);
    const iv = new Uint8Array(12);
    const key = gcmKeys[0] as CryptoKey;
    const sealed = await subtle.encrypt({ name: 'AES-GCM', iv }, key, data);
    const results: [ArrayBuffer, number][] = [
      [await subtle.digest('SHA-256', data), 32],
      [await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, ecdsa256.privateKey, data), 64],
      [sealed, 21],
      [await subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed), 5],
      [
        await subtle.deriveBits(
          { name: 'ECDH', public: (ecdh256[1] as CryptoKeyPair).publicKey },
          (ecdh256[0] as CryptoKeyPair).privateKey,
          128,
        ),
        16,
      ],
      [await subtle.wrapKey('raw', key, kwKeys[0] as CryptoKey, 'AES-KW'), 24],
      [await subtle.exportKey('raw', ecdsa256.publicKey), 65],
    ];
    for (const [buffer, length] of results) {
      expect(buffer).toBeInstanceOf(ArrayBuffer);
      expect(buffer.byteLength).toBe(length);
    }
  });
});

describe('node-crypto attack: ephemeral pool (regression)', () => {
  it('hands out unique pairs in parallel', async () => {
    const engine = createNodeCrypto().subtle;
    const request = () =>
      engine.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
    const first = await Promise.all(Array.from({ length: 40 }, request));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = await Promise.all(Array.from({ length: 40 }, request));
    const pairs = [...first, ...second];
    expect(new Set(pairs.map((p) => p.privateKey)).size).toBe(pairs.length);
    const points = await Promise.all(
      pairs.map(async (p) =>
        Buffer.from(await engine.exportKey('raw', p.publicKey)).toString('hex'),
      ),
    );
    expect(new Set(points).size).toBe(pairs.length);
    for (const pair of pairs) {
      expect(pair.privateKey.extractable).toBe(false);
      expect(pair.privateKey.usages).toEqual(['deriveBits']);
      expect(pair.publicKey.extractable).toBe(true);
    }
  });

  it('keeps curve pools apart', async () => {
    const engine = createNodeCrypto().subtle;
    const pairs = await Promise.all(
      ['P-256', 'P-384', 'P-256', 'P-384'].map((namedCurve) =>
        engine.generateKey({ name: 'ECDH', namedCurve }, false, ['deriveBits']),
      ),
    );
    expect(pairs.map((p) => (p.privateKey.algorithm as EcKeyAlgorithm).namedCurve)).toEqual([
      'P-256',
      'P-384',
      'P-256',
      'P-384',
    ]);
  });
});

describe('node-crypto attack: WebCrypto edge cases (regression)', () => {
  it('digest: Object.prototype hash names', async () => {
    // Names of Object.prototype properties must not be taken for supported hashes.
    const data = new Uint8Array([1, 2, 3]);
    for (const name of ['constructor', 'toString', '__proto__', 'valueOf']) {
      await expectNative((s) => s.digest(name, data));
      await expectNative((s) => s.digest({ name }, data));
    }
  });

  it('ECDSA: Object.prototype hash names', async () => {
    const data = new Uint8Array([1, 2, 3]);
    const params = { name: 'ECDSA', hash: 'constructor' };
    // WebCrypto rejects both with NotSupportedError, and verify must not resolve to false.
    await expectNative((s) => s.sign(params, ecdsa256.privateKey, data));
    await expectNative((s) => s.verify(params, ecdsa256.publicKey, new Uint8Array(64), data));
  });

  it('exportKey: non-extractable public key', async () => {
    for (const name of ['ECDSA', 'ECDH']) {
      const spki = await native.exportKey('spki', ecdsa256.publicKey);
      const usages: KeyUsage[] = name === 'ECDSA' ? ['verify'] : [];
      const key = await native.importKey(
        'spki',
        spki,
        { name, namedCurve: 'P-256' },
        false,
        usages,
      );
      expect(key.extractable).toBe(false);
      await expectNative((s) => s.exportKey('raw', key));
    }
  });

  it('throwing algorithm getters reject', async () => {
    const throwing = {
      get name(): string {
        throw new Error('boom');
      },
    };
    const data = new Uint8Array(3);
    const key = gcmKeys[0] as CryptoKey;
    await expectAsync((s) => s.digest(throwing, data));
    await expectAsync((s) => s.encrypt(throwing, key, data));
    await expectAsync((s) => s.wrapKey('raw', key, kwKeys[0] as CryptoKey, throwing));
    await expectAsync((s) =>
      s.encrypt(
        {
          name: 'AES-GCM',
          get iv(): BufferSource {
            throw new Error('boom');
          },
        },
        key,
        data,
      ),
    );
    await expectAsync((s) =>
      s.deriveBits(
        {
          name: 'ECDH',
          get public(): CryptoKey {
            throw new Error('boom');
          },
        },
        (ecdh256[0] as CryptoKeyPair).privateKey,
        256,
      ),
    );
  });

  it('detached buffers as in WebCrypto', async () => {
    const key = gcmKeys[0] as CryptoKey;
    const iv = new Uint8Array(12);
    await expectNative((s) => s.digest('SHA-256', detachedBuffer()));
    await expectNative((s) => s.encrypt({ name: 'AES-GCM', iv: detachedBuffer() }, key, iv));
    await expectNative((s) =>
      s.encrypt({ name: 'AES-GCM', iv, additionalData: detachedBuffer() }, key, iv),
    );
    await expectNative((s) => s.encrypt({ name: 'AES-GCM', iv }, key, detachedBuffer()));
    // ECDSA signatures are randomised, so the signature over the empty input is verified.
    const signature = await subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      ecdsa256.privateKey,
      detachedBuffer(),
    );
    expect(
      await native.verify(
        { name: 'ECDSA', hash: 'SHA-256' },
        ecdsa256.publicKey,
        signature,
        new Uint8Array(0),
      ),
    ).toBe(true);
  });

  it('generateKey: unusual usages arguments', async () => {
    const algorithm = { name: 'ECDH', namedCurve: 'P-256' };
    // A non-iterable: WebCrypto rejects, and the engine must not throw instead.
    await expectNative((s) =>
      s.generateKey(algorithm, false, null as unknown as KeyUsage[]).then((p) => p.privateKey),
    );
    // A one-shot iterable must reach WebCrypto unread.
    function* usages(): Generator<KeyUsage> {
      yield 'deriveKey';
    }
    await expectNative((s) =>
      s.generateKey(algorithm, false, usages() as unknown as KeyUsage[]).then((p) => p.privateKey),
    );
  });

  it('unwrapKey: empty wrapped key', async () => {
    // WebCrypto rejects zero bytes with DataError.
    await expectNative((s) =>
      s.unwrapKey('raw', new Uint8Array(0), kwKeys[0] as CryptoKey, 'AES-KW', 'AES-GCM', true, [
        'encrypt',
      ]),
    );
  });
});
