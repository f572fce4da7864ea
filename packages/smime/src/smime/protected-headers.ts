/**
 * Header fields carried inside the signed content, in a `message/sipfrag` part (RFC 3420), so that
 * the SIP core cannot change them unseen. RFC 3261 §23.4 protects header fields by tunnelling
 * them in the S/MIME body, and the receiver compares them with the fields outside.
 *
 * @module
 */

import { utf8Encode } from '../bytes.js';
import { HeaderMismatchError, LimitExceededError, MimeParseError } from '../errors.js';
import { MAX_HEADER_COUNT } from '../limits.js';
import { MimeEntity } from '../mime/entity.js';
import { hasControl, isValidHeaderField, parseHeaderFields } from '../mime/header-section.js';
import { isToken, splitList } from '../sip/grammar.js';
import { canonicalHeaderName, isListHeader } from '../sip/header-names.js';
import type { SipHeader, SipMessage } from '../sip/message.js';

/** Media type of a header fragment (RFC 3420). */
export const HEADER_FRAGMENT_TYPE = 'message/sipfrag';

/**
 * Header fields that proxies add, remove or change on the way (RFC 3261 §16.6, RFC 3327), and
 * the fields that describe the body, which protection itself replaces. A fragment that named
 * them would never match the message that arrives.
 */
const UNPROTECTABLE = new Set([
  'via',
  'route',
  'record-route',
  'max-forwards',
  'path',
  'content-type',
  'content-length',
  'content-encoding',
  'content-disposition',
  'content-transfer-encoding',
]);

/**
 * Builds a `message/sipfrag` part that contains the given header fields, one per line, in order. Put
 * it among the parts to protect: once signed, the receiver's {@link unprotectMessage} compares
 * each field with the same-named fields of the message and reports the fields in
 * `security.protectedHeaders`. Raises TypeError for an empty list, an invalid name or value, or
 * a field that proxies change (Via, Route, Record-Route, Max-Forwards, Path) or that describes
 * the body (Content-*), and `LimitExceededError` past `MAX_HEADER_COUNT` fields.
 *
 * @example
 * ```ts
 * // context: mcpttInfoPart: MimeEntity
 * const parts = [mcpttInfoPart, createHeaderFragment([{ name: 'Answer-Mode', value: 'Auto' }])];
 * ```
 *
 * @param headers - The header fields to protect, names and values as in the message.
 * @returns The `message/sipfrag` entity.
 */
export function createHeaderFragment(headers: readonly SipHeader[]): MimeEntity {
  if (!Array.isArray(headers) || headers.length === 0) {
    throw new TypeError('createHeaderFragment: headers must list at least one field');
  }
  if (headers.length > MAX_HEADER_COUNT) {
    throw new LimitExceededError(`header fragment has more than ${MAX_HEADER_COUNT} fields`);
  }
  const lines = headers.map(({ name, value }) => {
    if (typeof name !== 'string' || typeof value !== 'string') {
      throw new TypeError(
        'createHeaderFragment: invalid header field, name and value must be strings',
      );
    }
    const trimmed = value.trim();
    if (!isToken(name) || !isValidHeaderField(name, trimmed)) {
      throw new TypeError(`createHeaderFragment: invalid header field ${JSON.stringify(name)}`);
    }
    // SIP lets a quoted string escape a control character, but a MIME header section, which the
    // receiver reads the fragment as, has none.
    if (hasControl(trimmed)) {
      throw new TypeError(`createHeaderFragment: ${name} value contains a control character`);
    }
    if (UNPROTECTABLE.has(canonicalHeaderName(name))) {
      throw new TypeError(`createHeaderFragment: ${name} cannot be protected end to end`);
    }
    return `${name}: ${trimmed}\r\n`;
  });
  return new MimeEntity(
    [{ name: 'Content-Type', value: HEADER_FRAGMENT_TYPE }],
    utf8Encode(lines.join('')),
  );
}

/** A SIP start line, which a `message/sipfrag` of a whole request or response begins with. */
const START_LINE = /^(?:SIP\/2\.0 \d{3}(?: |\r?\n|$)|[A-Za-z]+ \S+ SIP\/2\.0\r?(?:\n|$))/;

/**
 * Returns the header fields of a header fragment. Returns undefined for a part of another media
 * type, and for a `message/sipfrag` that starts with a start line, such as the status line that
 * a REFER's NOTIFY reports (RFC 3515). Raises `MimeParseError` for a fragment whose lines are not
 * header fields.
 */
export function readHeaderFragment(entity: MimeEntity): SipHeader[] | undefined {
  if (entity.contentType.mediaType !== HEADER_FRAGMENT_TYPE) return undefined;
  const body = entity.decodedBody();
  let end = body.length;
  while (end > 0 && (body[end - 1] === 0x0a || body[end - 1] === 0x0d)) end--;
  const head = String.fromCharCode(...body.subarray(0, Math.min(end, 64)));
  if (START_LINE.test(head)) return undefined;
  if (end === 0) throw new MimeParseError('message/sipfrag part is empty');
  return parseHeaderFields(body.subarray(0, end));
}

/**
 * Raises `HeaderMismatchError` (403) unless, for every name in `protectedHeaders`, the message
 * has the same fields in the same order. Names match as the codec matches them, in any case and
 * in compact form. Values match after runs of SP and HTAB become one SP, and list fields are
 * compared element by element.
 */
export function checkProtectedHeaders(
  message: SipMessage,
  protectedHeaders: readonly SipHeader[],
): void {
  // One pass groups the values by name, so that the check is linear in the number of fields.
  const byName = new Map<string, string[]>();
  for (const header of protectedHeaders) {
    const name = canonicalHeaderName(header.name);
    let values = byName.get(name);
    if (values === undefined) {
      values = [];
      byName.set(name, values);
    }
    // SipMessage.getHeaders splits list fields and drops their empty elements, so the copies
    // are read the same way. Other fields keep an empty value, which an absent field lacks.
    if (isListHeader(name)) values.push(...splitList(header.value).filter((value) => value !== ''));
    else values.push(header.value);
  }
  for (const [name, values] of byName) {
    const inner = values.map(normaliseSpace);
    const outer = message.getHeaders(name).map(normaliseSpace);
    if (inner.length !== outer.length || inner.some((value, index) => value !== outer[index])) {
      // A name that only the signed copy has came out of the envelope, so it stays out of the
      // message, which receivers may log.
      throw new HeaderMismatchError(
        outer.length === 0
          ? 'a signed header field is missing from the message'
          : `${name} header field differs from its signed copy`,
      );
    }
  }
}

/**
 * Returns the values of the protected header fields with this name, matched as the codec matches
 * names (case and compact forms), in order. Empty when no signature covered such a field.
 *
 * @example
 * ```ts
 * // context: security: SecurityInfo
 * const automatic = protectedHeaderValues(security, 'Answer-Mode')[0]?.toLowerCase() === 'auto';
 * ```
 */
export function protectedHeaderValues(
  security: { readonly protectedHeaders: readonly SipHeader[] },
  name: string,
): string[] {
  const expected = canonicalHeaderName(name);
  return security.protectedHeaders
    .filter((header) => canonicalHeaderName(header.name) === expected)
    .map((header) => header.value);
}

function normaliseSpace(value: string): string {
  return value.replace(/[ \t]+/g, ' ').trim();
}
