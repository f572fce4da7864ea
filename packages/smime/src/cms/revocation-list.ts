/**
 * Certificate revocation lists: X.509 v2 CRLs (RFC 5280 §5), parsed once when the caller loads
 * them and checked on every signer path by `revocation.ts`.
 *
 * ```asn1
 * CertificateList ::= SEQUENCE {
 *   tbsCertList          TBSCertList,
 *   signatureAlgorithm   AlgorithmIdentifier,
 *   signatureValue       BIT STRING }
 *
 * TBSCertList ::= SEQUENCE {
 *   version              Version OPTIONAL,  -- v2 when present
 *   signature            AlgorithmIdentifier,
 *   issuer               Name,
 *   thisUpdate           Time,
 *   nextUpdate           Time OPTIONAL,
 *   revokedCertificates  SEQUENCE OF SEQUENCE {
 *     userCertificate      CertificateSerialNumber,
 *     revocationDate       Time,
 *     crlEntryExtensions   Extensions OPTIONAL } OPTIONAL,
 *   crlExtensions        [0] EXPLICIT Extensions OPTIONAL }
 * ```
 *
 * @module
 */

import { sha256 } from '@noble/hashes/sha2.js';

import { bytesEqual, cloneBytes, hexEncode } from '../bytes.js';
import { CmsParseError, LimitExceededError, NotSupportedError } from '../errors.js';
import { MAX_REVOCATION_LIST_BYTES, MAX_REVOCATION_LIST_ENTRIES } from '../limits.js';
import { formatName } from './certificate.js';
import {
  type AlgorithmIdentifier,
  type Asn1Node,
  TAG,
  encodedBytes,
  isContext,
  isUniversal,
  parseBer,
  readAlgorithm,
  readBitString,
  readExplicit,
  readIntegerBytes,
  readSequence,
  readSmallInteger,
  readTime,
} from './der.js';
import {
  type EntryExtensions,
  type RevocationListScope,
  type RevocationReason,
  readCrlExtensions,
  readEntryExtensions,
  readListExtensions,
} from './revocation-list-extensions.js';
import { type SignatureScheme, resolveSignatureScheme } from './signature.js';

export type { RevocationReason } from './revocation-list-extensions.js';

/** One revoked certificate of a {@link RevocationList}. */
export interface RevokedCertificate {
  /** Serial number in lowercase hexadecimal, two's complement without redundant leading octets. */
  readonly serialNumber: string;
  readonly revocationDate: Date;
  /** The reasonCode entry extension; undefined when the entry has none. */
  readonly reason: RevocationReason | undefined;
  /** The invalidityDate entry extension: when the key is known or suspected to be compromised. */
  readonly invalidityDate: Date | undefined;
}

/**
 * A parsed certificate revocation list, made by {@link parseRevocationList} and frozen. Its
 * arrays and dates are copies: changing them does not change what the revocation check uses.
 */
export interface RevocationList {
  /** DER of the issuer Name, compared byte for byte with the issuer of each certificate. */
  readonly issuerName: Uint8Array;
  /** The issuer for display, such as `O=Example, CN=Example CA`. */
  readonly issuer: string;
  readonly thisUpdate: Date;
  /** Time by which the next list will be issued; undefined when the list gives none. */
  readonly nextUpdate: Date | undefined;
  /** The cRLNumber extension in lowercase hexadecimal; undefined when absent. */
  readonly crlNumber: string | undefined;
  /** Signature algorithm, for example `ecdsa-with-SHA256` or `sha256WithRSAEncryption`. */
  readonly signatureAlgorithm: string;
  /** DER of the tbsCertList, the bytes that the signature covers. */
  readonly tbs: Uint8Array;
  readonly revokedCertificates: readonly RevokedCertificate[];
  /** `sha256:` and the hexadecimal SHA-256 of the list's DER; equal keys mean equal lists. */
  readonly cacheKey: string;
}

/** A revoked serial number as the revocation check reads it. */
export interface RevokedEntry {
  /** Milliseconds since the epoch. */
  readonly revocationDate: number;
  readonly reason: RevocationReason | undefined;
}

