/**
 * Summary of a CMS object without any key, for `mcptt-smime inspect`.
 *
 * @module
 */

import { CmsParseError, McpttError } from '../errors.js';
import { parseCertificate } from './certificate.js';
import { parseContentInfo } from './content-info.js';
import type { Asn1Node } from './der.js';
import { readTime } from './der.js';
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
  /** `serial <hex>` or `ski <hex>`; empty for kinds without an identifier. */
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
}

/**
 * Summarises a ContentInfo: content type, recipients and content encryption of an envelope, or
 * signers, certificates and content size of a SignedData. Raises CmsParseError on malformed
 * input; unknown algorithms are shown by OID rather than rejected.
 */
export function inspectCms(der: Uint8Array): CmsSummary {
  const { contentType, content } = parseContentInfo(der);
  const base = { contentType: oidName(contentType), size: der.length };
  if (content === undefined) return base;
  if (contentType === OID_SIGNED_DATA) return { ...base, ...summariseSignedData(content) };
  if (contentType === OID_ENVELOPED_DATA || contentType === OID_AUTH_ENVELOPED_DATA) {
    const envelope = readEnvelope(content, contentType === OID_AUTH_ENVELOPED_DATA);
    return {
      ...base,
      recipients: envelope.recipients.flatMap(summariseRecipient),
      contentEncryption: oidName(envelope.contentEncryption.oid),
    };
  }
  return base;
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
  return [{ type: info.type, keyManagement: 'unsupported', id: '' }];
}

function summariseSignedData(content: Asn1Node): Omit<CmsSummary, 'contentType' | 'size'> {
  const signedData = readSignedData(content);
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
  const summary = { signers, certificates };
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
