/**
 * X.509 certificates (RFC 5280) parsed once and cached, with the fields S/MIME needs precomputed.
 *
 * @module
 */

import { bytesEqual, bytesKey, cloneBytes, latin1Decode, utf8Decode } from '../bytes.js';
import { CmsParseError } from '../errors.js';
import {
  type AlgorithmIdentifier,
  type Asn1Node,
  childrenOf,
  encodedBytes,
  isContext,
  isUniversal,
  parseBer,
  readAlgorithm,
  readBitString,
  readIntegerBytes,
  readOid,
  readSequence,
  readTime,
  TAG,
} from './der.js';
import {
  type KeyUsageName,
  filterSipUris,
  readBasicConstraints,
  readExtendedKeyUsage,
  readExtensionList,
  readKeyUsage,
  readSanUris,
  readSubjectKeyIdentifier,
} from './certificate-extensions.js';
import { BoundedCache } from './bounded-cache.js';
import {
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_CRL_DISTRIBUTION_POINTS,
  OID_EC_PUBLIC_KEY,
  OID_EXT_KEY_USAGE,
  OID_KEY_USAGE,
  OID_P256,
  OID_P384,
  OID_P521,
  OID_RSA_ENCRYPTION,
  OID_RSASSA_PSS,
  OID_SUBJECT_ALT_NAME,
  OID_SUBJECT_KEY_IDENTIFIER,
  oidName,
} from './oids.js';

/** Public key of a certificate, as far as WebCrypto can use it. */
export type PublicKeyAlgorithm =
  | { readonly kind: 'ec'; readonly namedCurve: 'P-256' | 'P-384' | 'P-521' }
  | { readonly kind: 'rsa'; readonly modulusBits: number }
  | { readonly kind: 'other'; readonly oid: string };

/** A parsed certificate with the fields that signing, verification and encryption read. */
export interface ParsedCertificate {
  readonly der: Uint8Array;
  /** The PKIjs object, for callers that need the full structure. */
  readonly tbs: Uint8Array;
  readonly serialNumber: Uint8Array;
  /** DER of the issuer and subject Names, compared byte for byte when building chains. */
  readonly issuerName: Uint8Array;
  readonly subjectName: Uint8Array;
  readonly issuer: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER of the SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly publicKeyAlgorithm: PublicKeyAlgorithm;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signatureValue: Uint8Array;
  readonly subjectKeyIdentifier: Uint8Array | undefined;
  /** Undefined when the certificate has no keyUsage extension. */
  readonly keyUsage: ReadonlySet<KeyUsageName> | undefined;
  /** Undefined when the certificate has no extKeyUsage extension. */
  readonly extendedKeyUsage: readonly string[] | undefined;
  readonly isCa: boolean;
  /** pathLenConstraint of basicConstraints; undefined when absent, that is unlimited. */
  readonly pathLengthConstraint: number | undefined;
  /** True when the certificate has a nameConstraints extension (RFC 5280 §4.2.1.10). */
  readonly hasNameConstraints: boolean;
  /** OIDs of the critical extensions that this reader does not process (RFC 5280 §4.2). */
  readonly unhandledCriticalExtensions: readonly string[];
  /**
   * Value of the cRLDistributionPoints extension (RFC 5280 §4.2.1.13), undecoded: only the
   * revocation check reads it, when a revocation list is scoped to a distribution point.
   */
  readonly crlDistributionPoints: Uint8Array | undefined;
  /** Every SAN URI, verbatim. */
  readonly uris: readonly string[];
  /** SAN URIs with scheme sip or sips and no control characters. */
  readonly sipUris: readonly string[];
  /** Cache key: the DER as a string from `bytesKey`. */
  readonly cacheKey: string;
}

const parsedCertificates = new BoundedCache<string, ParsedCertificate>(256);
const parsedByArray = new WeakMap<Uint8Array, ParsedCertificate>();

