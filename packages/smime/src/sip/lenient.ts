/**
 * Lenient reading of SIP text that the full parser may reject (RFC 3261 §7). A server or client
 * that rejects a malformed request still responds when it finds the fields that a response copies
 * (RFC 3261 §8.2.6.2), so it needs a reader that skips what it cannot read instead of raising. Nothing read here is trusted: a caller copies only values without control characters.
 *
 * @module
 */

import { SipParseError } from '../errors.js';
import { parseNameAddress } from './address.js';
import { isToken } from './grammar.js';

/** The start line and the header fields of a header section, read leniently. */
export interface LenientHead {
  readonly startLine: string;
  /** Fields in order, with folding undone, names and values trimmed, names as written. */
  readonly headers: readonly { readonly name: string; readonly value: string }[];
}

/**
 * Splits the text of a header section, without its body, into the start line and the header
 * fields. Line ends before the start line are skipped (RFC 3261 §7.5). Lines end in CRLF or LF. A
 * line that starts with SP or HTAB continues the previous field (RFC 3261 §7.3.1), and a line
 * without a name before a colon is skipped.
 *
 * @example
 * ```ts
 * const { startLine, headers } = splitHeaderLines('INVITE sip:a@b SIP/2.0\r\nv: SIP/2.0/WSS x');
 * ```
 *
 * @param head - The text before the blank line that ends the header section.
 * @returns The start line and the fields as name and value pairs.
 */
export function splitHeaderLines(head: string): LenientHead {
  const [startLine = '', ...lines] = head.replace(/^[\r\n]+/, '').split(/\r?\n/);
  const headers: { name: string; value: string }[] = [];
  for (const line of lines) {
    const last = headers.at(-1);
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) {
      headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
    }
  }
  return { startLine, headers };
}

/** Kind of a start line read leniently, with its method or status code. */
export type LenientStartLine =
  | { readonly kind: 'request'; readonly method: string }
  | { readonly kind: 'response'; readonly status: number }
  | { readonly kind: 'unknown' };

