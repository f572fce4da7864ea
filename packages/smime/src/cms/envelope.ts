/**
 * EnvelopedData (RFC 5652 §6.1) and AuthEnvelopedData (RFC 5083 §2.1) structures. PKIjs has no
 * AuthEnvelopedData, and its AES-GCM EnvelopedData is not standard, so both are written here.
 *
 * ```asn1
 * EnvelopedData ::= SEQUENCE {
 *   version CMSVersion,
 *   originatorInfo [0] IMPLICIT OriginatorInfo OPTIONAL,
 *   recipientInfos RecipientInfos,
 *   encryptedContentInfo EncryptedContentInfo,
 *   unprotectedAttrs [1] IMPLICIT UnprotectedAttributes OPTIONAL }
 *
 * AuthEnvelopedData ::= SEQUENCE {
 *   version CMSVersion,
 *   originatorInfo [0] IMPLICIT OriginatorInfo OPTIONAL,
 *   recipientInfos RecipientInfos,
 *   authEncryptedContentInfo EncryptedContentInfo,
 *   authAttrs [1] IMPLICIT AuthAttributes OPTIONAL,
 *   mac MessageAuthenticationCode,
 *   unauthAttrs [2] IMPLICIT UnauthAttributes OPTIONAL }
 *
 * EncryptedContentInfo ::= SEQUENCE {
 *   contentType ContentType,
 *   contentEncryptionAlgorithm ContentEncryptionAlgorithmIdentifier,
 *   encryptedContent [0] IMPLICIT EncryptedContent OPTIONAL }
 * ```
 *
 * @module
 */

import { cloneBytes } from '../bytes.js';
import { CmsParseError } from '../errors.js';
import {
  type AlgorithmIdentifier,
  type Asn1Node,
  TAG,
  childrenOf,
  derImplicitPrimitive,
  derOctetString,
  derOid,
  derSequence,
  derSetOf,
  derSmallInteger,
  encodedBytes,
  isContext,
  isUniversal,
  readAlgorithm,
  readOctets,
  readOid,
  readSequence,
  readSmallInteger,
  type DerElement,
  type DerInput,
} from './der.js';
import { OID_DATA } from './oids.js';
import { checkVersion, readRecipientInfos, type RecipientInfo } from './recipient-info.js';

/** The fields of an EnvelopedData or AuthEnvelopedData that decryption needs. */
export interface Envelope {
  readonly authenticated: boolean;
  readonly recipients: readonly RecipientInfo[];
  readonly contentType: string;
  readonly contentEncryption: AlgorithmIdentifier;
  /** Undefined when the ciphertext is carried outside the structure, which is not supported. */
  readonly encryptedContent: Uint8Array | undefined;
  /** DER of authAttrs with the SET OF tag, the GCM additional data (RFC 5083 §2.2). */
  readonly authAttributes: Uint8Array | undefined;
  readonly mac: Uint8Array | undefined;
}

/** Reads an EnvelopedData (`authenticated` false) or AuthEnvelopedData node. */
export function readEnvelope(node: Asn1Node, authenticated: boolean): Envelope {
  const name = authenticated ? 'AuthEnvelopedData' : 'EnvelopedData';
  const fields = readSequence(node, name);
  const version = readSmallInteger(fields[0], `${name} version`);
  let index = 1;
  let originatorInfo: Asn1Node | undefined;
  if (fields[index] !== undefined && isContext(fields[index] as Asn1Node, 0)) {
    originatorInfo = fields[index++];
  }
  const recipients = readRecipientInfos(fields[index]);
  const [contentTypeNode, algorithmNode, contentNode, extra] = readSequence(
    fields[index + 1],
    'EncryptedContentInfo',
  );
  if (extra !== undefined || (contentNode !== undefined && !isContext(contentNode, 0))) {
    throw new CmsParseError('EncryptedContentInfo is malformed');
  }
  const rest = fields.slice(index + 2);

  let authAttributes: Uint8Array | undefined;
  let mac: Uint8Array | undefined;
  if (authenticated) {
    if (rest[0] !== undefined && isContext(rest[0], 1)) {
      authAttributes = cloneBytes(encodedBytes(rest.shift() as Asn1Node));
      authAttributes[0] = 0x31;
    }
    const macNode = rest.shift();
    if (macNode === undefined || !isUniversal(macNode, TAG.octetString)) {
      throw new CmsParseError('mac is missing');
    }
    mac = readOctets(macNode, 'mac');
  }
  const trailing = rest.shift();
  if (rest.length > 0 || (trailing !== undefined && !isContext(trailing, authenticated ? 2 : 1))) {
    throw new CmsParseError(`${name} is malformed`);
  }
  // RFC 5083 §2.1 fixes version 0; RFC 5652 §6.1 derives it from the contents.
  checkVersion(
    `${name} version`,
    version,
    authenticated ? 0 : envelopedDataVersion(originatorInfo, recipients, trailing !== undefined),
  );
  return {
    authenticated,
    recipients,
    contentType: readOid(contentTypeNode, 'EncryptedContentInfo contentType'),
    contentEncryption: readAlgorithm(algorithmNode, 'contentEncryptionAlgorithm'),
    encryptedContent:
      contentNode === undefined ? undefined : readOctets(contentNode, 'encryptedContent'),
    authAttributes,
    mac,
  };
}