/**
 * Parses a DER certificate, or returns the cached result of an earlier parse of the same bytes.
 * Raises CmsParseError on malformed input.
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  // The same array comes back for a local identity or a trust anchor: find it without building
  // the string key, but compare the bytes, because the array may have been changed since.
  // A parse's own `der` is never a key here, because comparing it with itself proves nothing.
  const known = parsedByArray.get(der);
  if (known !== undefined && known.der !== der && bytesEqual(known.der, der)) return known;

  const cacheKey = bytesKey(der);
  let parsed = parsedCertificates.get(cacheKey);
  if (parsed === undefined) {
    parsed = parseUncached(cloneBytes(der), cacheKey);
    parsedCertificates.set(cacheKey, parsed);
  }
  if (parsed.der !== der) parsedByArray.set(der, parsed);
  return parsed;
}

function parseUncached(der: Uint8Array, cacheKey: string): ParsedCertificate {
  const root = parseBer(der, 'certificate');
  const [tbsNode, signatureAlgorithmNode, signatureNode] = readSequence(root, 'certificate');
  const tbsFields = readSequence(tbsNode, 'tbsCertificate');
  const offset = tbsFields[0] !== undefined && isContext(tbsFields[0], 0) ? 1 : 0;
  const field = (index: number): Asn1Node | undefined => tbsFields[offset + index];
  const [notBefore, notAfter] = readSequence(field(3), 'validity');
  const spkiNode = field(5);
  const [spkiAlgorithm, publicKey] = readSequence(spkiNode, 'subjectPublicKeyInfo');
  if (tbsNode === undefined || spkiNode === undefined) {
    throw new CmsParseError('certificate is malformed');
  }

  const extensions = readExtensions(tbsFields.slice(offset + 6));
  return {
    der,
    tbs: encodedBytes(tbsNode),
    serialNumber: readIntegerBytes(field(0), 'serialNumber'),
    issuerName: encodedBytes(requireNode(field(2), 'issuer')),
    subjectName: encodedBytes(requireNode(field(4), 'subject')),
    issuer: formatName(requireNode(field(2), 'issuer')),
    subject: formatName(requireNode(field(4), 'subject')),
    notBefore: readTime(notBefore, 'notBefore'),
    notAfter: readTime(notAfter, 'notAfter'),
    spki: encodedBytes(spkiNode),
    publicKey: readBitString(publicKey, 'subjectPublicKey'),
    publicKeyAlgorithm: readPublicKeyAlgorithm(spkiAlgorithm, publicKey),
    signatureAlgorithm: readAlgorithm(signatureAlgorithmNode, 'signatureAlgorithm'),
    signatureValue: readBitString(signatureNode, 'signatureValue'),
    ...extensions,
    cacheKey,
  };
}

function requireNode(node: Asn1Node | undefined, what: string): Asn1Node {
  if (node === undefined) throw new CmsParseError(`${what} is missing`);
  return node;
}

type ExtensionFields = Pick<
  ParsedCertificate,
  | 'subjectKeyIdentifier'
  | 'keyUsage'
  | 'extendedKeyUsage'
  | 'isCa'
  | 'pathLengthConstraint'
  | 'hasNameConstraints'
  | 'unhandledCriticalExtensions'
  | 'crlDistributionPoints'
  | 'uris'
  | 'sipUris'
>;

/** nameConstraints (RFC 5280 §4.2.1.10): not enforced, so the chain check rejects a CA with it. */
const OID_NAME_CONSTRAINTS = '2.5.29.30';

/**
 * Extensions that the chain check processes or that carry no constraint. A critical extension
 * outside this set must make the certificate unusable (RFC 5280 §4.2).
 */
const HANDLED_EXTENSIONS: ReadonlySet<string> = new Set([
  OID_SUBJECT_KEY_IDENTIFIER,
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_KEY_USAGE,
  OID_EXT_KEY_USAGE,
  OID_BASIC_CONSTRAINTS,
  OID_SUBJECT_ALT_NAME,
  OID_NAME_CONSTRAINTS,
]);

