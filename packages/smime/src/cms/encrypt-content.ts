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
import { BoundedCache } from './bounded-cache.js';
import { encodeAuthEnvelopedData, encodeEnvelopedData } from './envelope.js';
import { encodeKeyAgreeRecipient } from './key-agreement.js';
import { encodeKeyTransRecipient } from './key-transport.js';
import { OID_AUTH_ENVELOPED_DATA, OID_ENVELOPED_DATA } from './oids.js';

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

/**
 * Encrypts `content` for every recipient certificate. GCM algorithms produce AuthEnvelopedData
 * (RFC 5083, 12-byte nonce, 16-byte tag) and CBC algorithms EnvelopedData. EC certificates get
 * ECDH ephemeral-static key agreement and RSA certificates RSA-OAEP key transport. Between 1 and
 * MAX_RECIPIENTS recipients are accepted. A certificate whose key type is not supported raises
 * NotSupportedError, and one whose keyUsage forbids key agreement or key encipherment raises
 * CertificateUntrustedError.
 *
 * @example
 * ```ts
 * const { der, smimeType } = await encryptContent({ crypto, content, recipients: [bobCert], algorithm: 'aes-256-gcm' });
 * ```
 */
export async function encryptContent(options: EncryptOptions): Promise<EncryptResult> {
  const { crypto, algorithm } = options;
  if (!isContentEncryptionAlgorithm(algorithm)) {
    throw new TypeError('encryptContent: unknown algorithm');
  }
  if (options.recipients.length === 0) throw new TypeError('encryptContent: no recipient');
  if (options.recipients.length > MAX_RECIPIENTS) {
    throw new LimitExceededError('more than MAX_RECIPIENTS recipients');
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
  const encrypted = await encryptWithContentKey(crypto, algorithm, contentKey, options.content);
  const recipientInfos = await Promise.all(
    recipients.map((recipient) => encodeRecipient(crypto, recipient, contentKey, rawKey)),
  );

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
  const hasKeyAgreement = recipients.some(
    (recipient) => recipient.publicKeyAlgorithm.kind === 'ec',
  );
  const enveloped = encodeEnvelopedData(
    recipientInfos,
    hasKeyAgreement,
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
): Promise<Uint8Array> {
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
    if (usage !== undefined && !usage.has('keyEncipherment')) {
      throw new CertificateUntrustedError('recipient certificate keyUsage forbids keyEncipherment');
    }
    return encodeKeyTransRecipient(crypto, recipient, rawKey);
  }
  throw new NotSupportedError('recipient certificate key type not supported');
}