/** The fields of a list that the revocation check uses, kept apart from the caller's copy. */
export interface RevocationListData {
  readonly cacheKey: string;
  readonly issuerName: Uint8Array;
  /** Milliseconds since the epoch. */
  readonly thisUpdate: number;
  readonly nextUpdate: number | undefined;
  readonly tbs: Uint8Array;
  readonly signatureValue: Uint8Array;
  readonly scheme: SignatureScheme;
  readonly authorityKeyIdentifier: Uint8Array | undefined;
  readonly scope: RevocationListScope;
  /** Revoked certificates by {@link serialNumberKey}. */
  readonly revoked: ReadonlyMap<string, RevokedEntry>;
}

/**
 * Element budget of the DER reader for one list. An entry takes 3 elements plus 4 for each entry
 * extension, so this allows 3 extensions per entry at MAX_REVOCATION_LIST_ENTRIES. A list past
 * it is rejected as too large rather than as malformed.
 */
const MAX_ELEMENTS = 64 + 16 * MAX_REVOCATION_LIST_ENTRIES;

const listData = new WeakMap<RevocationList, RevocationListData>();

/**
 * Parses a DER certificate revocation list (an X.509 v1 or v2 CRL, RFC 5280 §5.1) into a frozen
 * {@link RevocationList}, to pass as `revocationLists` to `unprotectMessage` or
 * `verifySignedData`. Parse once when the lists are loaded, not per message. The signature is
 * not checked here, because it needs the issuer certificate: the revocation check verifies it
 * against the issuer on the signer's path and never uses a list whose signature fails.
 *
 * - Malformed DER, an indefinite length, truncated input, trailing bytes, a serial number listed
 *   twice, or a tbsCertList signature that differs from signatureAlgorithm raise CmsParseError.
 * - These raise NotSupportedError: a v1 list with extensions, a delta CRL, an indirect CRL, a
 *   list scoped to some reasons or to attribute certificates, an unknown critical extension of
 *   the list or of an entry, and a signature algorithm that the library cannot verify.
 * - A list larger than MAX_REVOCATION_LIST_BYTES or with more than MAX_REVOCATION_LIST_ENTRIES
 *   entries raises LimitExceededError.
 *
 * @example
 * ```ts
 * // context: crlPem: string, message: SipMessage, identity: LocalIdentity,
 * // context: trustAnchors: Uint8Array[]
 * const [der] = pemDecode(crlPem, 'X509 CRL');
 * if (der === undefined) throw new Error('no X509 CRL block');
 * const revocationLists = [parseRevocationList(der)];
 * await unprotectMessage(message, { crypto, identity, trustAnchors, revocationLists });
 * ```
 *
 * @param der - DER of the CRL.
 * @returns The parsed list, frozen.
 * @throws TypeError when `der` is not a Uint8Array.
 */
export function parseRevocationList(der: Uint8Array): RevocationList {
  if (!(der instanceof Uint8Array)) {
    throw new TypeError('parseRevocationList: der must be a Uint8Array');
  }
  if (der.length > MAX_REVOCATION_LIST_BYTES) {
    throw new LimitExceededError(`CRL larger than ${MAX_REVOCATION_LIST_BYTES} bytes`);
  }
  const bytes = cloneBytes(der);
  const root = parseBer(bytes, 'CRL', { maxElements: MAX_ELEMENTS, definiteOnly: true });
  const [tbsNode, algorithmNode, signatureNode, extra] = readSequence(root, 'CertificateList');
  if (tbsNode === undefined || algorithmNode === undefined || extra !== undefined) {
    throw new CmsParseError('CertificateList is malformed');
  }
  const scheme = resolveListScheme(readAlgorithm(algorithmNode, 'CRL signatureAlgorithm'));
  const tbs = readTbsCertList(tbsNode);
  if (!bytesEqual(encodedBytes(tbs.signature), encodedBytes(algorithmNode))) {
    throw new CmsParseError('CRL signatureAlgorithm differs from the tbsCertList signature');
  }

  const extensions = readListExtensions(
    tbs.extensions === undefined ? [] : readCrlExtensions(tbs.extensions, 'crlExtensions'),
  );
  const entries = readEntries(tbs.entries, tbs.version);
  const data: RevocationListData = {
    cacheKey: `sha256:${hexEncode(sha256(bytes))}`,
    issuerName: encodedBytes(tbs.issuer),
    thisUpdate: tbs.thisUpdate.getTime(),
    nextUpdate: tbs.nextUpdate?.getTime(),
    tbs: encodedBytes(tbsNode),
    signatureValue: readBitString(signatureNode, 'CRL signatureValue'),
    scheme,
    authorityKeyIdentifier: extensions.authorityKeyIdentifier,
    scope: extensions.scope,
    revoked: new Map(entries.map((entry) => [entry.serialNumber, entry.internal])),
  };
  const list = freezeCopy(data, formatName(tbs.issuer), extensions.crlNumber, entries);
  listData.set(list, data);
  return list;
}