function readExtensions(optionalFields: readonly Asn1Node[]): ExtensionFields {
  const result: {
    -readonly [K in keyof ExtensionFields]: ExtensionFields[K];
  } = {
    subjectKeyIdentifier: undefined,
    keyUsage: undefined,
    extendedKeyUsage: undefined,
    isCa: false,
    pathLengthConstraint: undefined,
    hasNameConstraints: false,
    unhandledCriticalExtensions: [],
    crlDistributionPoints: undefined,
    uris: [],
    sipUris: [],
  };
  const extensionsNode = optionalFields.find((node) => isContext(node, 3));
  if (extensionsNode === undefined) return result;

  const unhandled: string[] = [];
  const seen = new Set<string>();
  for (const { oid, critical, value } of readExtensionList(extensionsNode)) {
    // RFC 5280 §4.2: one instance of each extension. Readers that take the first of two and
    // readers that take the last would disagree on a CA flag, a key usage or a SIP URI.
    if (seen.has(oid)) throw new CmsParseError('certificate repeats an extension');
    seen.add(oid);
    if (critical && !HANDLED_EXTENSIONS.has(oid)) unhandled.push(oid);
    if (oid === OID_SUBJECT_KEY_IDENTIFIER) {
      result.subjectKeyIdentifier = readSubjectKeyIdentifier(value);
    } else if (oid === OID_KEY_USAGE) result.keyUsage = readKeyUsage(value);
    else if (oid === OID_EXT_KEY_USAGE) result.extendedKeyUsage = readExtendedKeyUsage(value);
    else if (oid === OID_BASIC_CONSTRAINTS) {
      const constraints = readBasicConstraints(value);
      result.isCa = constraints.ca;
      result.pathLengthConstraint = constraints.pathLengthConstraint;
    } else if (oid === OID_NAME_CONSTRAINTS) result.hasNameConstraints = true;
    else if (oid === OID_CRL_DISTRIBUTION_POINTS) result.crlDistributionPoints = value;
    else if (oid === OID_SUBJECT_ALT_NAME) {
      // Frozen: a parsed certificate is shared through the cache, and results hand these out.
      result.uris = Object.freeze(readSanUris(value));
      result.sipUris = Object.freeze(filterSipUris(result.uris));
    }
  }
  result.unhandledCriticalExtensions = unhandled;
  return result;
}

const CURVES: Readonly<Record<string, 'P-256' | 'P-384' | 'P-521'>> = {
  [OID_P256]: 'P-256',
  [OID_P384]: 'P-384',
  [OID_P521]: 'P-521',
};

function readPublicKeyAlgorithm(
  algorithmNode: Asn1Node | undefined,
  publicKeyNode: Asn1Node | undefined,
): PublicKeyAlgorithm {
  const algorithm = readAlgorithm(algorithmNode, 'subjectPublicKeyInfo algorithm');
  if (algorithm.oid === OID_EC_PUBLIC_KEY) {
    // The parameters may also give the curve explicitly or leave it implicit, which this library
    // does not support. Such a key is of another kind, not malformed.
    const parameters = algorithm.parameters;
    if (parameters === undefined || !isUniversal(parameters, TAG.oid)) {
      return { kind: 'other', oid: OID_EC_PUBLIC_KEY };
    }
    const curveOid = readOid(parameters, 'namedCurve');
    const namedCurve = CURVES[curveOid];
    return namedCurve === undefined ? { kind: 'other', oid: curveOid } : { kind: 'ec', namedCurve };
  }
  if (algorithm.oid === OID_RSA_ENCRYPTION || algorithm.oid === OID_RSASSA_PSS) {
    const key = parseBer(readBitString(publicKeyNode, 'subjectPublicKey'), 'RSA public key');
    const modulus = readIntegerBytes(readSequence(key, 'RSAPublicKey')[0], 'modulus');
    // DER writes an INTEGER in its fewest octets: one zero octet at most, and only before a
    // high bit. Extra zeros would make a short key count as a long one in the size checks.
    const second = modulus[1] ?? 0;
    if ((modulus[0] ?? 0) & 0x80 || (modulus[0] === 0 && (modulus.length === 1 || second < 0x80))) {
      throw new CmsParseError('RSA modulus is not a positive INTEGER in its fewest octets');
    }
    const leadingZero = modulus[0] === 0 ? 1 : 0;
    const topByte = modulus[leadingZero] ?? 0;
    const modulusBits = (modulus.length - leadingZero - 1) * 8 + (32 - Math.clz32(topByte));
    return { kind: 'rsa', modulusBits };
  }
  return { kind: 'other', oid: algorithm.oid };
}

const NAME_LABELS: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/**
 * Formats a Name (RFC 5280 §4.1.2.4, a SEQUENCE OF SET OF AttributeTypeAndValue) for display, RDNs
 * in encoded order, such as `CN=alice, O=Example`. The attributes of one multi-valued RDN are
 * joined with ` + `, as in `CN=alice + O=Example`. A value of a string type this reader does not
 * decode is shown as `#`.
 */
