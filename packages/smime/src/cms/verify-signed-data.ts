/**
 * SignedData verification (RFC 5652 §5.6, RFC 8551 §2.5, RFC 8550 §4).
 *
 * @module
 */

import { bytesEqual, cloneBytes } from '../bytes.js';
import { checkedDate } from '../option-checks.js';
import { NotSupportedError, SignatureInvalidError } from '../errors.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { validateSignerChain } from './chain.js';
import { expectContentType, parseContentInfo, type ContentInfo } from './content-info.js';
import { TAG, isUniversal, readOctets, readOid, readTime, type Asn1Node } from './der.js';
import { digestBytes } from './digest.js';
import {
  OID_ATTR_CONTENT_TYPE,
  OID_ATTR_MESSAGE_DIGEST,
  OID_ATTR_SIGNING_TIME,
  OID_DATA,
  OID_NAMES,
  OID_SIGNED_DATA,
} from './oids.js';
import { identifiesCertificate } from './recipient-identifier.js';
import { type RevocationMode, revocationPolicy } from './revocation.js';
import type { RevocationList } from './revocation-list.js';
import { digestName, resolveSignatureScheme, verifyBytes } from './signature.js';
import { readSignedData, type SignerInfoFields } from './signed-data-reader.js';

/** Options of {@link verifySignedData}. */
export interface VerifyOptions {
  readonly crypto: Crypto;
  /** ContentInfo DER (or BER) of the SignedData. */
  readonly der: Uint8Array;
  /** Content of a detached signature. */
  readonly detachedContent?: Uint8Array;
  /** DER of the trusted root or intermediate certificates. */
  readonly trustAnchors: readonly Uint8Array[];
  /** Time at which certificate validity and revocation are checked. */
  readonly now: Date;
  /**
   * Certificate revocation lists from `parseRevocationList`. Every certificate of the signer's
   * path except the trust anchor is checked against the lists of its issuer. With lists, a signer
   * without a path to a trust anchor raises CertificateUntrustedError.
   */
  readonly revocationLists?: readonly RevocationList[];
  /**
   * `if-available` (the default) checks the certificates that a current or stale list covers.
   * `require` also rejects a certificate that no current verified list covers with
   * CertificateUntrustedError.
   */
  readonly revocation?: RevocationMode;
}

/** Outcome of a successful {@link verifySignedData}. */
export interface VerifyResult {
  /** Signed content: the detached content, or the encapsulated content (BER chunks joined). */
  readonly content: Uint8Array;
  /** eContentType of the SignedData in dotted form, `1.2.840.113549.1.7.1` (id-data) for MIME. */
  readonly contentType: string;
  readonly signerCertificate: Uint8Array;
  /**
   * DER of the SignedData's other certificates, such as the intermediate CAs of the signer's path
   * to a trust anchor, in the order of the SignedData.
   */
  readonly intermediates: readonly Uint8Array[];
  /** SIP and SIPS URIs from the signer's subjectAltName; URIs with control characters are dropped. */
  readonly signerUris: readonly string[];
  /** For example `ecdsa-with-SHA256`, `rsassa-pss`, `sha256WithRSAEncryption`. */
  readonly signatureAlgorithm: string;
  /** Digest in the spelling of the S/MIME micalg parameter, such as `sha-256` (RFC 8551 §3.5.3). */
  readonly digestAlgorithm: string;
  readonly signingTime: Date | undefined;
  /**
   * False when no path to a trust anchor was found (always found with `revocation: 'require'`);
   * every other certificate failure throws.
   */
  readonly chainTrusted: boolean;
}

