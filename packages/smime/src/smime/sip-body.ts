/**
 * Moves a SIP message body in and out of a MIME entity, so that the body and the body parts of a
 * multipart are handled by the same code.
 *
 * @module
 */

import { MimeEntity } from '../mime/entity.js';
import type { MimeHeader } from '../mime/entity.js';
import { OPTIONAL_BODY_HEADERS, withBuiltBody } from '../sip/message.js';
import type { SipBodyHeaders, SipMessage } from '../sip/message.js';

/** Content headers of a SIP message that describe its body (RFC 3261 §20). */
const BODY_HEADER_NAMES = [
  'Content-Type',
  'Content-Transfer-Encoding',
  'Content-Disposition',
  'Content-Encoding',
  'Content-ID',
  'Content-Language',
  'Content-Description',
] as const;

/**
 * Returns the body of `message` as a MIME entity with the message's content headers, or
 * undefined when the message has no body.
 */
export function messageBodyEntity(message: SipMessage): MimeEntity | undefined {
  if (message.body.length === 0 && message.getHeader('Content-Type') === undefined) {
    return undefined;
  }

  const headers: MimeHeader[] = [];
  for (const name of BODY_HEADER_NAMES) {
    const value = message.getHeader(name);
    if (value !== undefined) headers.push({ name, value });
  }
  return new MimeEntity(headers, message.body);
}

/** Returns a copy of `message` whose body and content headers are those of `entity`. */
export function withEntityBody(message: SipMessage, entity: MimeEntity): SipMessage {
  return message.withBody(entity.body, entityBodyHeaders(entity));
}

/** Returns the content headers of `entity` in the shape {@link SipMessage.withBody} takes. */
export function entityBodyHeaders(entity: MimeEntity): SipBodyHeaders {
  const headers: { -readonly [K in keyof SipBodyHeaders]: SipBodyHeaders[K] } = {
    contentType: entity.getHeader('Content-Type') ?? 'text/plain',
  };
  for (const [option, name] of OPTIONAL_BODY_HEADERS) {
    const value = entity.getHeader(name);
    if (value !== undefined) headers[option] = value;
  }
  return headers;
}

/**
 * Content headers that describe a multipart body as a whole rather than its bytes. They stay
 * on the message when protect or unprotect builds a new multipart body.
 */
const MULTIPART_DESCRIPTION = [
  ['contentLanguage', 'Content-Language'],
  ['contentId', 'Content-ID'],
  ['contentDescription', 'Content-Description'],
] as const;

/**
 * Returns a copy of `message` whose body is the multipart entity `mixed`, keeping the
 * Content-Language, Content-ID and Content-Description that `message` gave its multipart body.
 * With `built`, the message takes the body of `mixed` without a copy: pass it only for an entity
 * just built that nothing else keeps.
 */
export function withMultipartBody(
  message: SipMessage,
  mixed: MimeEntity,
  built = false,
): SipMessage {
  const headers: { -readonly [K in keyof SipBodyHeaders]: SipBodyHeaders[K] } =
    entityBodyHeaders(mixed);
  for (const [option, name] of MULTIPART_DESCRIPTION) {
    const value = message.getHeader(name);
    if (value !== undefined) headers[option] = value;
  }
  return built
    ? withBuiltBody(message, mixed.body, headers)
    : message.withBody(mixed.body, headers);
}