export function formatName(name: Asn1Node): string {
  const rdns: string[] = [];
  for (const rdn of childrenOf(name, 'Name')) {
    const attributes: string[] = [];
    for (const attribute of childrenOf(rdn, 'RelativeDistinguishedName')) {
      const [typeNode, valueNode] = readSequence(attribute, 'AttributeTypeAndValue');
      const type = readOid(typeNode, 'AttributeType');
      const text = valueNode === undefined ? '#' : readDirectoryString(valueNode);
      attributes.push(`${NAME_LABELS[type] ?? type}=${replaceControlCharacters(text)}`);
    }
    rdns.push(attributes.join(' + '));
  }
  return rdns.join(', ');
}

// Universal tag numbers of the DirectoryString choices and IA5String (X.680 §8.4).
const STRING_DECODERS: Readonly<Record<number, (bytes: Uint8Array) => string>> = {
  12: (bytes) => utf8Decode(bytes),
  19: latin1Decode,
  20: latin1Decode,
  22: latin1Decode,
  30: (bytes) => new TextDecoder('utf-16be').decode(bytes),
};

function readDirectoryString(node: Asn1Node): string {
  const decode =
    node.tagClass === 0 && !node.constructed ? STRING_DECODERS[node.tagNumber] : undefined;
  return decode === undefined ? '#' : decode(node.value);
}

/**
 * Replaces each C0 or C1 control character and DEL with `?`, so that a name or URI taken from a
 * certificate cannot move the cursor or rewrite the terminal line it is printed on.
 */
export function replaceControlCharacters(text: string): string {
  return Array.from(text, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? '?' : char;
  }).join('');
}

/** Readable summary of a certificate, for key stores and the CLI. */
export interface CertificateDescription {
  readonly subject: string;
  readonly issuer: string;
  /** Serial number in lowercase hexadecimal. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SIP and SIPS URIs of the subjectAltName, control characters excluded. */
  readonly uris: readonly string[];
  /** For example `ec P-256`, `rsa 2048` or the OID of another algorithm. */
  readonly keyAlgorithm: string;
}

/**
 * Describes a DER certificate: names, serial, validity, SIP URIs and key algorithm.
 * Raises CmsParseError on malformed input.
 */
export function describeCertificate(der: Uint8Array): CertificateDescription {
  const parsed = parseCertificate(der);
  const key = parsed.publicKeyAlgorithm;
  let keyAlgorithm: string;
  if (key.kind === 'ec') keyAlgorithm = `ec ${key.namedCurve}`;
  else if (key.kind === 'rsa') keyAlgorithm = `rsa ${key.modulusBits}`;
  else keyAlgorithm = oidName(key.oid);
  return {
    subject: parsed.subject,
    issuer: parsed.issuer,
    serialNumber: Array.from(parsed.serialNumber, (b) => b.toString(16).padStart(2, '0')).join(''),
    // Copies: the parsed certificate is shared through the cache, and the chain check reads its
    // dates, so a caller that changes these must not change the validity period seen later.
    notBefore: new Date(parsed.notBefore.getTime()),
    notAfter: new Date(parsed.notAfter.getTime()),
    uris: parsed.sipUris,
    keyAlgorithm,
  };
}

/**
 * Returns why a certificate cannot serve as a trust anchor, or undefined when it can: it must be
 * a CA certificate, with basicConstraints cA set and, when it has a keyUsage, keyCertSign. An
 * end-entity certificate given as an anchor by mistake would make every certificate that its key
 * signs trusted. Raises CmsParseError on a malformed certificate.
 */
export function trustAnchorProblem(certificate: Uint8Array): string | undefined {
  const parsed = parseCertificate(certificate);
  if (!parsed.isCa) return 'basicConstraints does not mark it as a CA';
  if (parsed.keyUsage !== undefined && !parsed.keyUsage.has('keyCertSign')) {
    return 'its keyUsage lacks keyCertSign';
  }
  return undefined;
}

/**
 * Returns the SIP and SIPS URIs in a certificate's subjectAltName. Values with NUL or other
 * control characters are dropped. Raises CmsParseError on a malformed certificate.
 */
export function certificateSipUris(certificate: Uint8Array): string[] {
  return [...parseCertificate(certificate).sipUris];
}