/**
 * Verifies a SignedData with exactly one signer, whose certificate must be included.
 *
 * - Malformed input, trailing bytes, or a ContentInfo that is not SignedData raise CmsParseError.
 * - A signature or messageDigest that does not match, a contentType attribute that differs from
 *   eContentType, a missing signer certificate, or content both detached and encapsulated raise
 *   SignatureInvalidError.
 * - Several signers, or digest and signature algorithms other than SHA-2 with ECDSA, RSA-PSS or
 *   RSASSA-PKCS1-v1_5, raise NotSupportedError.
 * - An expired or not yet valid certificate, a keyUsage or extKeyUsage that forbids signing, or a
 *   forged issuer signature raise CertificateUntrustedError.
 * - A certificate of the path that a verified list revokes raises CertificateRevokedError.
 *
 * @example
 * ```ts
 * // context: der: Uint8Array, detachedContent: Uint8Array, trustAnchors: Uint8Array[],
 * // context: askUser: (certificate: Uint8Array) => void
 * const result = await verifySignedData({ crypto, der, detachedContent, trustAnchors, now: new Date() });
 * if (!result.chainTrusted) askUser(result.signerCertificate);
 * ```
 *
 * @param options - The crypto, the DER, the detached content if any, the trust anchors, the time
 *   and the revocation settings.
 * @returns The content, the signer certificate with its intermediates and SIP URIs, the
 *   algorithms, the signing time, and whether the path to a trust anchor was verified.
 */
export async function verifySignedData(options: VerifyOptions): Promise<VerifyResult> {
  // Invalid options raise TypeError before any input is read, whatever the input.
  revocationPolicy(options.revocationLists, options.revocation, 'verifySignedData');
  checkedDate(options.now, 'verifySignedData', 'options.now');
  return verifyContentInfo(parseContentInfo(options.der), options);
}

/**
 * Verifies the SignedData of a ContentInfo already parsed, as {@link verifySignedData} does, for
 * a caller that parsed it to learn its type.
 *
 * @internal
 */
export async function verifyContentInfo(
  info: ContentInfo,
  options: Omit<VerifyOptions, 'der'>,
): Promise<VerifyResult> {
  const { crypto, detachedContent } = options;
  const revocation = revocationPolicy(
    options.revocationLists,
    options.revocation,
    'verifySignedData',
  );
  const signedData = readSignedData(expectContentType(info, OID_SIGNED_DATA));
  const [signerInfo, ...others] = signedData.signers;
  if (signerInfo === undefined) throw new SignatureInvalidError('SignedData has no signer');
  if (others.length > 0) {
    throw new NotSupportedError('SignedData with several signers not supported');
  }

  const content = selectContent(signedData.eContent, detachedContent);
  const certificates = signedData.certificates.map(parseCertificate);
  const signer = certificates.find((certificate) =>
    identifiesCertificate(signerInfo.sid, certificate),
  );
  if (signer === undefined) {
    throw new SignatureInvalidError('signer certificate missing from SignedData');
  }

  const digest = digestName(signerInfo.digestAlgorithm);
  const scheme = resolveSignatureScheme(signerInfo.signatureAlgorithm, digest);
  const signingTime = await checkSignature(
    crypto,
    signerInfo,
    signer,
    signedData.eContentType,
    content,
    digest,
    scheme,
  );

  const anchors = options.trustAnchors.map(parseCertificate);
  const intermediates = certificates.filter((certificate) => certificate !== signer);
  const chainTrusted = await validateSignerChain(
    crypto,
    signer,
    intermediates,
    anchors,
    options.now,
    revocation,
  );

  return {
    content,
    contentType: signedData.eContentType,
    // A copy: the parsed certificate keeps `der` as its cache entry, which a caller must not change.
    signerCertificate: cloneBytes(signer.der),
    intermediates: intermediates.map((certificate) => cloneBytes(certificate.der)),
    signerUris: signer.sipUris,
    signatureAlgorithm: scheme.label,
    digestAlgorithm: OID_NAMES[signerInfo.digestAlgorithm.oid] ?? digest.toLowerCase(),
    signingTime,
    chainTrusted,
  };
}

