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
import { readRecipientInfos, type RecipientInfo } from './recipient-info.js';

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
  readSmallInteger(fields[0], `${name} version`);
  let index = 1;
  if (fields[index] !== undefined && isContext(fields[index] as Asn1Node, 0)) index++;
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
