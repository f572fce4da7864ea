/**
 * Minimal reading and writing of SIP message text (RFC 3261 §7): the start line, the header
 * fields and the body. The socket uses it to route and to build responses without parsing a
 * message in full, so that it works even on a message that the full parser rejects.
 *
 * @module
 */

import {
  canonicalHeaderName,
  hasControlCharacter,
  isCopyableHeaderValue,
  readStartLine,
  responseTo,
  splitHeaderLines,
} from '@mcptt-smime/smime';

/** One header field, with folding undone. */
export interface SipTextHeader {
  readonly name: string;
  readonly value: string;
}

/** A SIP message split into its start line, header fields and body. */
export interface SipText {
  readonly startLine: string;
  readonly headers: readonly SipTextHeader[];
  readonly body: string;
}

/**
 * Splits SIP text at the first empty line. Lines may end in CRLF or LF. A line that starts with
 * SP or HTAB continues the previous header field (RFC 3261 §7.3.1).
 */
export function splitSipText(frame: string): SipText {
  // RFC 3261 §7.5: line ends before the start line are ignored.
  const text = frame.replace(/^[\r\n]+/, '');
  const match = /\r?\n\r?\n/.exec(text);
  const head = match === null ? text : text.slice(0, match.index);
  const body = match === null ? '' : text.slice(match.index + match[0].length);
  return { ...splitHeaderLines(head), body };
}

/** Every value of a header field, by long or compact name, in order. */
export function headerValues(message: SipText, name: string): string[] {
  const wanted = canonicalHeaderName(name);
  return message.headers.filter((h) => canonicalHeaderName(h.name) === wanted).map((h) => h.value);
}

/** First value of a header field, or undefined. */
export function headerValue(message: SipText, name: string): string | undefined {
  return headerValues(message, name)[0];
}

/**
 * True when the start line is a request line: a method token and SP. A status line, and a start
 * line that is neither, are not (see `readStartLine` of the core).
 */
export function isRequestText(message: SipText): boolean {
  return readStartLine(message.startLine).kind === 'request';
}

/** Method of a request line, in upper case, or undefined for any other start line. */
export function requestMethod(message: SipText): string | undefined {
  const startLine = readStartLine(message.startLine);
  return startLine.kind === 'request' ? startLine.method : undefined;
}

/** Status code of a status line, or undefined for any other start line. */
export function responseStatus(message: SipText): number | undefined {
  const startLine = readStartLine(message.startLine);
  return startLine.kind === 'response' ? startLine.status : undefined;
}

/** Sequence number and method of the CSeq header, or undefined when it is missing or invalid. */
export function cseqOf(message: SipText): { sequence: number; method: string } | undefined {
  const value = headerValue(message, 'cseq');
  const match = value === undefined ? null : /^(\d+)\s+(\S+)$/.exec(value);
  if (match === null) return undefined;
  return { sequence: Number(match[1]), method: (match[2] ?? '').toUpperCase() };
}

/** Options of {@link buildResponseText}. */
export interface ResponseTextOptions {
  /** Tag added to To when the request's To has none and the status is above 100. */
  readonly toTag: string;
  /** Extra header fields, written after the copied ones. */
  readonly headers?: readonly SipTextHeader[];
  /** Body text; Content-Length is computed from its UTF-8 length. */
  readonly body?: string;
}

/**
 * Builds a response to `request` with the Via, From, To, Call-ID and CSeq fields copied as
 * RFC 3261 §8.2.6.2 requires. Returns undefined when one of them is missing, because such a
 * response could not be matched to its transaction. Also returns undefined when one of them
 * contains a control character, because a lone CR or LF copied into the response would start a
 * header field chosen by the sender of the request, or a quoted string that ends in a backslash,
 * which would escape the line end. Raises TypeError for an invalid reason phrase,
 * tag or extra header field, because those come from the caller.
 */
export function buildResponseText(
  request: SipText,
  status: number,
  reasonPhrase: string,
  options: ResponseTextOptions,
): string | undefined {
  const vias = request.headers.filter((h) => canonicalHeaderName(h.name) === 'via');
  const from = headerValue(request, 'from');
  const to = headerValue(request, 'to');
  const callId = headerValue(request, 'call-id');
  const cseq = headerValue(request, 'cseq');
  if (vias.length === 0 || from === undefined || to === undefined) return undefined;
  if (callId === undefined || cseq === undefined) return undefined;
  const copied = [...vias.map((via) => via.value), from, to, callId, cseq];
  if (!copied.every(isCopyableHeaderValue)) return undefined;
  checkResponseOptions(reasonPhrase, options);

  const taggedTo = status > 100 ? responseTo(to, options.toTag) : to;
  if (taggedTo === undefined) return undefined;
  const body = options.body ?? '';
  const lines = [
    `SIP/2.0 ${status} ${reasonPhrase}`,
    ...vias.map((via) => `Via: ${via.value}`),
    `From: ${from}`,
    `To: ${taggedTo}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq}`,
    ...(options.headers ?? []).map((h) => `${h.name}: ${h.value}`),
    `Content-Length: ${new TextEncoder().encode(body).length}`,
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

// RFC 3261 §25.1: a tag and a header name are tokens.
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

function checkResponseOptions(reasonPhrase: string, options: ResponseTextOptions): void {
  if (hasControlCharacter(reasonPhrase)) {
    throw new TypeError('invalid reason phrase: control characters are not allowed');
  }
  if (!TOKEN.test(options.toTag)) throw new TypeError('invalid To tag: expected a token');
  for (const header of options.headers ?? []) {
    if (!TOKEN.test(header.name) || hasControlCharacter(header.value)) {
      throw new TypeError(
        'invalid response header field: expected a token name and no control characters',
      );
    }
  }
}