function selectContent(
  encapsulated: Uint8Array | undefined,
  detached: Uint8Array | undefined,
): Uint8Array {
  if (encapsulated !== undefined && detached !== undefined) {
    throw new SignatureInvalidError('SignedData has both encapsulated and detached content');
  }
  const content = encapsulated ?? detached;
  if (content === undefined) throw new SignatureInvalidError('detached content is missing');
  return content;
}

/**
 * Checks the signed attributes and the signature (RFC 5652 §5.4 and §5.6) and returns the
 * signingTime attribute, if any.
 */
async function checkSignature(
  crypto: Crypto,
  signerInfo: SignerInfoFields,
  signer: ParsedCertificate,
  eContentType: string,
  content: Uint8Array,
  digest: string,
  scheme: ReturnType<typeof resolveSignatureScheme>,
): Promise<Date | undefined> {
  const attributes = signerInfo.signedAttributesDer;
  if (attributes === undefined) {
    // RFC 5652 §5.3: signed attributes may be left out only when the content type is id-data.
    if (eContentType !== OID_DATA) throw new SignatureInvalidError('signed attributes are missing');
    // Without signed attributes the signature covers the content itself.
    if (!(await verifySignerSignature(crypto, signer, scheme, signerInfo.signature, content))) {
      throw new SignatureInvalidError('signature does not verify');
    }
    return undefined;
  }

  const values = signerInfo.signedAttributes;
  const contentType = singleValue(values.get(OID_ATTR_CONTENT_TYPE), 'contentType');
  const messageDigest = singleValue(values.get(OID_ATTR_MESSAGE_DIGEST), 'messageDigest');
  if (readOid(contentType, 'contentType attribute') !== eContentType) {
    throw new SignatureInvalidError('contentType attribute differs from eContentType');
  }
  if (!isUniversal(messageDigest, TAG.octetString)) {
    throw new SignatureInvalidError('messageDigest attribute is malformed');
  }
  const expected = readOctets(messageDigest, 'messageDigest');
  const time = values.get(OID_ATTR_SIGNING_TIME);
  const signingTime =
    time === undefined ? undefined : readTime(singleValue(time, 'signingTime'), 'signingTime');

  // The digest of the content and the signature over the attributes are independent, so both
  // WebCrypto calls are started at once: Node runs them side by side in its thread pool, while
  // Chromium runs each on the calling thread. The digest is still checked first, and a failure
  // of the signature check, such as a key WebCrypto cannot import, is raised only after it.
  const [computed, verified] = await Promise.allSettled([
    digestBytes(crypto, digest, content),
    verifySignerSignature(crypto, signer, scheme, signerInfo.signature, attributes),
  ]);
  if (computed.status === 'rejected') throw computed.reason;
  if (!bytesEqual(computed.value, expected)) {
    throw new SignatureInvalidError('messageDigest does not match the content');
  }
  if (verified.status === 'rejected') throw verified.reason;
  if (!verified.value) throw new SignatureInvalidError('signature does not verify');
  return signingTime;
}

async function verifySignerSignature(
  crypto: Crypto,
  signer: ParsedCertificate,
  scheme: ReturnType<typeof resolveSignatureScheme>,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  // A key that this library cannot use, such as one on another curve, may well have made the
  // signature, so the status is 415 rather than a bad signature.
  const keyKind = signer.publicKeyAlgorithm.kind;
  if (keyKind === 'other') {
    throw new NotSupportedError('signer public key algorithm not supported');
  }
  // A key of another type than the signature algorithm cannot have made the signature.
  if ((scheme.name === 'ECDSA') !== (keyKind === 'ec')) return false;
  return verifyBytes(crypto, signer, scheme, signature, data);
}

function singleValue(values: readonly Asn1Node[] | undefined, name: string): Asn1Node {
  const [value, extra] = values ?? [];
  if (value === undefined || extra !== undefined) {
    throw new SignatureInvalidError(`${name} attribute is missing or repeated`);
  }
  return value;
}
