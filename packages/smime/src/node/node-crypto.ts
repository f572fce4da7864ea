/**
 * A WebCrypto engine for Node servers. It runs the short operations of protect and unprotect in
 * the calling thread with `node:crypto`, and passes every other call to Node's own WebCrypto.
 *
 * Node's WebCrypto runs most calls as jobs on the libuv thread pool, and one protected SIP message
 * needs six to nine calls. On a busy machine, the trip to the pool and back can cost more than the
 * operation. On a 2-core test machine, AES-GCM over 1.5 KB took about 12 µs in the calling
 * thread, and an ECDH derivation took tens of µs longer through the pool than without it. The
 * engine computes these operations at once, with the same OpenSSL underneath.
 *
 * The engine keeps WebCrypto's rules. It takes only Node's own `CryptoKey` objects, checks each
 * key's type, algorithm and usages as WebCrypto does, does not wrap a key that is not
 * extractable, and rejects with a `DOMException` named `OperationError` where WebCrypto would.
 * A call outside the cases below goes to Node's WebCrypto unchanged, so it gets WebCrypto's own
 * result or error:
 *
 * - `digest` with SHA-256, SHA-384 or SHA-512;
 * - `sign` and `verify` with ECDSA on P-256 or P-384;
 * - `deriveBits` with ECDH on P-256 or P-384, for whole bytes;
 * - `encrypt` and `decrypt` with AES-GCM, a 12-byte IV and a 128-bit tag;
 * - `wrapKey` and `unwrapKey` of a raw key with AES-KW;
 * - `exportKey` of an EC public key on P-256 or P-384 as `raw`.
 *
 * Other key generation, import and export, RSA and AES-CBC go to Node's WebCrypto. An RSA
 * operation takes a millisecond or more, which would hold up the event loop.
 *
 * ECDH key pairs that are not extractable and serve only `deriveBits`, the ephemeral keys of
 * ephemeral-static key agreement, are generated ahead on the thread pool, a few at a time. Each
 * pair is handed out once. A message waits for the pool only when none is ready, and then its
 * pair is generated on demand.
 *
 * @module
 */

import {
  type Cipher,
  type CipherGCMTypes,
  type Decipher,
  KeyObject,
  createCipheriv,
  createDecipheriv,
  createHash,
  diffieHellman,
  sign as signWithKey,
  verify as verifyWithKey,
  webcrypto,
} from 'node:crypto';

// Maps, not object literals: a name such as `constructor` must not find a property of Object.
const HASHES: ReadonlyMap<string, string> = new Map([
  ['SHA-256', 'sha256'],
  ['SHA-384', 'sha384'],
  ['SHA-512', 'sha512'],
]);

/** Field size in bytes of the curves with a fast path. */
const CURVE_BYTES: ReadonlyMap<string, number> = new Map([
  ['P-256', 32],
  ['P-384', 48],
]);

/** The default initial value of AES key wrap (RFC 3394 §2.2.3.1). */
const KEY_WRAP_IV = new Uint8Array(8).fill(0xa6);
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;

/**
 * Returns a `Crypto` whose `subtle` computes ECDSA, ECDH, AES-GCM, AES-KW and SHA-2 in the calling
 * thread and hands everything else to Node's WebCrypto. Randomness comes from Node's WebCrypto.
 *
 * Pass it wherever the core takes a `crypto`. It is for Node only: browsers run WebCrypto off the
 * main thread already.
 *
 * @example
 * ```ts
 * // context: message: SipMessage, identity: LocalIdentity, trustAnchors: Uint8Array[]
 * import { unprotectMessage } from '@mcptt-smime/smime';
 * import { createNodeCrypto } from '@mcptt-smime/smime/node';
 *
 * const crypto = createNodeCrypto();
 * const opened = await unprotectMessage(message, { crypto, identity, trustAnchors });
 * ```
 */
