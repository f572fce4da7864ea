/**
 * Summary of a CMS object without any key, for `mcptt-smime inspect`.
 *
 * @module
 */

import { hexEncode } from '../bytes.js';
import { CmsParseError, McpttError } from '../errors.js';
import { parseCertificate } from './certificate.js';
import { parseContentInfo } from './content-info.js';
import type { Asn1Node } from './der.js';
import {
  childrenOf,
  isContext,
  readAlgorithm,
  readOctets,
  readOid,
  readSequence,
  readTime,
} from './der.js';
import { readEnvelope } from './envelope.js';
import { describeKeyAgreement } from './key-agreement.js';
import { describeKeyTransport } from './key-transport.js';
import {
  OID_ATTR_SIGNING_TIME,
  OID_AUTH_ENVELOPED_DATA,
  OID_ENVELOPED_DATA,
  OID_SIGNED_DATA,
  oidName,
} from './oids.js';
import { formatIdentifier } from './recipient-identifier.js';
import type { RecipientInfo } from './recipient-info.js';
import { resolveSignatureScheme } from './signature.js';
import { readSignedData } from './signed-data-reader.js';

/** One recipient of an envelope. */
export interface RecipientSummary {
  /** `ktri`, `kari`, `kekri`, `pwri` or `ori`. */
  readonly type: string;
  readonly keyManagement: string;
  /** `serial <hex>`, `ski <hex>` or `kekid <hex>`; empty for kinds without an identifier. */
  readonly id: string;
}

/** One signer of a SignedData. */
export interface SignerSummary {
  readonly id: string;
  readonly digestAlgorithm: string;
  readonly signatureAlgorithm: string;
  /** ISO 8601 signingTime, when the attribute is present. */
  readonly signingTime?: string;
}

/** One certificate carried in a SignedData. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly uris: readonly string[];
}

/** Summary of a CMS structure for `mcptt-smime inspect`, without any key. */
export interface CmsSummary {
  readonly contentType: string;
  /** Size of the input in bytes. */
  readonly size: number;
  readonly recipients?: readonly RecipientSummary[];
  readonly contentEncryption?: string;
  readonly signers?: readonly SignerSummary[];
  readonly certificates?: readonly CertificateSummary[];
  readonly encapsulatedContentSize?: number;
  /** Content type of the content that a SignedData carries, such as `data`. */
  readonly encapsulatedContentType?: string;
}

/** A {@link CmsSummary}, and the content that a SignedData carries, to describe in turn. */
export interface InspectedCms {
  readonly summary: CmsSummary;
  readonly encapsulatedContent?: Uint8Array;
}

/**
 * Summarises a ContentInfo: content type, recipients and content encryption of an envelope, or
 * signers, certificates and content size of a SignedData. Raises CmsParseError on malformed
 * input; unknown algorithms are shown by OID rather than rejected.
 *
 * @param der - DER or BER of a ContentInfo.
 * @returns The summary, for display; nothing in it is verified.
 */
export function inspectCms(der: Uint8Array): CmsSummary {
  return inspectCmsContent(der).summary;
}

/**
 * Summarises a ContentInfo as {@link inspectCms} does, and returns the content that a SignedData
 * carries, so that a caller can describe the MIME entity inside an opaque signature.
 *
 * @internal
 */
export function inspectCmsContent(der: Uint8Array): InspectedCms {
  const { contentType, content } = parseContentInfo(der);
  const base = { contentType: oidName(contentType), size: der.length };
  if (content === undefined) return { summary: base };
  if (contentType === OID_SIGNED_DATA) {
    const signedData = readSignedData(content);
    const summary = { ...base, ...summariseSignedData(signedData) };
    return signedData.eContent === undefined
      ? { summary }
      : { summary, encapsulatedContent: signedData.eContent };
  }
  if (contentType === OID_ENVELOPED_DATA || contentType === OID_AUTH_ENVELOPED_DATA) {
    const envelope = readEnvelope(content, contentType === OID_AUTH_ENVELOPED_DATA);
    const summary = {
      ...base,
      recipients: envelope.recipients.flatMap(summariseRecipient),
      contentEncryption: oidName(envelope.contentEncryption.oid),
    };
    return { summary };
  }
  return { summary: base };
}