const REQUEST_LINE = /^([A-Za-z0-9\-.!%*_+`'~]+) \S/;
const STATUS_LINE = /^SIP\/\d+\.\d+ (\d{3})(?: |$)/i;

/**
 * Tells a request line, with its method in upper case, from a status line, with its status code.
 * A request line starts with a method token and SP, and a status line with the SIP version, in
 * any case (RFC 3261 §7.1 and §7.2). Anything else is `unknown`, and gets no response.
 *
 * @param startLine - The first line of the message, without its line end.
 * @returns The kind of line, with its method or status code.
 */
export function readStartLine(startLine: string): LenientStartLine {
  const status = STATUS_LINE.exec(startLine)?.[1];
  if (status !== undefined) return { kind: 'response', status: Number(status) };
  const method = REQUEST_LINE.exec(startLine)?.[1];
  if (method === undefined || /^SIP\//i.test(startLine)) return { kind: 'unknown' };
  return { kind: 'request', method: method.toUpperCase() };
}

/**
 * Tells whether `value` contains a control character: C0 except HTAB, DEL, or C1. RFC 3261 §25.1
 * allows none of them in a header value or a reason phrase, and a receiver may take a lone CR, or
 * the C1 character NEL, for the end of a line. A value copied from a request into a response must
 * have none, or the sender of the request could add a header field of its choice.
 */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

/**
 * Tells whether a header value of a rejected request can be copied into a response as it is: it
 * has no control character ({@link hasControlCharacter}), and no quoted string in it ends with
 * a backslash, which would escape the line end (RFC 3261 §25.1).
 */
export function isCopyableHeaderValue(value: string): boolean {
  if (hasControlCharacter(value)) return false;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (quoted && char === '\\') {
      if (i === value.length - 1) return false;
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    }
  }
  return true;
}

/**
 * Tells whether the To value `to` has a `tag` header parameter, with or without a value. Only the
 * parameters after the name-addr count: after its `>`, or after the URI of an addr-spec without
 * angle brackets (RFC 3261 §20.10). A `tag` among the URI parameters inside the brackets, or
 * within a quoted display name, does not count. A value that does not parse as an address is
 * scanned for its header parameters in the same way.
 */
export function hasToTag(to: string): boolean {
  return toTag(to) !== undefined;
}

/**
 * Returns the value of the To tag of `to`, read as {@link hasToTag} reads it: undefined without a
 * tag, and the empty string for a tag without a value. A response must carry a To tag that is a
 * token (RFC 3261 §8.2.6.2, §25.1). {@link responseTo} adds one when there is none, and gives up
 * when the tag is not a token, because a second tag would make the field ambiguous.
 *
 * @param to - The value of the To header field.
 * @returns The tag, the empty string for a tag without a value, or undefined without a tag.
 */
export function toTag(to: string): string | undefined {
  try {
    return parseNameAddress(to, 'To').params.get('tag');
  } catch (error) {
    if (!(error instanceof SipParseError)) throw error;
  }
  return parameters(headerParametersOf(to) ?? '').get('tag');
}

/**
 * Returns the text of an address value from the `;` that starts its header parameters, or the
 * empty string when it has none. Returns undefined when its display name or name-addr is not
 * closed, because a parameter added at its end would not be a header parameter.
 */
function headerParametersOf(value: string): string | undefined {
  // The first `<` outside a quoted display name opens the name-addr.
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (quoted && char === '\\') {
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && char === '<') {
      const close = value.indexOf('>', i + 1);
      return close < 0 ? undefined : value.slice(close + 1);
    }
  }
  if (quoted) return undefined;
  // An addr-spec: its user part may contain `;`, so the parameters start after the `@`.
  const at = value.indexOf('@');
  const semicolon = value.indexOf(';', Math.max(at, 0));
  return semicolon < 0 ? '' : value.slice(semicolon);
}

/**
 * Returns the To value of a response to a request whose To is `to`. That is `to` itself when it
 * has one tag, written as a token, and `to` with `;tag=` and `tag` when it has none. It is
 * undefined when the tag is written otherwise or more than once, because the response would
 * then carry a To tag that readers take differently (RFC 3261 §8.2.6.2, §25.1). It is undefined
 * too when a quoted display name or a `<` is not closed, because the added tag would land inside
 * it.
 */
export function responseTo(to: string, tag: string): string | undefined {
  const text = headerParametersOf(to);
  if (text === undefined) return undefined;
  // The tags as written: a parser would unquote `tag="x"` and take only one of several tags.
  const tags = parameterList(text).filter(([name]) => name === 'tag');
  const [first] = tags;
  if (first === undefined) return `${to};tag=${tag}`;
  return tags.length === 1 && isToken(first[1]) ? to : undefined;
}

/**
 * Returns the `;`-separated parameters in `text`, outside quoted values, by lowercased name, the
 * first of each name, with the value trimmed and the empty string for a parameter without one.
 */
function parameters(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of parameterList(text)) if (!found.has(name)) found.set(name, value);
  return found;
}

/**
 * Returns every `;`-separated parameter in `text`, outside quoted values, in order, as a
 * lowercased name and the value trimmed as written, or the empty string for one without value.
 */
function parameterList(text: string): [name: string, value: string][] {
  const found: [string, string][] = [];
  let quoted = false;
  let start = -1;
  const add = (end: number): void => {
    if (start < 0) return;
    const parameter = text.slice(start, end);
    const equals = parameter.indexOf('=');
    const name = (equals < 0 ? parameter : parameter.slice(0, equals)).trim().toLowerCase();
    const value = equals < 0 ? '' : parameter.slice(equals + 1).trim();
    found.push([name, value]);
  };
  for (let i = 0; i <= text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '\\') {
        i++;
      } else if (char === '"') {
        quoted = false;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ';' || char === undefined) {
      add(i);
      start = i + 1;
    }
  }
  return found;
}
