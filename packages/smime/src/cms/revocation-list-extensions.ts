/**
 * Readers for the extensions of certificate revocation lists and of their entries (RFC 5280 §5.2
 * and §5.3), and for the distribution point names that scope a list to some certificates
 * (RFC 5280 §4.2.1.13 and §5.2.5).
 *
 * @module
 */

import { hexEncode } from '../bytes.js';
import { CmsParseError, NotSupportedError } from '../errors.js';
import {
  type Asn1Node,
  type BerParseOptions,
  TAG,
  encodedBytes,
  isContext,
  isUniversal,
  parseBer,
  readExplicit,
  readIntegerBytes,
  readOid,
  readSequence,
  readTime,
} from './der.js';
import {
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_CERTIFICATE_ISSUER,
  OID_CRL_NUMBER,
  OID_CRL_REASON,
  OID_DELTA_CRL_INDICATOR,
  OID_INVALIDITY_DATE,
  OID_ISSUING_DISTRIBUTION_POINT,
} from './oids.js';

/** CRLReason names in code order (RFC 5280 §5.3.1); code 7 is not used. */
const REASON_CODES = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  undefined,
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

/** Reason for the revocation of a certificate, as RFC 5280 §5.3.1 names it. */
export type RevocationReason = Exclude<(typeof REASON_CODES)[number], undefined>;

/** CRLs must be DER (RFC 5280 §5), so the nested values are read without the BER forms. */
const DER: BerParseOptions = { definiteOnly: true };

const BOOLEAN_TAG = 1;
const ENUMERATED_TAG = 10;

/** One extension of a CRL or of a CRL entry. */
export interface CrlExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** Content of the extnValue OCTET STRING. */
  readonly value: Uint8Array;
}

/**
 * Reads `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension`, where `Extension ::= SEQUENCE {
 * extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`. An
 * extension that appears twice makes the list malformed (RFC 5280 §4.2).
 */
export function readCrlExtensions(node: Asn1Node | undefined, what: string): CrlExtension[] {
  const list = readSequence(node, what);
  if (list.length === 0) throw new CmsParseError(`${what} is empty`);
  const seen = new Set<string>();
  return list.map((extension) => {
    const [idNode, second, third, extra] = readSequence(extension, `${what} entry`);
    const oid = readOid(idNode, `${what} extnID`);
    if (seen.has(oid)) throw new CmsParseError(`${what} has extension ${oid} twice`);
    seen.add(oid);

    const criticalNode = third === undefined ? undefined : second;
    const valueNode = third ?? second;
    if (
      extra !== undefined ||
      valueNode === undefined ||
      !isUniversal(valueNode, TAG.octetString) ||
      valueNode.constructed ||
      (criticalNode !== undefined && !isUniversal(criticalNode, BOOLEAN_TAG))
    ) {
      throw new CmsParseError(`${what} extension ${oid} is malformed`);
    }
    const critical = criticalNode !== undefined && readBoolean(criticalNode, `${oid} critical`);
    return { oid, critical, value: valueNode.value };
  });
}

/** Reads a primitive BOOLEAN, universal or IMPLICIT-tagged: one content octet. */
function readBoolean(node: Asn1Node, what: string): boolean {
  if (node.constructed || node.valueLength !== 1) throw new CmsParseError(`${what} is malformed`);
  return node.value[0] !== 0;
}

/** Fields read from the extensions of a CRL itself. */
export interface RevocationListExtensions {
  /** keyIdentifier of the authorityKeyIdentifier extension, if any. */
  readonly authorityKeyIdentifier: Uint8Array | undefined;
  /** cRLNumber in lowercase hexadecimal, if any. */
  readonly crlNumber: string | undefined;
  readonly scope: RevocationListScope;
}

/**
 * Certificates a CRL covers, from its issuingDistributionPoint extension (RFC 5280 §5.2.5). A CRL
 * without that extension covers every certificate of its issuer.
 */
export interface RevocationListScope {
  /** DER of each GeneralName of the distribution point's fullName; undefined when unscoped. */
  readonly distributionPointNames: readonly Uint8Array[] | undefined;
  readonly onlyUserCertificates: boolean;
  readonly onlyCaCertificates: boolean;
}

const FULL_SCOPE: RevocationListScope = {
  distributionPointNames: undefined,
  onlyUserCertificates: false,
  onlyCaCertificates: false,
};

