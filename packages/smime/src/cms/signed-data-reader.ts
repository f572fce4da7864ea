/**
 * Reader of SignedData (RFC 5652 §5) into plain fields, without any cryptographic check.
 *
 * ```asn1
 * SignedData ::= SEQUENCE {
 *   version CMSVersion,
 *   digestAlgorithms DigestAlgorithmIdentifiers,
 *   encapContentInfo EncapsulatedContentInfo,
 *   certificates [0] IMPLICIT CertificateSet OPTIONAL,
 *   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
 *   signerInfos SignerInfos }
 *
 * SignerInfo ::= SEQUENCE {
 *   version CMSVersion,
 *   sid SignerIdentifier,
 *   digestAlgorithm DigestAlgorithmIdentifier,
 *   signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
 *   signatureAlgorithm SignatureAlgorithmIdentifier,
 *   signature SignatureValue,
 *   unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
 * ```
 *
 * @module
 */

import { cloneBytes } from '../bytes.js';
import { CmsParseError, LimitExceededError } from '../errors.js';
import { MAX_CERTIFICATES } from '../limits.js';
import {
  type AlgorithmIdentifier,
  type Asn1Node,
  TAG,
  childrenOf,
  encodedBytes,
  isContext,
  isUniversal,
  readAlgorithm,
  readExplicit,
  readOctets,
  readOid,
  readSequence,
  readSmallInteger,
} from './der.js';
import { readRecipientIdentifier, type RecipientIdentifier } from './recipient-identifier.js';

/** A signer identifier: issuerAndSerialNumber or `[0] SubjectKeyIdentifier`. */
export type SignerIdentifier = RecipientIdentifier;

/** One SignerInfo. */
export interface SignerInfoFields {
  readonly sid: SignerIdentifier;
  readonly digestAlgorithm: AlgorithmIdentifier;
  /** The signed attributes re-tagged as `SET OF` (0x31), the bytes the signature covers (§5.4). */
  readonly signedAttributesDer: Uint8Array | undefined;
  /** Attribute values by type, in encoded order. */
  readonly signedAttributes: ReadonlyMap<string, readonly Asn1Node[]>;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
}

/** The fields of one SignedData. */
export interface SignedDataFields {
  readonly version: number;
  readonly digestAlgorithms: readonly AlgorithmIdentifier[];
  readonly eContentType: string;
  /** Encapsulated content with BER chunks joined, or undefined for a detached signature. */
  readonly eContent: Uint8Array | undefined;
  /** DER of each certificate of the `certificate` choice; other choices are skipped. */
  readonly certificates: readonly Uint8Array[];
  readonly signers: readonly SignerInfoFields[];
}

/** Reads the fields of a SignedData node. Raises CmsParseError on malformed input. */
export function readSignedData(node: Asn1Node): SignedDataFields {
  const fields = readSequence(node, 'SignedData');
  const version = readSmallInteger(fields[0], 'SignedData version');
  const digestAlgorithms = readSequence(fields[1], 'SignedData digestAlgorithms', TAG.set).map(
    (algorithm) => readAlgorithm(algorithm, 'digestAlgorithm'),
  );
  const [eContentTypeNode, eContentWrapper, extra] = readSequence(fields[2], 'encapContentInfo');
  if (extra !== undefined || (eContentWrapper !== undefined && !isContext(eContentWrapper, 0))) {
    throw new CmsParseError('encapContentInfo is malformed');
  }
  const eContent = eContentWrapper === undefined ? undefined : readEContent(eContentWrapper);

  let index = 3;
  let certificates: Uint8Array[] = [];
  if (fields[index] !== undefined && isContext(fields[index] as Asn1Node, 0)) {
    certificates = readCertificateSet(fields[index] as Asn1Node);
    index++;
  }
  if (fields[index] !== undefined && isContext(fields[index] as Asn1Node, 1)) index++;
  const signerInfos = readSequence(fields[index], 'SignedData signerInfos', TAG.set);
  if (index + 1 !== fields.length) throw new CmsParseError('SignedData is malformed');

  return {
    version,
    digestAlgorithms,
    eContentType: readOid(eContentTypeNode, 'eContentType'),
    eContent,
    certificates,
    signers: signerInfos.map(readSignerInfo),
  };
}

function readEContent(wrapper: Asn1Node): Uint8Array {
  const inner = readExplicit(wrapper, 'eContent');
  if (!isUniversal(inner, TAG.octetString)) {
    throw new CmsParseError('eContent is not an OCTET STRING');
  }
  return readOctets(inner, 'eContent');
}

function readCertificateSet(node: Asn1Node): Uint8Array[] {
  const choices = childrenOf(node, 'SignedData certificates');
  if (choices.length > MAX_CERTIFICATES) {
    throw new LimitExceededError(
      `SignedData carries more than ${MAX_CERTIFICATES} certificates (MAX_CERTIFICATES)`,
    );
  }
  // Attribute certificates and other formats ([0] to [3]) play no part in S/MIME signer checks.
  return choices.filter((choice) => isUniversal(choice, TAG.sequence)).map(encodedBytes);
}

function readSignerInfo(node: Asn1Node): SignerInfoFields {
  const fields = readSequence(node, 'SignerInfo');
  readSmallInteger(fields[0], 'SignerInfo version');
  const sid = readRecipientIdentifier(fields[1], 'SignerInfo sid');
  const digestAlgorithm = readAlgorithm(fields[2], 'SignerInfo digestAlgorithm');

  let index = 3;
  let signedAttributesDer: Uint8Array | undefined;
  let signedAttributes = new Map<string, readonly Asn1Node[]>();
  const maybeAttributes = fields[index];
  if (maybeAttributes !== undefined && isContext(maybeAttributes, 0)) {
    signedAttributesDer = cloneBytes(encodedBytes(maybeAttributes));
    signedAttributesDer[0] = 0x31;
    signedAttributes = readAttributes(maybeAttributes);
    index++;
  }
  const signatureAlgorithm = readAlgorithm(fields[index], 'SignerInfo signatureAlgorithm');
  const signatureNode = fields[index + 1];
  if (signatureNode === undefined || !isUniversal(signatureNode, TAG.octetString)) {
    throw new CmsParseError('SignerInfo signature is missing');
  }
  const rest = fields.slice(index + 2);
  if (rest.length > 1 || (rest[0] !== undefined && !isContext(rest[0], 1))) {
    throw new CmsParseError('SignerInfo is malformed');
  }
  return {
    sid,
    digestAlgorithm,
    signedAttributesDer,
    signedAttributes,
    signatureAlgorithm,
    signature: readOctets(signatureNode, 'SignerInfo signature'),
  };
}

/** Reads `SET OF Attribute`, where `Attribute ::= SEQUENCE { attrType, attrValues SET OF }`. */
function readAttributes(node: Asn1Node): Map<string, readonly Asn1Node[]> {
  const attributes = new Map<string, readonly Asn1Node[]>();
  for (const attribute of childrenOf(node, 'signedAttrs')) {
    const [type, values, extra] = readSequence(attribute, 'Attribute');
    if (extra !== undefined) throw new CmsParseError('Attribute is malformed');
    const oid = readOid(type, 'attrType');
    const list = readSequence(values, 'attrValues', TAG.set);
    // RFC 5652 §11: contentType, messageDigest and signingTime carry one value and appear once.
    // A repeated type is stored with no value, which the verifier rejects for those three.
    attributes.set(oid, attributes.has(oid) ? [] : list);
  }
  return attributes;
}
