/**
 * Encryption to recipient certificates (RFC 8551 §2.7, RFC 5652 §6, RFC 5083).
 *
 * @module
 */

import { bufferSource } from '../bytes.js';
import { CertificateUntrustedError, LimitExceededError, NotSupportedError } from '../errors.js';
import { MAX_RECIPIENTS } from '../limits.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import {
  type ContentEncryptionAlgorithm,
  contentKeyAlgorithm,
  contentKeyBytes,
  encryptWithContentKey,
  isContentEncryptionAlgorithm,
} from './content-encryption.js';
import { encodeContentInfo } from './content-info.js';
import { derEncode, type DerInput } from './der.js';
import { BoundedCache } from './bounded-cache.js';
import { encodeAuthEnvelopedData, encodeEnvelopedData } from './envelope.js';
import { encodeKeyAgreeRecipient } from './key-agreement.js';
import { encodeKeyTransRecipient } from './key-transport.js';
import { RSA_MAX_BITS, RSA_MIN_BITS } from './keys.js';
import { OID_AUTH_ENVELOPED_DATA, OID_ENVELOPED_DATA } from './oids.js';
import { isRsassaPssKey } from './signature.js';

/** Options of {@link encryptContent}. */
export interface EncryptOptions {
  readonly crypto: Crypto;
  readonly content: Uint8Array;
  /** EC P-256 or P-384 (KeyAgreeRecipientInfo) or RSA (KeyTransRecipientInfo with RSA-OAEP SHA-256) certificates. */
  readonly recipients: readonly Uint8Array[];
  readonly algorithm: ContentEncryptionAlgorithm;
}

/** Result of {@link encryptContent}. */
export interface EncryptResult {
  /** ContentInfo DER. */
  readonly der: Uint8Array;
  readonly smimeType: 'enveloped-data' | 'authEnveloped-data';
}

/** Options of {@link prepareEnvelope}: those of {@link encryptContent} without the content. */
export type PrepareEnvelopeOptions = Omit<EncryptOptions, 'content'>;

/**
 * A fresh content key and the recipient infos that carry it to each recipient. They do not depend
 * on the content, so a caller can make them while it is still building the content, or ahead of
 * the message, for example in a worker. Every field survives structured cloning except recipient
 * infos still to be encoded, which a worker encodes before it posts them.
 */
export interface PreparedEnvelope {
  readonly algorithm: ContentEncryptionAlgorithm;
  /** DER of the recipient certificates, in the order of the recipient infos. */
  readonly recipients: readonly Uint8Array[];
  readonly contentKey: CryptoKey;
  readonly recipientInfos: readonly DerInput[];
  /** True when a recipient uses key agreement, which sets the EnvelopedData version. */
  readonly hasKeyAgreement: boolean;
}

/**
 * Encrypts `content` for every recipient certificate. GCM algorithms produce AuthEnvelopedData
 * (RFC 5083, 12-byte nonce, 16-byte tag) and CBC algorithms EnvelopedData. EC certificates get
 * ECDH ephemeral-static key agreement and RSA certificates RSA-OAEP key transport. Between 1 and
 * MAX_RECIPIENTS recipients are accepted. A certificate whose key type is not supported, or whose
 * RSA key is shorter than 2048 or longer than 4096 bits, raises NotSupportedError, and one whose
 * keyUsage forbids key agreement or key encipherment raises
 * CertificateUntrustedError.
 *
 * @example
 * ```ts
 * // context: content: Uint8Array, bobCert: Uint8Array
 * const { der, smimeType } = await encryptContent({ crypto, content, recipients: [bobCert], algorithm: 'aes-256-gcm' });
 * ```
 *
 * @param options - The crypto, the content, the recipient certificates (DER) and the algorithm.
 * @returns The ContentInfo DER and its S/MIME type.
 * @throws TypeError for an unknown algorithm or no recipient, and LimitExceededError past
 *   MAX_RECIPIENTS.
 */
export async function encryptContent(options: EncryptOptions): Promise<EncryptResult> {
  return sealEnvelope(options.crypto, await prepareEnvelope(options), options.content);
}

/**
 * Makes the content key and the recipient infos of an envelope, the first half of
 * {@link encryptContent}, with the same checks and errors. {@link sealEnvelope} completes it.
 * Each prepared envelope must be sealed once only: its content key is fresh for one content.
 *
 * @param options - The crypto, the recipient certificates (DER) and the algorithm.
 * @returns The content key and the recipient infos, for one content.
 */