/**
 * Returns the EnvelopedData version that RFC 5652 §6.1 gives these contents. It is 4 with
 * certificates or revocation lists of another format in originatorInfo, and 3 with version 2
 * attribute certificates there or with a PasswordRecipientInfo or OtherRecipientInfo. Otherwise
 * it is 0 when originatorInfo and unprotectedAttrs are absent and every RecipientInfo is
 * version 0, and 2 when not.
 */
function envelopedDataVersion(
  originatorInfo: Asn1Node | undefined,
  recipients: readonly RecipientInfo[],
  hasUnprotectedAttrs: boolean,
): number {
  const formats = originatorInfo === undefined ? undefined : readOriginatorFormats(originatorInfo);
  if (formats?.other === true) return 4;
  if (
    formats?.v2AttributeCertificates === true ||
    recipients.some((info) => info.type === 'pwri' || info.type === 'ori')
  ) {
    return 3;
  }
  // A KeyTransRecipientInfo is version 0 only with issuerAndSerialNumber. The other kinds left
  // here are never version 0 (KeyAgreeRecipientInfo is 3, KEKRecipientInfo 4).
  const allVersion0 = recipients.every(
    (info) => info.type === 'ktri' && info.rid.kind === 'issuerAndSerialNumber',
  );
  return originatorInfo === undefined && !hasUnprotectedAttrs && allVersion0 ? 0 : 2;
}

/**
 * Tells which certificate and revocation list formats an originatorInfo carries.
 *
 * ```asn1
 * OriginatorInfo ::= SEQUENCE {
 *   certs [0] IMPLICIT CertificateSet OPTIONAL,
 *   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL }
 * CertificateChoices ::= CHOICE { certificate Certificate, extendedCertificate [0],
 *   v1AttrCert [1], v2AttrCert [2], other [3] }
 * RevocationInfoChoice ::= CHOICE { crl CertificateList, other [1] }
 * ```
 */
function readOriginatorFormats(node: Asn1Node): {
  other: boolean;
  v2AttributeCertificates: boolean;
} {
  const fields = childrenOf(node, 'originatorInfo');
  let index = 0;
  const optional = (tag: number): Asn1Node | undefined => {
    const field = fields[index];
    if (field === undefined || !isContext(field, tag)) return undefined;
    index++;
    return field;
  };
  const certs = optional(0);
  const crls = optional(1);
  if (index !== fields.length) throw new CmsParseError('originatorInfo is malformed');
  const certificates = certs === undefined ? [] : childrenOf(certs, 'originatorInfo certs');
  const lists = crls === undefined ? [] : childrenOf(crls, 'originatorInfo crls');
  return {
    other:
      certificates.some((choice) => isContext(choice, 3)) ||
      lists.some((choice) => isContext(choice, 1)),
    v2AttributeCertificates: certificates.some((choice) => isContext(choice, 2)),
  };
}

/**
 * Encodes an EnvelopedData. Its version is 2 when a KeyAgreeRecipientInfo (version 3) is present
 * and 0 otherwise (RFC 5652 §6.1).
 */
export function encodeEnvelopedData(
  recipientInfos: readonly DerInput[],
  hasKeyAgreement: boolean,
  algorithmDer: DerInput,
  ciphertext: Uint8Array,
): DerElement {
  return derSequence(
    derSmallInteger(hasKeyAgreement ? 2 : 0),
    derSetOf(...recipientInfos),
    encodeEncryptedContentInfo(algorithmDer, ciphertext),
  );
}

/** Encodes an AuthEnvelopedData (version 0, RFC 5083 §2.1) without authAttrs. */
export function encodeAuthEnvelopedData(
  recipientInfos: readonly DerInput[],
  algorithmDer: DerInput,
  ciphertext: Uint8Array,
  mac: Uint8Array,
): DerElement {
  return derSequence(
    derSmallInteger(0),
    derSetOf(...recipientInfos),
    encodeEncryptedContentInfo(algorithmDer, ciphertext),
    derOctetString(mac),
  );
}

function encodeEncryptedContentInfo(algorithmDer: DerInput, ciphertext: Uint8Array): DerElement {
  return derSequence(derOid(OID_DATA), algorithmDer, derImplicitPrimitive(0, ciphertext));
}
