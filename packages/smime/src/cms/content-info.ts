/**
 * ContentInfo, the outer wrapper of every CMS object (RFC 5652 §3).
 *
 * ```asn1
 * ContentInfo ::= SEQUENCE {
 *   contentType ContentType,
 *   content [0] EXPLICIT ANY DEFINED BY contentType }
 * ```
 *
 * @module
 */

import { CmsParseError, LimitExceededError, NotSupportedError } from '../errors.js';
import { MAX_BODY_BYTES } from '../limits.js';
import {
  type Asn1Node,
  derExplicit,
  derOid,
  derSequence,
  isContext,
  parseBer,
  readExplicit,
  readOctets,
  readOid,
  readSequence,
  derEncode,
  type DerInput,
} from './der.js';
import {
  OID_AUTH_ENVELOPED_DATA,
  OID_DATA,
  OID_ENVELOPED_DATA,
  OID_SIGNED_DATA,
  oidName,
} from './oids.js';

/** S/MIME types of an application/pkcs7-mime body (RFC 8551 §3.2.2, RFC 5083). */
export type SmimeType = 'signed-data' | 'enveloped-data' | 'authEnveloped-data' | 'certs-only';

/** A parsed ContentInfo. */
export interface ContentInfo {
  readonly contentType: string;
  /** The content, or undefined when the optional field is absent. */
  readonly content: Asn1Node | undefined;
}

/**
 * Parses a ContentInfo that must span `der` exactly. Raises LimitExceededError past
 * MAX_BODY_BYTES and CmsParseError on malformed input or trailing bytes.
 */
export function parseContentInfo(der: Uint8Array): ContentInfo {
  if (der.length > MAX_BODY_BYTES) {
    throw new LimitExceededError('CMS object exceeds MAX_BODY_BYTES');
  }
  const fields = readSequence(parseBer(der, 'CMS ContentInfo'), 'ContentInfo');
  const contentType = readOid(fields[0], 'ContentInfo contentType');
  const wrapper = fields[1];
  if (fields.length > 2 || (wrapper !== undefined && !isContext(wrapper, 0))) {
    throw new CmsParseError('ContentInfo is malformed');
  }
  const content = wrapper === undefined ? undefined : readExplicit(wrapper, 'ContentInfo content');
  return { contentType, content };
}

/** Parses a ContentInfo and returns its content, raising CmsParseError unless it has `expected`. */
export function expectContent(der: Uint8Array, expected: string): Asn1Node {
  return expectContentType(parseContentInfo(der), expected);
}

/** Returns the content of a parsed ContentInfo, raising CmsParseError unless it has `expected`. */
export function expectContentType(
  { contentType, content }: ContentInfo,
  expected: string,
): Asn1Node {
  if (contentType !== expected) {
    throw new CmsParseError(
      `CMS content type is ${oidName(contentType)}, expected ${oidName(expected)}`,
    );
  }
  if (content === undefined) throw new CmsParseError('ContentInfo content is missing');
  return content;
}

/** Encodes a ContentInfo around its content, writing the whole encoding once. */
export function encodeContentInfo(contentType: string, content: DerInput): Uint8Array {
  return derEncode(derSequence(derOid(contentType), derExplicit(0, content)));
}

/**
 * Reads the content type of a ContentInfo as an S/MIME type. A SignedData without signers and
 * without encapsulated content (absent or empty eContent) is `certs-only` (RFC 8551 §3.6). One
 * without signers but with content is `signed-data`, so that verification rejects it with
 * SignatureInvalidError (403) in place of passing unverified content as certificates. Trailing bytes and malformed input raise CmsParseError, and other
 * content types raise NotSupportedError.
 *
 * @param der - DER or BER of a ContentInfo.
 * @returns The S/MIME type, or `data` for id-data.
 */
export function getCmsContentType(der: Uint8Array): SmimeType | 'data' {
  return contentInfoType(parseContentInfo(der));
}

/** Returns the S/MIME type of a parsed ContentInfo, as {@link getCmsContentType} does. */
export function contentInfoType({ contentType, content }: ContentInfo): SmimeType | 'data' {
  switch (contentType) {
    case OID_DATA:
      return 'data';
    case OID_ENVELOPED_DATA:
      return 'enveloped-data';
    case OID_AUTH_ENVELOPED_DATA:
      return 'authEnveloped-data';
    case OID_SIGNED_DATA:
      return isCertsOnly(content) ? 'certs-only' : 'signed-data';
    default:
      throw new NotSupportedError(`CMS content type ${oidName(contentType)} not supported`);
  }
}

/**
 * Tells whether a SignedData is certs-only: no SignerInfo, and an EncapsulatedContentInfo
 * `SEQUENCE { eContentType, [0] EXPLICIT eContent OCTET STRING OPTIONAL }` without content.
 */
function isCertsOnly(content: Asn1Node | undefined): boolean {
  if (content === undefined) throw new CmsParseError('ContentInfo content is missing');
  const fields = readSequence(content, 'SignedData');
  const signerInfos = readSequence(fields[fields.length - 1], 'SignedData signerInfos', 17);
  if (signerInfos.length > 0) return false;
  const [, eContent] = readSequence(fields[2], 'SignedData encapContentInfo');
  if (eContent === undefined) return true;
  if (!isContext(eContent, 0)) throw new CmsParseError('SignedData eContent is malformed');
  return readOctets(readExplicit(eContent, 'eContent'), 'eContent').length === 0;
}
