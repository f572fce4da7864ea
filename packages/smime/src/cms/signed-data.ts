/**
 * Writers of SignedData (RFC 5652 §5, RFC 8551 §2.5): signatures with signed attributes, and the
 * certs-only form (RFC 8551 §3.6).
 *
 * @module
 */

import { LimitExceededError } from '../errors.js';
import { MAX_CERTIFICATES } from '../limits.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { encodeContentInfo } from './content-info.js';
import { digestBytes } from './digest.js';
import {
  derAlgorithm,
  derExplicit,
  derOctetString,
  derOid,
  derSequence,
  derSetOf,
  derSmallInteger,
  derTime,
  derTlv,
  derEncode,
  derImplicitSetOf,
} from './der.js';
import {
  OID_ATTR_CONTENT_TYPE,
  OID_ATTR_MESSAGE_DIGEST,
  OID_ATTR_SIGNING_TIME,
  OID_BY_DIGEST,
  OID_DATA,
  OID_SIGNED_DATA,
} from './oids.js';
import { encodeSignatureAlgorithm, schemeForKey, signBytes } from './signature.js';

/** Options of {@link signContent}. */
export interface SignOptions {
  readonly crypto: Crypto;
  readonly content: Uint8Array;
  /** ECDSA P-256/P-384, RSA-PSS or RSASSA-PKCS1-v1_5 key; may be non-extractable. */
  readonly privateKey: CryptoKey;
  /** DER of the signer certificate, which must hold the public half of `privateKey`. */
  readonly certificate: Uint8Array;
  /** DER of intermediate certificates to include after the signer certificate. */
  readonly chain?: readonly Uint8Array[];
  /** Value of the signingTime attribute. */
  readonly signingTime: Date;
  /** True for a detached signature (multipart/signed), false for an opaque one. */
  readonly detached: boolean;
}

/**
 * Signs `content` and returns the ContentInfo DER of a SignedData. The signed attributes are
 * contentType (id-data), signingTime and messageDigest. The digest is SHA-256, except SHA-384 for
 * P-384 keys and the key's own hash for RSA keys imported with another. The scheme follows the key:
 * ecdsa-with-SHA256, RSASSA-PSS (MGF1 with the same hash, salt as long as the hash) or
 * sha256WithRSAEncryption. The signer certificate and `chain` are included.
 *
 * @example
 * ```ts
 * // context: content: Uint8Array, privateKey: CryptoKey, certificate: Uint8Array
 * const der = await signContent({ crypto, content, privateKey, certificate, signingTime: new Date(), detached: true });
 * ```
 *
 * @param options - The crypto, the content, the private key, its certificate, the signing time
 *   and whether the content is detached.
 * @returns The DER of the ContentInfo.
 * @throws TypeError when the private key does not match the certificate's key type,
 *   LimitExceededError for more than MAX_CERTIFICATES certificates, and CmsParseError for a
 *   malformed certificate.
 */
export async function signContent(options: SignOptions): Promise<Uint8Array> {
  const { crypto, content, privateKey, signingTime } = options;
  const signer = parseCertificate(options.certificate);
  const scheme = schemeForKey(privateKey);
  checkKeyMatchesCertificate(privateKey, signer);
  const certificates = uniqueCertificates([options.certificate, ...(options.chain ?? [])]);

  const digest = await digestBytes(crypto, scheme.hash, content);
  const attributes = [
    derSequence(derOid(OID_ATTR_CONTENT_TYPE), derSetOf(derOid(OID_DATA))),
    derSequence(derOid(OID_ATTR_SIGNING_TIME), derSetOf(derTime(signingTime))),
    derSequence(derOid(OID_ATTR_MESSAGE_DIGEST), derSetOf(derOctetString(digest))),
  ];
  // RFC 5652 §5.4: the signature covers the DER of the attributes with an explicit SET OF tag,
  // and the SignerInfo carries the same bytes under the IMPLICIT [0] tag.
  const attributeSet = derSetOf(...attributes);
  const signature = await signBytes(crypto, privateKey, scheme, derEncode(attributeSet));
  const taggedAttributes = derTlv(0xa0, ...attributeSet.items);

  const digestAlgorithm = derAlgorithm(OID_BY_DIGEST[scheme.hash] ?? '');
  const signerInfo = derSequence(
    derSmallInteger(1),
    derSequence(signer.issuerName, derTlv(0x02, signer.serialNumber)),
    digestAlgorithm,
    taggedAttributes,
    encodeSignatureAlgorithm(scheme),
    derOctetString(signature),
  );
  const encapsulated = options.detached
    ? derSequence(derOid(OID_DATA))
    : derSequence(derOid(OID_DATA), derExplicit(0, derOctetString(content)));
  const signedData = derSequence(
    derSmallInteger(1),
    derSetOf(digestAlgorithm),
    encapsulated,
    derImplicitSetOf(0, ...certificates),
    derSetOf(signerInfo),
  );
  return encodeContentInfo(OID_SIGNED_DATA, signedData);
}

/**
 * Builds a certs-only SignedData (RFC 8551 §3.6) holding `certificates`, with no content and no
 * signer, and returns its ContentInfo DER. It is the body of a 493 response (RFC 3261 §23.2).
 */
export function createCertsOnly(certificates: readonly Uint8Array[]): Uint8Array {
  const unique = uniqueCertificates(certificates);
  for (const certificate of unique) parseCertificate(certificate);
  const signedData = derSequence(
    derSmallInteger(1),
    derSetOf(),
    derSequence(derOid(OID_DATA)),
    derImplicitSetOf(0, ...unique),
    derSetOf(),
  );
  return encodeContentInfo(OID_SIGNED_DATA, signedData);
}

function uniqueCertificates(certificates: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  const unique: Uint8Array[] = [];
  for (const certificate of certificates) {
    const { cacheKey } = parseCertificate(certificate);
    if (seen.has(cacheKey)) continue;
    seen.add(cacheKey);
    unique.push(certificate);
  }
  if (unique.length > MAX_CERTIFICATES) {
    throw new LimitExceededError(`more than ${MAX_CERTIFICATES} certificates (MAX_CERTIFICATES)`);
  }
  return unique;
}

function checkKeyMatchesCertificate(key: CryptoKey, certificate: ParsedCertificate): void {
  const keyAlgorithm = certificate.publicKeyAlgorithm;
  const { name, namedCurve } = key.algorithm as Partial<EcKeyAlgorithm>;
  const matches =
    name === 'ECDSA'
      ? keyAlgorithm.kind === 'ec' && keyAlgorithm.namedCurve === namedCurve
      : keyAlgorithm.kind === 'rsa';
  if (!matches) {
    throw new TypeError('signContent: privateKey does not match the certificate key type');
  }
}
