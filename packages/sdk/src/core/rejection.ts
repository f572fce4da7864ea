/**
 * Responses that the socket writes itself: the rejection of an incoming request that failed
 * unprotection, and the synthetic error response that ends a local transaction at once.
 *
 * @module
 */
import { SMIME_BODY_TYPES } from '@mcptt-smime/smime';

import { reasonPhraseOf, type ProtectionFailure } from './failure.js';
import { buildResponseText, type SipText, type SipTextHeader } from './sip-text.js';

/**
 * The Accept header field of a 415, which RFC 3261 §21.4.13 requires: the S/MIME and multipart
 * types that the SDK opens, and the body types of SIP and MCPTT that it hands on.
 */
export const ACCEPTED_BODY_TYPES = [
  'application/sdp',
  ...SMIME_BODY_TYPES,
  'application/vnd.3gpp.mcptt-info+xml',
  'application/vnd.3gpp.mcptt-location-info+xml',
  'application/resource-lists+xml',
  'application/pidf+xml',
  'message/sipfrag',
  'text/plain',
].join(', ');

/** Line width of base64 bodies (RFC 2045 §6.8). */
const BASE64_LINE_WIDTH = 76;

/** Encodes bytes as base64 lines of 76 characters, CRLF-separated. */
export function base64Lines(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const encoded = btoa(binary);
  const lines: string[] = [];
  for (let i = 0; i < encoded.length; i += BASE64_LINE_WIDTH) {
    lines.push(encoded.slice(i, i + BASE64_LINE_WIDTH));
  }
  return lines.join('\r\n');
}

/**
 * Builds the response that rejects an incoming request. A 493 carries the local certificate in
 * an `application/pkcs7-mime; smime-type=certs-only` body when one is available, so that the
 * sender can encrypt to it (RFC 3261 §23.2). Returns undefined when the request lacks a header
 * that the response must copy.
 */
export function buildRejection(
  request: SipText,
  failure: ProtectionFailure,
  toTag: string,
): string | undefined {
  const reason = reasonPhraseOf(failure.sipStatus);
  const headers: SipTextHeader[] = [];
  let body: string | undefined;

  if (failure.sipStatus === 493 && failure.certsOnly !== undefined) {
    headers.push(
      {
        name: 'Content-Type',
        value: 'application/pkcs7-mime; smime-type=certs-only; name=smime.p7c',
      },
      { name: 'Content-Disposition', value: 'attachment; handling=required; filename=smime.p7c' },
      { name: 'Content-Transfer-Encoding', value: 'base64' },
    );
    body = `${base64Lines(failure.certsOnly)}\r\n`;
  }
  if (failure.sipStatus === 415) {
    headers.push({ name: 'Accept', value: ACCEPTED_BODY_TYPES });
    if (failure.acceptEncoding !== undefined) {
      headers.push({ name: 'Accept-Encoding', value: failure.acceptEncoding });
    }
  }

  return buildResponseText(request, failure.sipStatus, reason, {
    toTag,
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

/**
 * Builds the error response that the socket hands to JsSIP in place of a message that could not
 * be protected or unprotected. A Warning header (RFC 3261 §20.43, code 399) names the error code,
 * so that the application can tell this local answer from a remote one.
 */
export function buildSyntheticResponse(
  message: SipText,
  failure: ProtectionFailure,
  toTag: string,
): string | undefined {
  const warning = { name: 'Warning', value: `399 mcptt-smime "${failure.code}"` };
  return buildResponseText(message, failure.sipStatus, reasonPhraseOf(failure.sipStatus), {
    toTag,
    headers: [warning],
  });
}