export async function prepareEnvelope(options: PrepareEnvelopeOptions): Promise<PreparedEnvelope> {
  const { crypto, algorithm } = options;
  if (!isContentEncryptionAlgorithm(algorithm)) {
    throw new TypeError('encryptContent: unknown algorithm');
  }
  if (options.recipients.length === 0) throw new TypeError('encryptContent: no recipient');
  if (options.recipients.length > MAX_RECIPIENTS) {
    throw new LimitExceededError(`more than ${MAX_RECIPIENTS} recipients (MAX_RECIPIENTS)`);
  }
  const recipients = options.recipients.map(parseCertificate);

  // The content key is extractable only so that AES-KW and RSA-OAEP can wrap it; it is never stored.
  const rawKey = crypto.getRandomValues(new Uint8Array(contentKeyBytes(algorithm)));
  const contentKey = await crypto.subtle.importKey(
    'raw',
    bufferSource(rawKey),
    contentKeyAlgorithm(algorithm),
    true,
    ['encrypt'],
  );
  const recipientInfos = await Promise.all(
    recipients.map((recipient) => encodeRecipient(crypto, recipient, contentKey, rawKey)),
  );
  const hasKeyAgreement = recipients.some(
    (recipient) => recipient.publicKeyAlgorithm.kind === 'ec',
  );
  return {
    algorithm,
    recipients: options.recipients,
    contentKey,
    // Encoded now: the element trees share bytes with cached certificates and OIDs, which a
    // caller that changed them would change for every later message.
    recipientInfos: recipientInfos.map((info) => derEncode(info)),
    hasKeyAgreement,
  };
}

/**
 * Content keys already used. Keyed by the key rather than the envelope, so that a copy of a sealed
 * envelope is refused too: each content key and ephemeral key serves one content only.
 *
 * NOTE: a structured clone, as from a worker, has a new CryptoKey, so it is not recognised here.
 * Reading each such key to compare its bytes cost about 30 µs per message in Chromium. The pool
 * rejects a batch that repeats an envelope instead.
 */
const sealedKeys = new WeakSet<CryptoKey>();

/**
 * Encrypts `content` with a prepared envelope's key and returns the ContentInfo DER. An envelope
 * seals one content only: a second call with it, or with a copy of it, throws a TypeError.
 */
export async function sealEnvelope(
  crypto: Crypto,
  prepared: PreparedEnvelope,
  content: Uint8Array,
): Promise<EncryptResult> {
  if (sealedKeys.has(prepared.contentKey)) {
    throw new TypeError('sealEnvelope: this envelope is already sealed');
  }
  sealedKeys.add(prepared.contentKey);
  const { algorithm, contentKey, recipientInfos } = prepared;
  const encrypted = await encryptWithContentKey(crypto, algorithm, contentKey, content);

  if (encrypted.tag !== undefined) {
    const authEnveloped = encodeAuthEnvelopedData(
      recipientInfos,
      encrypted.algorithmDer,
      encrypted.ciphertext,
      encrypted.tag,
    );
    return {
      der: encodeContentInfo(OID_AUTH_ENVELOPED_DATA, authEnveloped),
      smimeType: 'authEnveloped-data',
    };
  }
  const enveloped = encodeEnvelopedData(
    recipientInfos,
    prepared.hasKeyAgreement,
    encrypted.algorithmDer,
    encrypted.ciphertext,
  );
  return { der: encodeContentInfo(OID_ENVELOPED_DATA, enveloped), smimeType: 'enveloped-data' };
}

const ecdhKeys = new WeakMap<Crypto, BoundedCache<string, Promise<CryptoKey>>>();

/** Imports a recipient's ECDH public key once per certificate and `Crypto`. */
function recipientEcdhKey(
  crypto: Crypto,
  recipient: ParsedCertificate,
  namedCurve: string,
): Promise<CryptoKey> {
  let cache = ecdhKeys.get(crypto);
  if (cache === undefined) {
    cache = new BoundedCache(64);
    ecdhKeys.set(crypto, cache);
  }
  let key = cache.get(recipient.cacheKey);
  if (key === undefined) {
    key = crypto.subtle.importKey(
      'spki',
      bufferSource(recipient.spki),
      { name: 'ECDH', namedCurve },
      false,
      [],
    );
    cache.set(recipient.cacheKey, key);
    // A failed import is not cached, so that the next call raises the same error afresh.
    key.catch(() => cache.delete(recipient.cacheKey));
  }
  return key;
}

async function encodeRecipient(
  crypto: Crypto,
  recipient: ParsedCertificate,
  contentKey: CryptoKey,
  rawKey: Uint8Array,
): Promise<DerInput> {
  const keyAlgorithm = recipient.publicKeyAlgorithm;
  const usage = recipient.keyUsage;
  if (keyAlgorithm.kind === 'ec' && keyAlgorithm.namedCurve !== 'P-521') {
    if (usage !== undefined && !usage.has('keyAgreement')) {
      throw new CertificateUntrustedError('recipient certificate keyUsage forbids keyAgreement');
    }
    const publicKey = await recipientEcdhKey(crypto, recipient, keyAlgorithm.namedCurve);
    return encodeKeyAgreeRecipient(crypto, recipient, publicKey, contentKey);
  }
  if (keyAlgorithm.kind === 'rsa') {
    // RFC 4055 §1.2 limits such a key to signatures, and WebCrypto cannot import it for RSA-OAEP.
    if (isRsassaPssKey(recipient)) {
      throw new NotSupportedError('recipient key is an RSASSA-PSS key, which only signs');
    }
    const bits = keyAlgorithm.modulusBits;
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
      throw new NotSupportedError(
        `recipient RSA key size ${bits} not supported (${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits)`,
      );
    }
    if (usage !== undefined && !usage.has('keyEncipherment')) {
      throw new CertificateUntrustedError('recipient certificate keyUsage forbids keyEncipherment');
    }
    return encodeKeyTransRecipient(crypto, recipient, rawKey);
  }
  throw new NotSupportedError('recipient certificate key type not supported');
}