function summariseRecipient(info: RecipientInfo): RecipientSummary[] {
  if (info.type === 'ktri') {
    return [
      {
        type: 'ktri',
        keyManagement: describeKeyTransport(info.keyEncryptionAlgorithm),
        id: formatIdentifier(info.rid),
      },
    ];
  }
  if (info.type === 'kari') {
    const keyManagement = describeKeyAgreement(info);
    return info.recipientEncryptedKeys.map((key) => ({
      type: 'kari',
      keyManagement,
      id: formatIdentifier(key.rid),
    }));
  }
  return [summariseOtherRecipient(info.type, childrenOf(info.node, info.type))];
}

/**
 * Describes a recipient kind that this library does not decrypt for, from the fields that need
 * no key (RFC 5652 §6.2.3 to §6.2.5):
 *
 * ```
 * KEKRecipientInfo ::= SEQUENCE { version, kekid KEKIdentifier, keyEncryptionAlgorithm, ... }
 * KEKIdentifier ::= SEQUENCE { keyIdentifier OCTET STRING, ... }
 * PasswordRecipientInfo ::= SEQUENCE { version, keyDerivationAlgorithm [0] OPTIONAL,
 *   keyEncryptionAlgorithm, encryptedKey }
 * OtherRecipientInfo ::= SEQUENCE { oriType OBJECT IDENTIFIER, oriValue ANY }
 * ```
 */
function summariseOtherRecipient(
  type: 'kekri' | 'pwri' | 'ori',
  fields: readonly Asn1Node[],
): RecipientSummary {
  if (type === 'kekri') {
    const [keyIdentifier] = readSequence(fields[1], 'KEKIdentifier');
    if (keyIdentifier === undefined) throw new CmsParseError('KEKIdentifier is malformed');
    const wrap = readAlgorithm(fields[2], 'keyEncryptionAlgorithm');
    const id = `kekid ${hexEncode(readOctets(keyIdentifier, 'keyIdentifier'))}`;
    return { type, keyManagement: oidName(wrap.oid), id };
  }
  if (type === 'pwri') {
    const derivation = fields[1] !== undefined && isContext(fields[1], 0) ? fields[1] : undefined;
    const wrapField = fields[derivation === undefined ? 1 : 2];
    const wrap = oidName(readAlgorithm(wrapField, 'keyEncryptionAlgorithm').oid);
    if (derivation === undefined) return { type, keyManagement: wrap, id: '' };
    // The derivation is an IMPLICIT AlgorithmIdentifier, so its first child is the OID.
    const [kdf] = childrenOf(derivation, 'keyDerivationAlgorithm');
    const keyManagement = `${oidName(readOid(kdf, 'keyDerivationAlgorithm'))} ${wrap}`;
    return { type, keyManagement, id: '' };
  }
  return { type, keyManagement: oidName(readOid(fields[0], 'oriType')), id: '' };
}

function summariseSignedData(
  signedData: ReturnType<typeof readSignedData>,
): Omit<CmsSummary, 'contentType' | 'size'> {
  const signers = signedData.signers.map((signer): SignerSummary => {
    const time = signer.signedAttributes.get(OID_ATTR_SIGNING_TIME)?.[0];
    const summary = {
      id: formatIdentifier(signer.sid),
      digestAlgorithm: oidName(signer.digestAlgorithm.oid),
      signatureAlgorithm: describeSignature(signer.signatureAlgorithm, signer.digestAlgorithm.oid),
    };
    return time === undefined
      ? summary
      : { ...summary, signingTime: readTime(time, 'signingTime').toISOString() };
  });
  const certificates = signedData.certificates.map((der): CertificateSummary => {
    const certificate = parseCertificate(der);
    return { subject: certificate.subject, issuer: certificate.issuer, uris: certificate.uris };
  });
  const summary = {
    signers,
    certificates,
    encapsulatedContentType: oidName(signedData.eContentType),
  };
  return signedData.eContent === undefined
    ? summary
    : { ...summary, encapsulatedContentSize: signedData.eContent.length };
}

function describeSignature(
  algorithm: Parameters<typeof resolveSignatureScheme>[0],
  digestOid: string,
): string {
  try {
    return resolveSignatureScheme(algorithm, oidName(digestOid).toUpperCase()).label;
  } catch (error) {
    if (error instanceof McpttError && !(error instanceof CmsParseError)) {
      return oidName(algorithm.oid);
    }
    throw error;
  }
}
