/**
 * Content encryption with AES-GCM (RFC 5084, only inside AuthEnvelopedData) and AES-CBC
 * (RFC 3565, only inside EnvelopedData).
 *
 * ```asn1
 * GCMParameters ::= SEQUENCE { aes-nonce OCTET STRING, aes-ICVlen AES-GCM-ICVlen DEFAULT 12 }
 * AES-IV ::= OCTET STRING (SIZE(16))
 * ```
 *
 * @module
 */

import { bufferSource } from '../bytes.js';
import { CmsParseError, NotSupportedError, UndecipherableError } from '../errors.js';
import { MAX_GCM_NONCE_BYTES } from '../limits.js';
import {
  type AlgorithmIdentifier,
  TAG,
  derAlgorithm,
  derOctetString,
  derSequence,
  derSmallInteger,
  isUniversal,
  readOctets,
  readSequence,
  readSmallInteger,
  type DerInput,
} from './der.js';
import { OID_AES128_CBC, OID_AES128_GCM, OID_AES256_CBC, OID_AES256_GCM, oidName } from './oids.js';

/** Content-encryption algorithms (RFC 5084 for GCM in AuthEnvelopedData, RFC 3565 for CBC). */
export type ContentEncryptionAlgorithm =
  'aes-128-gcm' | 'aes-256-gcm' | 'aes-128-cbc' | 'aes-256-cbc';

interface AlgorithmInfo {
  readonly oid: string;
  readonly mode: 'AES-GCM' | 'AES-CBC';
  readonly keyBytes: number;
}

const ALGORITHMS: Readonly<Record<ContentEncryptionAlgorithm, AlgorithmInfo>> = {
  'aes-128-gcm': { oid: OID_AES128_GCM, mode: 'AES-GCM', keyBytes: 16 },
  'aes-256-gcm': { oid: OID_AES256_GCM, mode: 'AES-GCM', keyBytes: 32 },
  'aes-128-cbc': { oid: OID_AES128_CBC, mode: 'AES-CBC', keyBytes: 16 },
  'aes-256-cbc': { oid: OID_AES256_CBC, mode: 'AES-CBC', keyBytes: 32 },
};

/** RFC 5084 §3.2 recommends a 12-byte nonce; it is what OpenSSL writes. */
const GCM_NONCE_BYTES = 12;
const GCM_TAG_BYTES = 16;

/** Tells whether `value` names a supported content-encryption algorithm. */
export function isContentEncryptionAlgorithm(value: unknown): value is ContentEncryptionAlgorithm {
  return typeof value === 'string' && Object.hasOwn(ALGORITHMS, value);
}

/** Returns the WebCrypto algorithm of a content-encryption algorithm, for key import. */
export function contentKeyAlgorithm(algorithm: ContentEncryptionAlgorithm): AesKeyAlgorithm {
  const info = ALGORITHMS[algorithm];
  return { name: info.mode, length: info.keyBytes * 8 };
}

/** Length in bytes of the content-encryption key. */
export function contentKeyBytes(algorithm: ContentEncryptionAlgorithm): number {
  return ALGORITHMS[algorithm].keyBytes;
}

/** Result of {@link encryptWithContentKey}. */
export interface EncryptedContent {
  /** Encoded contentEncryptionAlgorithm AlgorithmIdentifier. */
  readonly algorithmDer: DerInput;
  readonly ciphertext: Uint8Array;
  /** GCM authentication tag, the `mac` of AuthEnvelopedData; undefined for CBC. */
  readonly tag: Uint8Array | undefined;
}

/** Encrypts `content` under `key` with a fresh random IV or nonce. */
export async function encryptWithContentKey(
  crypto: Crypto,
  algorithm: ContentEncryptionAlgorithm,
  key: CryptoKey,
  content: Uint8Array,
): Promise<EncryptedContent> {
  const info = ALGORITHMS[algorithm];
  if (info.mode === 'AES-CBC') {
    const iv = crypto.getRandomValues(new Uint8Array(16));
    const ciphertext = await crypto.subtle.encrypt(
      { name: 'AES-CBC', iv },
      key,
      bufferSource(content),
    );
    return {
      algorithmDer: derAlgorithm(info.oid, derOctetString(iv)),
      ciphertext: new Uint8Array(ciphertext),
      tag: undefined,
    };
  }
  const iv = crypto.getRandomValues(new Uint8Array(GCM_NONCE_BYTES));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, tagLength: GCM_TAG_BYTES * 8 },
      key,
      bufferSource(content),
    ),
  );
  const parameters = derSequence(derOctetString(iv), derSmallInteger(GCM_TAG_BYTES));
  return {
    algorithmDer: derAlgorithm(info.oid, parameters),
    ciphertext: sealed.subarray(0, sealed.length - GCM_TAG_BYTES),
    tag: sealed.subarray(sealed.length - GCM_TAG_BYTES),
  };
}

