/**
 * Checks on values that a caller puts into a SipMessage, so that serialising it cannot inject a
 * line, and the start line text.
 *
 * @module
 */

import {
  hasControlCharacter,
  hasNonUriCharacter,
  hasRawControlCharacter,
  isToken,
} from './grammar.js';
import type { SipRequestLine, SipStatusLine } from './message.js';

/**
 * Throws TypeError unless `name` is a token and `value` has no line break or other control
 * character outside a quoted pair. A CR or LF in a value would start a new header field on the
 * wire (header injection).
 */
export function assertHeaderField(name: string, value: string): void {
  if (typeof name !== 'string' || !isToken(name)) {
    throw new TypeError('SIP header name must be a token');
  }
  if (typeof value !== 'string' || /[\r\n]/.test(value) || hasControlCharacter(value)) {
    throw new TypeError(`SIP header ${name} must not contain line breaks or control characters`);
  }
}

/** Throws TypeError unless the start line serialises to one valid line. */
export function assertStartLine(line: SipRequestLine | SipStatusLine): void {
  if (!/^SIP\/\d+\.\d+$/i.test(line.version)) throw new TypeError('invalid SIP version');
  if (line.type === 'request') {
    if (!isToken(line.method)) throw new TypeError('SIP method must be a token');
    if (line.requestUri === '' || hasNonUriCharacter(line.requestUri)) {
      throw new TypeError('invalid Request-URI');
    }
    return;
  }
  if (!Number.isInteger(line.status) || line.status < 100 || line.status > 699) {
    throw new TypeError('SIP status must be an integer from 100 to 699');
  }
  if (hasRawControlCharacter(line.reasonPhrase)) {
    throw new TypeError('SIP reason phrase must not contain control characters');
  }
}

/** Formats a start line without its line end. */
export function formatStartLine(line: SipRequestLine | SipStatusLine): string {
  if (line.type === 'request') return `${line.method} ${line.requestUri} ${line.version}`;
  return `${line.version} ${line.status} ${line.reasonPhrase}`;
}