export function createNodeCrypto(): Crypto {
  const native = webcrypto.subtle as SubtleCrypto;
  const ephemeral = new EphemeralKeys(native);

  /** Builds `encrypt` or `decrypt`: AES-GCM on a byte view here, anything else in WebCrypto. */
  function gcmOrNative(
    usage: 'encrypt' | 'decrypt',
    run: (key: CryptoKey, gcm: GcmInputs, bytes: Uint8Array) => ArrayBuffer,
  ): SubtleCrypto['encrypt'] {
    return (algorithm, key, data) =>
      settle(() => {
        const bytes = viewOf(data);
        const gcm = gcmInputs(algorithm, key, usage);
        return bytes !== undefined && gcm !== undefined
          ? run(key, gcm, bytes)
          : native[usage](algorithm, key, data);
      });
  }

  // Every method settles through a promise, so that a bad argument rejects as in WebCrypto
  // rather than throwing. A data argument that is not a plain byte view goes to WebCrypto.
  const subtle: SubtleCrypto = {
    decrypt: gcmOrNative('decrypt', aesGcmDecrypt),
    encrypt: gcmOrNative('encrypt', aesGcmEncrypt),
    deriveBits: (algorithm, baseKey, length) =>
      settle(() =>
        isEcdh(algorithm, baseKey, length)
          ? ecdhDeriveBits(algorithm as EcdhKeyDeriveParams, baseKey, length)
          : native.deriveBits(algorithm, baseKey, length),
      ),
    digest: (algorithm, data) =>
      settle(() => {
        const hash = HASHES.get(nameOf(algorithm) ?? '');
        const bytes = viewOf(data);
        return hash !== undefined && bytes !== undefined
          ? copyOut(createHash(hash).update(bytes).digest())
          : native.digest(algorithm, data);
      }),
    sign: (algorithm, key, data) =>
      settle(() => {
        const bytes = viewOf(data);
        return bytes !== undefined && isEcdsa(algorithm, key, 'private', 'sign')
          ? ecdsaSign(algorithm as EcdsaParams, key, bytes)
          : native.sign(algorithm, key, data);
      }),
    verify: (algorithm, key, signature, data) =>
      settle(() => {
        const bytes = viewOf(data);
        const signatureBytes = viewOf(signature);
        return bytes !== undefined &&
          signatureBytes !== undefined &&
          isEcdsa(algorithm, key, 'public', 'verify')
          ? ecdsaVerify(algorithm as EcdsaParams, key, signatureBytes, bytes)
          : native.verify(algorithm, key, signature, data);
      }),
    wrapKey: (format, key, wrappingKey, wrapAlgorithm) =>
      settle(() =>
        format === 'raw' && isKeyWrap(wrapAlgorithm, wrappingKey, 'wrapKey') && isWrappable(key)
          ? aesKeyWrap(wrappingKey, key)
          : native.wrapKey(format, key, wrappingKey, wrapAlgorithm),
      ),
    unwrapKey: (
      format,
      wrapped,
      unwrappingKey,
      unwrapAlgorithm,
      keyAlgorithm,
      extractable,
      usages,
    ) =>
      settle(() => {
        const bytes = viewOf(wrapped);
        return format === 'raw' &&
          bytes !== undefined &&
          isWrappedKeyLength(bytes) &&
          isKeyWrap(unwrapAlgorithm, unwrappingKey, 'unwrapKey')
          ? aesKeyUnwrap(native, bytes, unwrappingKey, keyAlgorithm, extractable, usages)
          : native.unwrapKey(
              format,
              wrapped,
              unwrappingKey,
              unwrapAlgorithm,
              keyAlgorithm,
              extractable,
              usages,
            );
      }),
    deriveKey: native.deriveKey.bind(native),
    exportKey: ((format: KeyFormat, key: CryptoKey) =>
      settle(() =>
        format === 'raw' && isEcPublicKey(key) ? exportEcPoint(key) : native.exportKey(format, key),
      )) as SubtleCrypto['exportKey'],
    generateKey: ((algorithm: AlgorithmIdentifier, extractable: boolean, usages: KeyUsage[]) =>
      settle(() =>
        isEphemeralEcdh(algorithm, extractable, usages)
          ? ephemeral.take((algorithm as EcKeyGenParams).namedCurve)
          : native.generateKey(algorithm, extractable, usages),
      )) as SubtleCrypto['generateKey'],
    importKey: native.importKey.bind<SubtleCrypto['importKey']>(native),
  };
  return {
    subtle: Object.freeze(subtle),
    getRandomValues: webcrypto.getRandomValues.bind(webcrypto) as Crypto['getRandomValues'],
    randomUUID: () => webcrypto.randomUUID(),
  };
}

/** Runs a synchronous operation and turns its result or error into a promise, as WebCrypto does. */
async function settle<T>(operation: () => T | Promise<T>): Promise<T> {
  return operation();
}