/**
 * Reads the crlExtensions of a CRL. A delta CRL, an indirect CRL, a CRL that covers only some
 * reasons or only attribute certificates, and an unknown critical extension raise
 * NotSupportedError, because such a list does not give the status of every certificate of its
 * issuer.
 */
export function readListExtensions(extensions: readonly CrlExtension[]): RevocationListExtensions {
  let authorityKeyIdentifier: Uint8Array | undefined;
  let crlNumber: string | undefined;
  let scope = FULL_SCOPE;
  for (const { oid, critical, value } of extensions) {
    if (oid === OID_AUTHORITY_KEY_IDENTIFIER) {
      authorityKeyIdentifier = readAuthorityKeyIdentifier(value);
    } else if (oid === OID_CRL_NUMBER) {
      crlNumber = readCrlNumber(value);
    } else if (oid === OID_ISSUING_DISTRIBUTION_POINT) {
      scope = readIssuingDistributionPoint(value);
    } else if (oid === OID_DELTA_CRL_INDICATOR) {
      throw new NotSupportedError('delta CRLs not supported');
    } else if (critical) {
      throw new NotSupportedError(`critical CRL extension ${oid} not supported`);
    }
  }
  return { authorityKeyIdentifier, crlNumber, scope };
}

/** Fields read from the extensions of one CRL entry. */
export interface EntryExtensions {
  readonly reason: RevocationReason | undefined;
  readonly invalidityDate: Date | undefined;
}

/**
 * Reads the crlEntryExtensions of one entry. A certificateIssuer extension, which makes the entry
 * one of an indirect CRL, and an unknown critical extension raise NotSupportedError.
 */
export function readEntryExtensions(extensions: readonly CrlExtension[]): EntryExtensions {
  let reason: RevocationReason | undefined;
  let invalidityDate: Date | undefined;
  for (const { oid, critical, value } of extensions) {
    if (oid === OID_CRL_REASON) reason = readReasonCode(value);
    else if (oid === OID_INVALIDITY_DATE) invalidityDate = readInvalidityDate(value);
    else if (oid === OID_CERTIFICATE_ISSUER) {
      throw new NotSupportedError('indirect CRL entries (certificateIssuer) not supported');
    } else if (critical) {
      throw new NotSupportedError(`critical CRL entry extension ${oid} not supported`);
    }
  }
  return { reason, invalidityDate };
}

/** Reads `CRLReason ::= ENUMERATED` (RFC 5280 §5.3.1). */
function readReasonCode(value: Uint8Array): RevocationReason {
  const node = parseBer(value, 'CRL reason code', DER);
  if (!isUniversal(node, ENUMERATED_TAG) || node.constructed || node.valueLength !== 1) {
    throw new CmsParseError('CRL reason code is malformed');
  }
  const code = node.value[0] ?? 0;
  const reason = REASON_CODES[code];
  if (reason === undefined) throw new CmsParseError(`CRL reason code ${code} is invalid`);
  return reason;
}

/** Reads `InvalidityDate ::= GeneralizedTime` (RFC 5280 §5.3.2). */
function readInvalidityDate(value: Uint8Array): Date {
  const node = parseBer(value, 'CRL invalidityDate', DER);
  if (!isUniversal(node, TAG.generalizedTime)) {
    throw new CmsParseError('CRL invalidityDate is not a GeneralizedTime');
  }
  return readTime(node, 'CRL invalidityDate');
}

/**
 * Reads `CRLNumber ::= INTEGER (0..MAX)` (RFC 5280 §5.2.3), of at most 20 octets, as lowercase
 * hexadecimal.
 */
function readCrlNumber(value: Uint8Array): string {
  const bytes = readIntegerBytes(parseBer(value, 'cRLNumber', DER), 'cRLNumber');
  const first = bytes[0] ?? 0;
  if (first & 0x80) throw new CmsParseError('cRLNumber is negative');
  // A positive number may need a leading zero octet for its sign, on top of its 20 octets.
  if (bytes.length > (first === 0 ? 21 : 20)) throw new CmsParseError('cRLNumber is too long');
  return hexEncode(bytes);
}

/**
 * Reads the keyIdentifier of `AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0]
 * KeyIdentifier OPTIONAL, authorityCertIssuer [1] GeneralNames OPTIONAL,
 * authorityCertSerialNumber [2] CertificateSerialNumber OPTIONAL }` (RFC 5280 §4.2.1.1).
 */
