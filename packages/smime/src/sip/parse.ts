/**
 * From bytes to the parts of a SipMessage: framing, start line, header fields, validation and
 * body.
 *
 * @module
 */

import { cloneBytes } from '../bytes.js';
import { LimitExceededError, SipParseError } from '../errors.js';
import { MAX_MESSAGE_BYTES } from '../limits.js';
import { frameMessage } from './framing.js';
import { isToken, trimWsp, trimWspEnd } from './grammar.js';
import { canonicalHeaderName } from './header-names.js';
import type { SipHeader, SipRequestLine, SipStatusLine } from './message.js';
import { parseStartLine } from './start-line.js';
import { parseContentLength, validateHeaders } from './validate.js';

/** Options of {@link SipMessage.parse}. */
export interface SipParseOptions {
  /**
   * When true (the default), a Content-Length that differs from the number of bytes after the
   * header section raises SipParseError. Over WebSocket each frame carries exactly one message
   * (RFC 7118), so surplus bytes mean a broken sender, such as one that counted characters
   * instead of UTF-8 bytes. Set it to false for stream or datagram input, where the bytes past
   * Content-Length are not part of the message (RFC 3261 §18.3, RFC 4475 §3.1.1.8).
   */
  readonly exactLength?: boolean;
}

/** A parsed message before it is wrapped in a SipMessage. */
export interface ParsedMessage {
  readonly startLine: SipRequestLine | SipStatusLine;
  readonly startLineRaw: Uint8Array;
  readonly headers: readonly SipHeader[];
  readonly headerRaws: readonly Uint8Array[];
  readonly separatorRaw: Uint8Array;
  readonly body: Uint8Array;
}

/**
 * Parses the bytes of one SIP message. Raises LimitExceededError past MAX_MESSAGE_BYTES (checked
 * first) or the header section limits, and SipParseError on anything else that is malformed.
 */
export function parseMessage(input: Uint8Array, options: SipParseOptions = {}): ParsedMessage {
  if (!(input instanceof Uint8Array)) throw new TypeError('SIP message must be a Uint8Array');
  if (input.length > MAX_MESSAGE_BYTES) {
    throw new LimitExceededError(`SIP message larger than ${MAX_MESSAGE_BYTES} bytes`);
  }
  // A private copy, so that the caller reusing its buffer cannot change a parsed message.
  const bytes = cloneBytes(input);
  const framed = frameMessage(bytes);
  const startLine = parseStartLine(framed.startLine);
  const headers = framed.fields.map((field) => splitHeaderField(field.text));
  validateHeaders(startLine, headers);

  const lengthField = headers.find((h) => canonicalHeaderName(h.name) === 'content-length');
  const length = lengthField === undefined ? undefined : parseContentLength(lengthField.value);
  const body = sliceBody(bytes, framed.bodyOffset, length, options.exactLength ?? true);
  // RFC 3261 §20.15: Content-Type must be present when the body is not empty. Without it, MIME
  // would read the body as text/plain, and a changed message would gain that label.
  if (body.length > 0 && !headers.some((h) => canonicalHeaderName(h.name) === 'content-type')) {
    throw new SipParseError('missing Content-Type header');
  }
  return {
    startLine,
    startLineRaw: framed.startLineRaw,
    headers,
    headerRaws: framed.fields.map((field) => field.raw),
    separatorRaw: framed.separatorRaw,
    body,
  };
}

/**
 * Splits an unfolded header field at its colon. Whitespace may precede the colon (RFC 3261
 * §7.3.1), and the value is trimmed of SP and HTAB.
 */
export function splitHeaderField(text: string): SipHeader {
  const colon = text.indexOf(':');
  if (colon < 0) throw new SipParseError('header field without a colon');
  const name = trimWspEnd(text.slice(0, colon));
  if (!isToken(name)) throw new SipParseError('invalid header field name');
  return { name, value: trimWsp(text.slice(colon + 1)) };
}

function sliceBody(
  bytes: Uint8Array,
  offset: number,
  length: number | undefined,
  exactLength: boolean,
): Uint8Array {
  const available = bytes.length - offset;
  // RFC 7118 frames one message per WebSocket message, so without Content-Length the body is
  // the rest of the frame.
  if (length === undefined) return bytes.subarray(offset);
  if (length > available) throw new SipParseError('Content-Length larger than the received body');
  if (length < available && exactLength) {
    const extra = available - length;
    throw new SipParseError(
      `Content-Length smaller than the received body by ${extra} byte${extra === 1 ? '' : 's'}`,
    );
  }
  return bytes.subarray(offset, offset + length);
}
