/**
 * Builders of the S/MIME entities that protect writes (RFC 8551 §3.3, §3.5, RFC 1847 §2.1,
 * RFC 3261 §23.3).
 *
 * @module
 */

import { base64EncodeLinesCrlf } from '../bytes.js';
import type { SmimeType } from '../cms/index.js';
import { formatContentType } from '../mime/content-type.js';
import { MimeEntity } from '../mime/entity.js';
import { buildMultipartWithFreshBoundary, createBoundary } from '../mime/multipart.js';
import { BASE64_LINE_WIDTH } from '../limits.js';
import type { SipBodyHeaders } from '../sip/message.js';

/**
 * Content-Disposition of every S/MIME part. RFC 3261 §23.3 marks S/MIME parts `handling=required`, so that
 * a receiver that cannot process the part rejects the request in place of ignoring it.
 */
export function smimeDisposition(filename: string): string {
  return `attachment; handling=required; filename=${filename}`;
}

/** Returns the CMS DER as base64 in lines of 76 characters, CRLF-separated and CRLF-terminated. */
export function encodeCmsBody(der: Uint8Array): Uint8Array {
  return base64EncodeLinesCrlf(der, BASE64_LINE_WIDTH);
}

/** Content headers of an `application/pkcs7-mime` entity of this S/MIME type. */
export function pkcs7MimeHeaders(smimeType: SmimeType): SipBodyHeaders {
  const isCertsOnly = smimeType === 'certs-only';
  const filename = isCertsOnly ? 'smime.p7c' : 'smime.p7m';
  return {
    contentType: formatContentType('application/pkcs7-mime', {
      'smime-type': smimeType,
      name: filename,
    }),
    contentTransferEncoding: 'base64',
    contentDisposition: smimeDisposition(filename),
  };
}

/** Builds an `application/pkcs7-mime` entity with base64 CMS content (RFC 8551 §3.2). */
export function createPkcs7MimeEntity(der: Uint8Array, smimeType: SmimeType): MimeEntity {
  const headers = pkcs7MimeHeaders(smimeType);
  return new MimeEntity(
    [
      { name: 'Content-Type', value: headers.contentType },
      { name: 'Content-Transfer-Encoding', value: 'base64' },
      { name: 'Content-Disposition', value: headers.contentDisposition ?? '' },
    ],
    encodeCmsBody(der),
  );
}

/**
 * Builds the RFC 1847 multipart/signed entity around `content`, whose canonical bytes the
 * detached signature `signatureDer` covers. `micalg` names the signature's digest algorithm
 * (RFC 8551 §3.5.3), such as `sha-384` for a P-384 key.
 */
export function createMultipartSigned(
  content: MimeEntity,
  signatureDer: Uint8Array,
  random: Pick<Crypto, 'getRandomValues'>,
  micalg = 'sha-256',
): MimeEntity {
  const signature = new MimeEntity(
    [
      {
        name: 'Content-Type',
        value: formatContentType('application/pkcs7-signature', { name: 'smime.p7s' }),
      },
      { name: 'Content-Transfer-Encoding', value: 'base64' },
      { name: 'Content-Disposition', value: smimeDisposition('smime.p7s') },
    ],
    encodeCmsBody(signatureDer),
  );
  const serialised = [content.toBytes(), signature.toBytes()];
  const boundary = createBoundary(random, serialised);
  const contentType = formatContentType('multipart/signed', {
    protocol: 'application/pkcs7-signature',
    micalg,
    boundary,
  });
  return new MimeEntity(
    [{ name: 'Content-Type', value: contentType }],
    buildMultipartWithFreshBoundary(serialised, boundary),
  );
}

/** Builds a multipart/mixed entity of `parts` with a fresh boundary. */
export function createMultipartMixed(
  parts: readonly MimeEntity[],
  random: Pick<Crypto, 'getRandomValues'>,
): MimeEntity {
  const serialised = parts.map((part) => part.toBytes());
  const boundary = createBoundary(random, serialised);
  return new MimeEntity(
    [{ name: 'Content-Type', value: formatContentType('multipart/mixed', { boundary }) }],
    buildMultipartWithFreshBoundary(serialised, boundary),
  );
}
