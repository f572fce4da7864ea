/**
 * Decryption of EnvelopedData and AuthEnvelopedData with a local certificate and private key.
 *
 * @module
 */

import { bufferSource } from '../bytes.js';
import { CmsParseError, NotSupportedError, UndecipherableError } from '../errors.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import {
  type ContentEncryptionAlgorithm,
  contentKeyAlgorithm,
  contentKeyBytes,
  decryptWithContentKey,
  readContentEncryption,
} from './content-encryption.js';
import { parseContentInfo, type ContentInfo } from './content-info.js';
import { readEnvelope, type Envelope } from './envelope.js';
import { describeKeyAgreement, unwrapWithKeyAgreement } from './key-agreement.js';
import { decryptKeyTransport, describeKeyTransport } from './key-transport.js';
import { OID_AUTH_ENVELOPED_DATA, OID_DATA, OID_ENVELOPED_DATA, oidName } from './oids.js';
import { identifiesCertificate } from './recipient-identifier.js';
import type { KeyAgreeRecipient, KeyTransRecipient } from './recipient-info.js';

/** Options of {@link decryptContent}. */
export interface DecryptOptions {
  readonly crypto: Crypto;
  /** ContentInfo DER (or BER) of an EnvelopedData or AuthEnvelopedData. */
  readonly der: Uint8Array;
  /** DER of the local certificate, which selects the RecipientInfo. */
  readonly certificate: Uint8Array;
  /** ECDH key with deriveBits, or RSA-OAEP key with decrypt; may be non-extractable. */
  readonly privateKey: CryptoKey;
}

/** Result of {@link decryptContent}. */
export interface DecryptResult {
  readonly content: Uint8Array;
  readonly smimeType: 'enveloped-data' | 'authEnveloped-data';
  readonly contentEncryption: ContentEncryptionAlgorithm;
  /** For example `ecdh-es-sha256-aes128-wrap` or `rsaes-oaep-sha256`. */
  readonly keyManagement: string;
}

type MatchedRecipient =
  | { readonly info: KeyTransRecipient; readonly encryptedKey: Uint8Array }
  | { readonly info: KeyAgreeRecipient; readonly encryptedKey: Uint8Array };

/**
 * Decrypts an EnvelopedData (AES-CBC) or AuthEnvelopedData (AES-GCM) addressed to `certificate`.
 *
 * - Malformed input, trailing bytes or another content type raise CmsParseError.
 * - Algorithms this library does not implement (3DES, RC2, ChaCha20-Poly1305, RSAES-PKCS1-v1_5,
 *   KEKRecipientInfo, PasswordRecipientInfo) raise NotSupportedError.
 * - Every cryptographic failure, a missing matching recipient included, raises
 *   UndecipherableError with its one generic message, so that the error is no oracle.
 *
 * @example
 * ```ts
 * // context: der: Uint8Array, certificate: Uint8Array, identity: LocalIdentity
 * const { content } = await decryptContent({ crypto, der, certificate, privateKey: identity.decryptionKey });
 * ```
 *
 * @param options - The crypto, the ContentInfo DER, the local certificate and its private key.
 * @returns The decrypted content, its S/MIME type, and the content encryption and key
 *   management that were used.
 */
export async function decryptContent(options: DecryptOptions): Promise<DecryptResult> {
  return decryptContentInfo(parseContentInfo(options.der), options);
}

/**
 * Decrypts the envelope of a ContentInfo already parsed, as {@link decryptContent} does, for a
 * caller that parsed it to learn its type.
 *
 * @internal
 */
export async function decryptContentInfo(
  info: ContentInfo,
  options: Omit<DecryptOptions, 'der'>,
): Promise<DecryptResult> {
  const { crypto, privateKey } = options;
  const envelope = readEnvelopeInfo(info);
  const parameters = readContentEncryption(envelope.contentEncryption, envelope.authenticated);
  if (envelope.contentType !== OID_DATA) {
    throw new NotSupportedError(
      `encrypted content type ${oidName(envelope.contentType)} not supported`,
    );
  }
  if (envelope.encryptedContent === undefined) {
    throw new NotSupportedError('detached encrypted content not supported');
  }

  const local = parseCertificate(options.certificate);
  const matched = matchRecipient(envelope, local);
  const contentKey = await unwrapContentKey(crypto, matched, privateKey, parameters.algorithm);
  const content = await decryptWithContentKey(
    crypto,
    parameters,
    contentKey,
    envelope.encryptedContent,
    envelope.mac,
    envelope.authAttributes,
  );
  return {
    content,
    smimeType: envelope.authenticated ? 'authEnveloped-data' : 'enveloped-data',
    contentEncryption: parameters.algorithm,
    keyManagement:
      matched.info.type === 'kari'
        ? describeKeyAgreement(matched.info)
        : describeKeyTransport(matched.info.keyEncryptionAlgorithm),
  };
}

function readEnvelopeInfo({ contentType, content }: ContentInfo): Envelope {
  const authenticated = contentType === OID_AUTH_ENVELOPED_DATA;
  if (!authenticated && contentType !== OID_ENVELOPED_DATA) {
    throw new CmsParseError(`CMS content type is ${oidName(contentType)}, expected an envelope`);
  }
  if (content === undefined) throw new CmsParseError('ContentInfo content is missing');
  return readEnvelope(content, authenticated);
}

/**
 * Finds the RecipientInfo addressed to the local certificate. Without a match, an envelope that
 * holds only kinds of RecipientInfo this library cannot process raises NotSupportedError, and any
 * other raises UndecipherableError.
 */
function matchRecipient(envelope: Envelope, local: ParsedCertificate): MatchedRecipient {
  for (const info of envelope.recipients) {
    if (info.type === 'ktri' && identifiesCertificate(info.rid, local)) {
      return { info, encryptedKey: info.encryptedKey };
    }
    if (info.type === 'kari') {
      const entry = info.recipientEncryptedKeys.find((key) =>
        identifiesCertificate(key.rid, local),
      );
      if (entry !== undefined) return { info, encryptedKey: entry.encryptedKey };
    }
  }
  if (envelope.recipients.every((info) => info.type !== 'ktri' && info.type !== 'kari')) {
    throw new NotSupportedError('RecipientInfo kinds not supported');
  }
  throw new UndecipherableError();
}

async function unwrapContentKey(
  crypto: Crypto,
  matched: MatchedRecipient,
  privateKey: CryptoKey,
  algorithm: ContentEncryptionAlgorithm,
): Promise<CryptoKey> {
  if (matched.info.type === 'kari') {
    return unwrapWithKeyAgreement(
      crypto,
      matched.info,
      matched.encryptedKey,
      privateKey,
      contentKeyAlgorithm(algorithm),
    );
  }
  const raw = await decryptKeyTransport(
    crypto,
    matched.info.keyEncryptionAlgorithm,
    matched.encryptedKey,
    privateKey,
  );
  if (raw.length !== contentKeyBytes(algorithm)) throw new UndecipherableError();
  try {
    return await crypto.subtle.importKey(
      'raw',
      bufferSource(raw),
      contentKeyAlgorithm(algorithm),
      false,
      ['decrypt'],
    );
  } catch (cause) {
    throw new UndecipherableError({ cause });
  }
}
