/**
 * Character classes and small scanners of the RFC 3261 §25 grammar, shared by the header
 * validators and the address parsers.
 *
 * @module
 */

import { SipParseError } from '../errors.js';

/** `token` (RFC 3261 §25.1). */
export const TOKEN_PATTERN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** Characters of a `word` (RFC 3261 §25.1), the pieces of a Call-ID. */
const WORD_PATTERN = /^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+$/;

/** Characters of a parameter value: `token`, plus the `:` and brackets of an IPv6 `host`. */
const PARAM_VALUE_PATTERN = /^[A-Za-z0-9\-.!%*_+`'~:[\]]+$/;

/** Tells whether `text` is a `token`. */
export function isToken(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

/** Tells whether `text` is a `word`. */
export function isWord(text: string): boolean {
  return WORD_PATTERN.test(text);
}

/** Tells whether a character is SP or HTAB. */
export function isWsp(char: string | undefined): boolean {
  return char === ' ' || char === '\t';
}

/** Builds the error for a header value that does not follow its grammar. */
export function invalidHeader(name: string): SipParseError {
  return new SipParseError(`invalid ${name} header`);
}

/** Tells whether `text` contains a control character other than HTAB. */
export function hasRawControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** Any character but the visible ASCII ones: a control character, a space or non-ASCII. */
const NON_URI_CHARACTER = /[^\x21-\x7e]/;

/**
 * Tells whether `text` contains a control character, whitespace or a non-ASCII character. A
 * regular expression in place of a loop over the characters: V8 compiles the expression to
 * native code, while the signer check, which runs once per message, stays in the interpreter.
 */
export function hasNonUriCharacter(text: string): boolean {
  return NON_URI_CHARACTER.test(text);
}

/**
 * Tells whether a value contains a control character outside a `quoted-pair`. RFC 3261 §25.1
 * allows HTAB in LWS and any octet but CR and LF after a backslash inside a quoted string, and no
 * other control character anywhere.
 */
export function hasControlCharacter(value: string): boolean {
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (quoted && code === 0x5c) {
      const next = value.charCodeAt(i + 1);
      if (next === 0x0d || next === 0x0a || Number.isNaN(next)) return true;
      i++;
      continue;
    }
    if (code === 0x22) quoted = !quoted;
    else if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/**
 * Reads the `quoted-string` that starts at `start` (at the opening DQUOTE) and returns its
 * unescaped content and the index after the closing DQUOTE, or undefined when it is unterminated.
 */
export function readQuotedString(
  text: string,
  start: number,
): { value: string; end: number } | undefined {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const char = text[i];
    if (char === '"') return { value, end: i + 1 };
    if (char === '\\') {
      i++;
      if (i >= text.length) return undefined;
    }
    value += text[i];
  }
  return undefined;
}

/**
 * Splits a header value at the commas that separate list elements, never inside a quoted string
 * or between angle brackets. Elements are trimmed, and empty elements are kept so that a
 * validator can reject them.
 */
export function splitList(value: string): string[] {
  const elements: string[] = [];
  let quoted = false;
  let angle = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (quoted) {
      if (char === '\\') i++;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === '<') angle = true;
    else if (char === '>') angle = false;
    else if (char === ',' && !angle) {
      elements.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  elements.push(value.slice(start).trim());
  return elements;
}

/**
 * Removes SP and HTAB at both ends. A loop rather than a regular expression such as
 * `/[ \t]+$/`, which takes quadratic time on a long run of spaces that does not end the text.
 */
export function trimWsp(text: string): string {
  return trimWspEnd(text.slice(skipWsp(text, 0)));
}

/** Removes SP and HTAB at the end, in linear time. */
export function trimWspEnd(text: string): string {
  let end = text.length;
  while (end > 0 && isWsp(text[end - 1])) end--;
  return text.slice(0, end);
}

/** Skips SP and HTAB from `index` on. */
export function skipWsp(text: string, index: number): number {
  let i = index;
  while (isWsp(text[i])) i++;
  return i;
}

/**
 * Parses header parameters, `*( SEMI generic-param )` with the SWS that RFC 3261 §25.1 allows
 * around `;` and `=`. Names are lowercased, quoted values unquoted, a parameter without a value
 * maps to the empty string, and the first of repeated names wins. With `unique`, a repeated
 * name is an error instead. Raises SipParseError naming `header` on an empty parameter or a value
 * outside the grammar.
 */
export function parseHeaderParams(
  text: string,
  header: string,
  unique = false,
): Map<string, string> {
  const params = new Map<string, string>();
  let i = skipWsp(text, 0);
  while (i < text.length) {
    if (text[i] !== ';') throw invalidHeader(header);
    i = skipWsp(text, i + 1);
    const nameMatch = /^[A-Za-z0-9\-.!%*_+`'~]+/.exec(text.slice(i));
    if (nameMatch === null) throw invalidHeader(header);
    const name = nameMatch[0].toLowerCase();
    i = skipWsp(text, i + nameMatch[0].length);

    let value = '';
    if (text[i] === '=') {
      i = skipWsp(text, i + 1);
      const read = readParamValue(text, i, header);
      value = read.value;
      i = skipWsp(text, read.end);
    }
    if (!params.has(name)) params.set(name, value);
    else if (unique) throw invalidHeader(header);
  }
  return params;
}

function readParamValue(text: string, start: number, header: string) {
  if (text[start] === '"') {
    const quoted = readQuotedString(text, start);
    if (quoted === undefined) throw invalidHeader(header);
    return quoted;
  }
  let end = start;
  while (end < text.length && !isWsp(text[end]) && text[end] !== ';') end++;
  const value = text.slice(start, end);
  if (!PARAM_VALUE_PATTERN.test(value)) throw invalidHeader(header);
  return { value, end };
}

/**
 * Decodes the `escaped` octets (`%XX`) of a URI component, then the octets as UTF-8. Raises
 * SipParseError naming `component` on a malformed escape or an octet sequence that is not UTF-8, so
 * that two different escapes never decode to the same replacement character.
 */
export function percentDecode(text: string, component: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new SipParseError(`invalid escape in ${component}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (code < 0x80) {
      bytes.push(code);
    } else {
      for (const byte of new TextEncoder().encode(text[i])) bytes.push(byte);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch (cause) {
    throw new SipParseError(`invalid UTF-8 in ${component}`, { cause });
  }
}