/** A contentEncryptionAlgorithm read from an envelope. */
export interface ContentDecryptionParameters {
  readonly algorithm: ContentEncryptionAlgorithm;
  readonly iv: Uint8Array;
  /** GCM tag length in bytes. */
  readonly tagBytes: number;
}

/**
 * Reads a contentEncryptionAlgorithm. Unknown algorithms (3DES, RC2, AES-192, ChaCha20-Poly1305)
 * and GCM outside AuthEnvelopedData or CBC inside it raise NotSupportedError.
 */
export function readContentEncryption(
  algorithm: AlgorithmIdentifier,
  authenticated: boolean,
): ContentDecryptionParameters {
  const entry = Object.entries(ALGORITHMS).find(([, info]) => info.oid === algorithm.oid);
  if (entry === undefined) {
    throw new NotSupportedError(`content encryption ${oidName(algorithm.oid)} not supported`);
  }
  const [name, info] = entry as [ContentEncryptionAlgorithm, AlgorithmInfo];
  if ((info.mode === 'AES-GCM') !== authenticated) {
    throw new NotSupportedError(`content encryption ${name} not supported in this content type`);
  }
  const parameters = algorithm.parameters;
  if (parameters === undefined) {
    throw new CmsParseError('content encryption parameters are missing');
  }

  if (info.mode === 'AES-CBC') {
    if (!isUniversal(parameters, TAG.octetString)) throw new CmsParseError('AES-CBC IV is missing');
    const iv = readOctets(parameters, 'AES-CBC IV');
    if (iv.length !== 16) throw new CmsParseError('AES-CBC IV is not 16 bytes');
    return { algorithm: name, iv, tagBytes: 0 };
  }
  const [nonceNode, icvNode, extra] = readSequence(parameters, 'GCMParameters');
  if (nonceNode === undefined || extra !== undefined || !isUniversal(nonceNode, TAG.octetString)) {
    throw new CmsParseError('GCMParameters is malformed');
  }
  const iv = readOctets(nonceNode, 'aes-nonce');
  const tagBytes = icvNode === undefined ? 12 : readSmallInteger(icvNode, 'aes-ICVlen');
  if (iv.length === 0 || iv.length > MAX_GCM_NONCE_BYTES) {
    throw new CmsParseError('aes-nonce length is invalid');
  }
  // Tags shorter than 12 bytes are allowed by RFC 5084 but too weak to accept.
  // NOTE: aes-ICVlen is not authenticated, so a path attacker can lower 16 to 12 with the tag cut
  // to match. The content stays authentic, but with a 96-bit tag.
  if (tagBytes < 12 || tagBytes > 16) {
    throw new NotSupportedError(`AES-GCM tag of ${tagBytes} bytes not supported`);
  }
  return { algorithm: name, iv, tagBytes };
}

/**
 * Decrypts content; for GCM, `tag` is the `mac` and `aad` the DER of authAttrs. Every failure,
 * including a key of the wrong length, raises UndecipherableError.
 */
export async function decryptWithContentKey(
  crypto: Crypto,
  parameters: ContentDecryptionParameters,
  key: CryptoKey,
  ciphertext: Uint8Array,
  tag: Uint8Array | undefined,
  aad: Uint8Array | undefined,
): Promise<Uint8Array> {
  const info = ALGORITHMS[parameters.algorithm];
  const keyBits = (key.algorithm as AesKeyAlgorithm).length;
  if (keyBits !== info.keyBytes * 8 || key.algorithm.name !== info.mode) {
    throw new UndecipherableError();
  }

  try {
    if (info.mode === 'AES-CBC') {
      const iv = bufferSource(parameters.iv);
      return new Uint8Array(
        await crypto.subtle.decrypt({ name: 'AES-CBC', iv }, key, bufferSource(ciphertext)),
      );
    }
    if (tag === undefined || tag.length !== parameters.tagBytes) throw new UndecipherableError();
    const sealed = new Uint8Array(ciphertext.length + tag.length);
    sealed.set(ciphertext);
    sealed.set(tag, ciphertext.length);
    const gcm: AesGcmParams = {
      name: 'AES-GCM',
      iv: bufferSource(parameters.iv),
      tagLength: tag.length * 8,
    };
    if (aad !== undefined) gcm.additionalData = bufferSource(aad);
    return new Uint8Array(await crypto.subtle.decrypt(gcm, key, bufferSource(sealed)));
  } catch (cause) {
    if (cause instanceof UndecipherableError) throw cause;
    throw new UndecipherableError({ cause });
  }
}