function operationError(): DOMException {
  return new DOMException(
    'The operation failed for an operation-specific reason',
    'OperationError',
  );
}

function nameOf(algorithm: unknown): string | undefined {
  if (typeof algorithm === 'string') return algorithm;
  if (typeof algorithm !== 'object' || algorithm === null) return undefined;
  const { name } = algorithm as { name?: unknown };
  return typeof name === 'string' ? name : undefined;
}

/** Returns a byte view of an ArrayBuffer or of a view on one, else undefined. */
function viewOf(data: unknown): Uint8Array | undefined {
  try {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer) {
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
  } catch {
    // A detached buffer: WebCrypto has its own rules for it.
  }
  return undefined;
}

/** Copies bytes into an ArrayBuffer of their own: Node's small Buffers share a pool. */
function copyOut(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

/** Checks that `key` is a Node CryptoKey of this type and algorithm that allows `usage`. */
function keyAllows(
  key: unknown,
  type: KeyType,
  algorithm: string,
  usage: KeyUsage | undefined,
): key is CryptoKey {
  return (
    key instanceof CryptoKey &&
    key.type === type &&
    key.algorithm.name === algorithm &&
    (usage === undefined || key.usages.includes(usage))
  );
}

function curveBytes(key: CryptoKey): number | undefined {
  return CURVE_BYTES.get((key.algorithm as EcKeyAlgorithm).namedCurve);
}

function isEcdsa(algorithm: unknown, key: CryptoKey, type: KeyType, usage: KeyUsage): boolean {
  const hash = nameOf((algorithm as Partial<EcdsaParams> | undefined)?.hash);
  return (
    nameOf(algorithm) === 'ECDSA' &&
    typeof algorithm === 'object' &&
    HASHES.get(hash ?? '') !== undefined &&
    keyAllows(key, type, 'ECDSA', usage) &&
    curveBytes(key) !== undefined
  );
}

function ecdsaSign(algorithm: EcdsaParams, key: CryptoKey, bytes: Uint8Array): ArrayBuffer {
  const hash = HASHES.get(nameOf(algorithm.hash) ?? '') ?? '';
  const signature = signWithKey(hash, bytes, {
    key: KeyObject.from(key),
    dsaEncoding: 'ieee-p1363',
  });
  return copyOut(signature);
}

function ecdsaVerify(
  algorithm: EcdsaParams,
  key: CryptoKey,
  signatureBytes: Uint8Array,
  bytes: Uint8Array,
): boolean {
  // WebCrypto returns false, not an error, for a signature of the wrong length.
  if (signatureBytes.length !== 2 * (curveBytes(key) ?? 0)) return false;
  const hash = HASHES.get(nameOf(algorithm.hash) ?? '') ?? '';
  try {
    return verifyWithKey(
      hash,
      bytes,
      { key: KeyObject.from(key), dsaEncoding: 'ieee-p1363' },
      signatureBytes,
    );
  } catch {
    return false;
  }
}

function isEcdh(
  algorithm: unknown,
  baseKey: CryptoKey,
  length: number | null | undefined,
): boolean {
  if (nameOf(algorithm) !== 'ECDH' || typeof algorithm !== 'object') return false;
  const { public: publicKey } = algorithm as Partial<EcdhKeyDeriveParams>;
  if (!keyAllows(baseKey, 'private', 'ECDH', 'deriveBits')) return false;
  if (!keyAllows(publicKey, 'public', 'ECDH', undefined)) return false;
  const bytes = curveBytes(baseKey);
  const sameCurve =
    (publicKey.algorithm as EcKeyAlgorithm).namedCurve ===
    (baseKey.algorithm as EcKeyAlgorithm).namedCurve;
  const wholeBytes =
    length === null ||
    length === undefined ||
    (Number.isInteger(length) && length > 0 && length % 8 === 0 && length <= (bytes ?? 0) * 8);
  return bytes !== undefined && sameCurve && wholeBytes;
}

function ecdhDeriveBits(
  algorithm: EcdhKeyDeriveParams,
  baseKey: CryptoKey,
  length: number | null | undefined,
): ArrayBuffer {
  let secret: Uint8Array;
  try {
    secret = diffieHellman({
      privateKey: KeyObject.from(baseKey),
      publicKey: KeyObject.from(algorithm.public),
    });
  } catch {
    throw operationError();
  }
  const out = copyOut(
    length === null || length === undefined ? secret : secret.subarray(0, length / 8),
  );
  secret.fill(0);
  return out;
}

function isEcPublicKey(key: unknown): key is CryptoKey {
  return (
    key instanceof CryptoKey &&
    key.extractable &&
    (keyAllows(key, 'public', 'ECDH', undefined) || keyAllows(key, 'public', 'ECDSA', undefined)) &&
    curveBytes(key) !== undefined
  );
}

/** Exports an EC public key as an uncompressed point (SEC 1 §2.3.3), as WebCrypto's `raw`. */
function exportEcPoint(key: CryptoKey): ArrayBuffer {
  const size = curveBytes(key) ?? 0;
  const { x, y } = KeyObject.from(key).export({ format: 'jwk' });
  const xBytes = Buffer.from(x ?? '', 'base64url');
  const yBytes = Buffer.from(y ?? '', 'base64url');
  // RFC 7518 §6.2.1.2: each coordinate is exactly the size of the field.
  if (xBytes.length !== size || yBytes.length !== size) throw operationError();
  const point = new Uint8Array(1 + 2 * size);
  point[0] = 0x04;
  point.set(xBytes, 1);
  point.set(yBytes, 1 + size);
  return point.buffer;
}

/** The IV and additional data of an AES-GCM request that the fast path takes. */
interface GcmInputs {
  readonly iv: Uint8Array;
  readonly aad: Uint8Array | undefined;
}

/**
 * Returns the IV and additional data of an AES-GCM request with a 12-byte IV and a 128-bit tag,
 * for a key that allows `usage`, or undefined for WebCrypto to handle.
 */
function gcmInputs(algorithm: unknown, key: CryptoKey, usage: KeyUsage): GcmInputs | undefined {
  if (nameOf(algorithm) !== 'AES-GCM' || typeof algorithm !== 'object') return undefined;
  const { iv, tagLength, additionalData } = algorithm as Partial<AesGcmParams>;
  const ivBytes = viewOf(iv);
  const aad = viewOf(additionalData);
  const usable =
    ivBytes?.length === GCM_IV_BYTES &&
    (tagLength === undefined || tagLength === GCM_TAG_BYTES * 8) &&
    (additionalData === undefined || aad !== undefined) &&
    keyAllows(key, 'secret', 'AES-GCM', usage);
  return usable ? { iv: ivBytes, aad } : undefined;
}

function gcmCipherName(key: CryptoKey): CipherGCMTypes {
  return `aes-${(key.algorithm as AesKeyAlgorithm).length as 128 | 192 | 256}-gcm`;
}

function aesGcmEncrypt(key: CryptoKey, gcm: GcmInputs, plaintext: Uint8Array): ArrayBuffer {
  const cipher = createCipheriv(gcmCipherName(key), KeyObject.from(key), gcm.iv);
  if (gcm.aad !== undefined) cipher.setAAD(gcm.aad);
  const body = finish(cipher, plaintext);
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(body.length + tag.length);
  out.set(body);
  out.set(tag, body.length);
  return out.buffer;
}

function aesGcmDecrypt(key: CryptoKey, gcm: GcmInputs, sealed: Uint8Array): ArrayBuffer {
  if (sealed.length < GCM_TAG_BYTES) throw operationError();
  const split = sealed.length - GCM_TAG_BYTES;
  try {
    const decipher = createDecipheriv(gcmCipherName(key), KeyObject.from(key), gcm.iv);
    if (gcm.aad !== undefined) decipher.setAAD(gcm.aad);
    decipher.setAuthTag(sealed.subarray(split));
    return finish(decipher, sealed.subarray(0, split)).buffer;
  } catch {
    // A failed decryption returns no bytes, and its error does not report the cause.
    throw operationError();
  }
}

/** Runs the last input through a cipher and returns all its output in one buffer. */
function finish(cipher: Cipher | Decipher, input: Uint8Array): Uint8Array<ArrayBuffer> {
  const body = cipher.update(input);
  const last = cipher.final();
  const out = new Uint8Array(body.length + last.length);
  out.set(body);
  out.set(last, body.length);
  body.fill(0);
  return out;
}

function isKeyWrap(algorithm: unknown, key: CryptoKey, usage: KeyUsage): boolean {
  return nameOf(algorithm) === 'AES-KW' && keyAllows(key, 'secret', 'AES-KW', usage);
}

/**
 * Checks that `key` is an extractable AES key. WebCrypto wraps only extractable keys, and CMS
 * wraps only AES content keys.
 */
function isWrappable(key: CryptoKey): boolean {
  return (
    key instanceof CryptoKey &&
    key.type === 'secret' &&
    key.extractable &&
    key.algorithm.name.startsWith('AES-')
  );
}

function keyWrapCipherName(key: CryptoKey): string {
  return `id-aes${(key.algorithm as AesKeyAlgorithm).length}-wrap`;
}

function aesKeyWrap(wrappingKey: CryptoKey, key: CryptoKey): ArrayBuffer {
  const raw = KeyObject.from(key).export();
  try {
    const cipher = createCipheriv(
      keyWrapCipherName(wrappingKey),
      KeyObject.from(wrappingKey),
      KEY_WRAP_IV,
    );
    return finish(cipher, raw).buffer;
  } finally {
    raw.fill(0);
  }
}

/** Checks a length that AES-KW can unwrap: at least two 64-bit blocks plus the integrity block. */
function isWrappedKeyLength(bytes: Uint8Array): boolean {
  return bytes.length >= 24 && bytes.length % 8 === 0;
}

async function aesKeyUnwrap(
  native: SubtleCrypto,
  bytes: Uint8Array,
  unwrappingKey: CryptoKey,
  keyAlgorithm: Parameters<SubtleCrypto['unwrapKey']>[4],
  extractable: boolean,
  usages: Iterable<KeyUsage>,
): Promise<CryptoKey> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    const decipher = createDecipheriv(
      keyWrapCipherName(unwrappingKey),
      KeyObject.from(unwrappingKey),
      KEY_WRAP_IV,
    );
    raw = finish(decipher, bytes);
  } catch {
    throw operationError();
  }
  try {
    return await native.importKey('raw', raw, keyAlgorithm, extractable, [...usages]);
  } finally {
    raw.fill(0);
  }
}