/** Returns the caller's frozen view of a list, with its own copies of the bytes and dates. */
function freezeCopy(
  data: RevocationListData,
  issuer: string,
  crlNumber: string | undefined,
  entries: readonly ParsedEntry[],
): RevocationList {
  return Object.freeze({
    issuerName: cloneBytes(data.issuerName),
    issuer,
    thisUpdate: new Date(data.thisUpdate),
    nextUpdate: data.nextUpdate === undefined ? undefined : new Date(data.nextUpdate),
    crlNumber,
    signatureAlgorithm: data.scheme.label,
    tbs: cloneBytes(data.tbs),
    revokedCertificates: Object.freeze(entries.map((entry) => entry.public)),
    cacheKey: data.cacheKey,
  });
}

/** Tells whether `value` is a list made by {@link parseRevocationList}. */
export function isRevocationList(value: unknown): value is RevocationList {
  return typeof value === 'object' && value !== null && listData.has(value as RevocationList);
}

/** Returns the fields the check uses; TypeError for an object not made by the parser. */
export function revocationListData(list: RevocationList): RevocationListData {
  const data = listData.get(list);
  if (data === undefined) {
    throw new TypeError('revocation list was not made by parseRevocationList');
  }
  return data;
}

/**
 * Returns the key under which a serial number is listed: the INTEGER content octets without
 * redundant leading 0x00 or 0xFF octets, in hexadecimal. A non-minimal encoding on either side
 * then still matches, and a negative number never matches a positive one.
 */
export function serialNumberKey(serial: Uint8Array): string {
  let start = 0;
  while (start < serial.length - 1) {
    const first = serial[start] as number;
    const next = serial[start + 1] as number;
    const redundant = (first === 0x00 && next < 0x80) || (first === 0xff && next >= 0x80);
    if (!redundant) break;
    start++;
  }
  return hexEncode(serial.subarray(start));
}

function resolveListScheme(algorithm: AlgorithmIdentifier): SignatureScheme {
  try {
    return resolveSignatureScheme(algorithm, undefined);
  } catch (error) {
    if (!(error instanceof NotSupportedError)) throw error;
    throw new NotSupportedError(`CRL ${error.message}`, { cause: error });
  }
}

interface TbsCertList {
  /** 0 for v1 (no version field), 1 for v2. */
  readonly version: number;
  readonly signature: Asn1Node;
  readonly issuer: Asn1Node;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly entries: Asn1Node | undefined;
  /** The inner SEQUENCE of the `[0] EXPLICIT` crlExtensions. */
  readonly extensions: Asn1Node | undefined;
}