function readAuthorityKeyIdentifier(value: Uint8Array): Uint8Array | undefined {
  const fields = readSequence(parseBer(value, 'authorityKeyIdentifier', DER), 'AKI');
  const keyIdentifier = fields.find((field) => isContext(field, 0));
  if (keyIdentifier === undefined) return undefined;
  if (keyIdentifier.constructed) throw new CmsParseError('AKI keyIdentifier is malformed');
  return keyIdentifier.value;
}

/**
 * Reads `IssuingDistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName
 * OPTIONAL, onlyContainsUserCerts [1] BOOLEAN DEFAULT FALSE, onlyContainsCACerts [2] BOOLEAN
 * DEFAULT FALSE, onlySomeReasons [3] ReasonFlags OPTIONAL, indirectCRL [4] BOOLEAN DEFAULT FALSE,
 * onlyContainsAttributeCerts [5] BOOLEAN DEFAULT FALSE }` (RFC 5280 §5.2.5).
 */
function readIssuingDistributionPoint(value: Uint8Array): RevocationListScope {
  const what = 'issuingDistributionPoint';
  const fields = readSequence(parseBer(value, what, DER), what);
  let distributionPointNames: Uint8Array[] | undefined;
  const flags = [false, false, false, false, false, false];
  let previous = -1;
  for (const field of fields) {
    const tag = field.tagNumber;
    if (field.tagClass !== 2 || tag <= previous || tag > 5) {
      throw new CmsParseError(`${what} is malformed`);
    }
    previous = tag;
    if (tag === 0) {
      distributionPointNames = readDistributionPointName(field, what);
      if (distributionPointNames === undefined) {
        throw new NotSupportedError(`${what} name relative to the CRL issuer not supported`);
      }
    } else if (tag === 3) {
      throw new NotSupportedError('CRLs that cover only some revocation reasons not supported');
    } else flags[tag] = readBoolean(field, `${what} field [${tag}]`);
  }
  const [, onlyUserCertificates = false, onlyCaCertificates = false] = flags;
  if (flags[4] === true) throw new NotSupportedError('indirect CRLs not supported');
  if (flags[5] === true) {
    throw new NotSupportedError('CRLs of attribute certificates not supported');
  }
  if (onlyUserCertificates && onlyCaCertificates) {
    throw new CmsParseError(`${what} asserts both onlyContainsUserCerts and onlyContainsCACerts`);
  }
  return { distributionPointNames, onlyUserCertificates, onlyCaCertificates };
}

/**
 * Reads a `[0] DistributionPointName ::= CHOICE { fullName [0] GeneralNames,
 * nameRelativeToCRLIssuer [1] RelativeDistinguishedName }` field and returns the DER of each
 * GeneralName of the fullName, or undefined for a name relative to the CRL issuer. The tag of a
 * CHOICE is explicit, so the field wraps the choice.
 */
function readDistributionPointName(field: Asn1Node, what: string): Uint8Array[] | undefined {
  const choice = readExplicit(field, `${what} distributionPoint`);
  if (isContext(choice, 0) && choice.constructed && choice.children.length > 0) {
    return choice.children.map(encodedBytes);
  }
  if (isContext(choice, 1) && choice.constructed) return undefined;
  throw new CmsParseError(`${what} distributionPoint is malformed`);
}

/**
 * Returns the DER of the fullName GeneralNames of every distribution point in a certificate's
 * cRLDistributionPoints value (RFC 5280 §4.2.1.13) that has neither `reasons` nor `cRLIssuer`:
 * only there does the certificate issuer's own list cover every reason. Names relative to the CRL
 * issuer are left out. Raises CmsParseError when the value cannot be read.
 */
export function readCertificateDistributionPointNames(value: Uint8Array): Uint8Array[] {
  const what = 'cRLDistributionPoints';
  const names: Uint8Array[] = [];
  for (const point of readSequence(parseBer(value, what, DER), what)) {
    const fields = readSequence(point, 'DistributionPoint');
    const nameField = fields.find((field) => isContext(field, 0));
    const partial = fields.some((field) => isContext(field, 1) || isContext(field, 2));
    if (nameField !== undefined && !partial) {
      names.push(...(readDistributionPointName(nameField, 'DistributionPoint') ?? []));
    }
  }
  return names;
}