/** Checks for a request of an ephemeral ECDH pair: not extractable, `deriveBits` only. */
function isEphemeralEcdh(algorithm: unknown, extractable: boolean, usages: unknown): boolean {
  if (nameOf(algorithm) !== 'ECDH' || typeof algorithm !== 'object' || extractable !== false) {
    return false;
  }
  // Only a plain array is read here: WebCrypto reads any other iterable itself, once.
  return (
    CURVE_BYTES.get((algorithm as Partial<EcKeyGenParams>).namedCurve ?? '') !== undefined &&
    Array.isArray(usages) &&
    usages.length === 1 &&
    usages[0] === 'deriveBits'
  );
}

/** Number of ephemeral ECDH pairs kept ready per curve: a group call protects about three at once. */
const EPHEMERAL_KEYS_READY = 4;

/**
 * Ephemeral ECDH key pairs made ahead of use, per curve. A pair leaves the queue when it is handed
 * out, so no pair serves two messages. The queue refills in the background.
 */
class EphemeralKeys {
  readonly #native: SubtleCrypto;
  /** Per curve: the pairs ready to hand out, and the number being generated. */
  readonly #curves = new Map<string, { ready: CryptoKeyPair[]; pending: number }>();

  constructor(native: SubtleCrypto) {
    this.#native = native;
  }

  /** Returns a fresh pair, from the queue when one is ready, and starts the refill. */
  take(namedCurve: string): Promise<CryptoKeyPair> {
    let curve = this.#curves.get(namedCurve);
    if (curve === undefined) {
      curve = { ready: [], pending: 0 };
      this.#curves.set(namedCurve, curve);
    }
    const pair = curve.ready.shift();
    this.#refill(namedCurve, curve);
    return pair === undefined ? this.#generate(namedCurve) : Promise.resolve(pair);
  }

  #generate(namedCurve: string): Promise<CryptoKeyPair> {
    return this.#native.generateKey({ name: 'ECDH', namedCurve }, false, ['deriveBits']);
  }

  #refill(namedCurve: string, curve: { ready: CryptoKeyPair[]; pending: number }): void {
    while (curve.ready.length + curve.pending < EPHEMERAL_KEYS_READY) {
      curve.pending++;
      this.#generate(namedCurve).then(
        (pair) => {
          curve.pending--;
          curve.ready.push(pair);
        },
        () => {
          // A failed refill leaves the queue shorter, and the next take generates on demand.
          curve.pending--;
        },
      );
    }
  }
}