/** Reads the fields of a TBSCertList, whose optional fields are recognised by their tags. */
function readTbsCertList(tbsNode: Asn1Node): TbsCertList {
  const fields = readSequence(tbsNode, 'tbsCertList');
  let index = 0;
  const take = (accept: (node: Asn1Node) => boolean): Asn1Node | undefined => {
    const node = fields[index];
    if (node === undefined || !accept(node)) return undefined;
    index++;
    return node;
  };

  const versionNode = take((node) => isUniversal(node, TAG.integer));
  const version = versionNode === undefined ? 0 : readVersion(versionNode);
  const signature = take((node) => isUniversal(node, TAG.sequence));
  if (signature === undefined) throw new CmsParseError('tbsCertList signature is missing');
  readAlgorithm(signature, 'tbsCertList signature');
  const issuer = take((node) => isUniversal(node, TAG.sequence));
  if (issuer === undefined || issuer.children.length === 0) {
    throw new CmsParseError('CRL issuer is missing or empty');
  }
  const thisUpdate = readTime(take(isTime), 'CRL thisUpdate');
  const nextUpdateNode = take(isTime);
  const nextUpdate =
    nextUpdateNode === undefined ? undefined : readTime(nextUpdateNode, 'CRL nextUpdate');
  const entries = take((node) => isUniversal(node, TAG.sequence));
  const extensionsNode = take((node) => isContext(node, 0) && node.constructed);
  if (index !== fields.length) throw new CmsParseError('tbsCertList has unexpected fields');

  if (nextUpdate !== undefined && nextUpdate.getTime() < thisUpdate.getTime()) {
    throw new CmsParseError('CRL nextUpdate is before thisUpdate');
  }
  // RFC 5280 §5.1.2.1: a list with extensions must be v2.
  if (extensionsNode !== undefined && version === 0) {
    throw new NotSupportedError('v1 CRL with extensions not supported');
  }
  const extensions =
    extensionsNode === undefined ? undefined : readExplicit(extensionsNode, 'crlExtensions');
  return { version, signature, issuer, thisUpdate, nextUpdate, entries, extensions };
}

function isTime(node: Asn1Node): boolean {
  return isUniversal(node, TAG.utcTime) || isUniversal(node, TAG.generalizedTime);
}

/** Reads `Version ::= INTEGER { v1(0), v2(1) }`; DER leaves out the field of a v1 list. */
function readVersion(node: Asn1Node): number {
  const version = readSmallInteger(node, 'CRL version');
  if (version === 0) throw new CmsParseError('CRL version field is present for v1');
  if (version !== 1) throw new NotSupportedError(`CRL version ${version + 1} not supported`);
  return version;
}

interface ParsedEntry {
  readonly serialNumber: string;
  readonly internal: RevokedEntry;
  readonly public: RevokedCertificate;
}

const NO_ENTRY_EXTENSIONS: EntryExtensions = { reason: undefined, invalidityDate: undefined };

function readEntries(node: Asn1Node | undefined, version: number): ParsedEntry[] {
  if (node === undefined) return [];
  const list = readSequence(node, 'revokedCertificates');
  if (list.length > MAX_REVOCATION_LIST_ENTRIES) {
    throw new LimitExceededError(`CRL lists more than ${MAX_REVOCATION_LIST_ENTRIES} entries`);
  }

  const seen = new Set<string>();
  return list.map((entry) => {
    const [serialNode, dateNode, extensionsNode, extra] = readSequence(entry, 'CRL entry');
    if (extra !== undefined) throw new CmsParseError('CRL entry has unexpected fields');
    const serialNumber = serialNumberKey(readIntegerBytes(serialNode, 'CRL entry serial number'));
    if (seen.has(serialNumber)) {
      throw new CmsParseError(`CRL lists serial number ${serialNumber} more than once`);
    }
    seen.add(serialNumber);
    const revocationDate = readTime(dateNode, 'CRL entry revocationDate');
    if (extensionsNode !== undefined && version === 0) {
      throw new NotSupportedError('v1 CRL with entry extensions not supported');
    }
    const { reason, invalidityDate } =
      extensionsNode === undefined
        ? NO_ENTRY_EXTENSIONS
        : readEntryExtensions(readCrlExtensions(extensionsNode, 'crlEntryExtensions'));
    return {
      serialNumber,
      internal: { revocationDate: revocationDate.getTime(), reason },
      public: Object.freeze({ serialNumber, revocationDate, reason, invalidityDate }),
    };
  });
}
