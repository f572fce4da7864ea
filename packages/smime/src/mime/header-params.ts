/**
 * Lexer for header values made of tokens, quoted-strings and `;`-separated parameters, the shape
 * shared by Content-Type and Content-Disposition.
 *
 * The grammar is RFC 2045 §5.1 with the whitespace rules of RFC 3261 §25.1, so that the same code
 * reads MIME part headers and SIP headers:
 *
 * ```abnf
 * parameter     = attribute EQUAL value
 * value         = token / quoted-string
 * quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE
 * quoted-pair   = "\" (%x00-09 / %x0B-0C / %x0E-7F)
 * SEMI = SWS ";" SWS    EQUAL = SWS "=" SWS    SLASH = SWS "/" SWS
 * LWS  = [*WSP CRLF] 1*WSP
 * ```
 *
 * @module
 */

import { MimeParseError } from '../errors.js';

/** RFC 2045 §5.1 tspecials: with SP and the controls, the characters a token cannot contain. */
const TSPECIALS = '()<>@,;:\\"/[]?=';

/**
 * A parameter name in one of the RFC 2231 forms: `name*` (charset and language), `name*0`
 * (continuation), `name*0*` (both). The first group is the plain name.
 */
const RFC2231_NAME = /^(.+?)\*(?:[0-9]+\*?)?$/;

/** Parameters that only name a part, which may come both plainly and in an RFC 2231 form. */
const LABEL_PARAMS: ReadonlySet<string> = new Set(['filename', 'name']);

/** RFC 3261 §25.1 token: letters, digits and `-.!%*_+`'~`, a subset of the RFC 2045 set. */
const SIP_TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f;
}

/** 1 at the code of each RFC 2045 token character, so that a check is one array read. */
const TOKEN_CODES = new Uint8Array(0x80);
for (let code = 0x21; code < 0x7f; code++) {
  if (!TSPECIALS.includes(String.fromCharCode(code))) TOKEN_CODES[code] = 1;
}

function isTokenCode(code: number): boolean {
  return code < 0x80 && TOKEN_CODES[code] === 1;
}

function isWsp(char: string | undefined): boolean {
  return char === ' ' || char === '\t';
}

/** Checks whether `text` is a non-empty RFC 2045 token. */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isTokenCode(text.charCodeAt(i))) return false;
  return true;
}

/**
 * Checks whether `text` is a non-empty RFC 3261 token. Values that pass can go unquoted in both SIP
 * and MIME headers, because this set is the smaller of the two.
 */
export function isSipToken(text: string): boolean {
  return SIP_TOKEN.test(text);
}

/**
 * Formats a parameter value as a token when it is one, otherwise as a quoted-string with `"` and
 * `\` escaped. Raises `TypeError` for line breaks and other control characters, which no header
 * value can carry.
 */
export function formatParamValue(value: string): string {
  if (isSipToken(value)) return value;

  let quoted = '"';
  for (const char of value) {
    const code = char.charCodeAt(0);
    if (isControl(code) && char !== '\t') {
      throw new TypeError('header parameter value contains a control character');
    }
    quoted += char === '"' || char === '\\' ? `\\${char}` : char;
  }
  return `${quoted}"`;
}

/**
 * Reads one header value from left to right. Each method skips the LWS in front of what it reads,
 * and every syntax error raises `MimeParseError` naming the header and the offset, never the value.
 */
export class HeaderValueScanner {
  readonly #text: string;
  readonly #header: string;
  #pos = 0;

  /**
   * @param text - the header value
   * @param header - header name used in error messages, for example `Content-Type`
   */
  constructor(text: string, header: string) {
    this.#text = text;
    this.#header = header;
  }

  /** Raises a parse error at `offset`, by default the current one. */
  fail(problem: string, offset = this.#pos): never {
    throw new MimeParseError(`invalid ${this.#header}: ${problem} at offset ${offset}`);
  }

  /** Skips SP, HTAB and folds. A line break not followed by whitespace is an error. */
  skipLws(): void {
    const text = this.#text;
    for (;;) {
      const char = text[this.#pos];
      if (isWsp(char)) {
        this.#pos++;
      } else if (char === '\r' && text[this.#pos + 1] === '\n' && isWsp(text[this.#pos + 2])) {
        this.#pos += 3;
      } else if (char === '\n' && isWsp(text[this.#pos + 1])) {
        this.#pos += 2;
      } else {
        return;
      }
    }
  }

  /** Skips LWS, then checks whether the value is used up. */
  atEnd(): boolean {
    this.skipLws();
    return this.#pos >= this.#text.length;
  }

  /** Skips LWS, then consumes `char` if it comes next. */
  accept(char: string): boolean {
    this.skipLws();
    if (this.#text[this.#pos] !== char) return false;
    this.#pos++;
    return true;
  }

  /** Skips LWS, then consumes `char` or fails. */
  expect(char: string): void {
    if (!this.accept(char)) this.fail(`expected "${char}"`);
  }

  /** Skips LWS, then reads a token. */
  readToken(): string {
    this.skipLws();
    const start = this.#pos;
    const text = this.#text;
    while (this.#pos < text.length && isTokenCode(text.charCodeAt(this.#pos))) this.#pos++;
    if (this.#pos === start) this.fail('expected a token');
    return this.#text.slice(start, this.#pos);
  }

  /** Skips LWS, then reads a token or a quoted-string, which comes back unquoted and unescaped. */
  readValue(): string {
    this.skipLws();
    return this.#text[this.#pos] === '"' ? this.#readQuotedString() : this.readToken();
  }

  #readQuotedString(): string {
    const text = this.#text;
    let value = '';
    this.#pos++;
    for (;;) {
      const char = text[this.#pos];
      if (char === undefined) this.fail('unterminated quoted-string');
      if (char === '"') break;

      if (char === '\\') {
        const escaped = text[this.#pos + 1];
        if (escaped === undefined || escaped === '\r' || escaped === '\n') {
          this.fail('invalid quoted-pair');
        }
        value += escaped;
        this.#pos += 2;
      } else if (char === '\r' || char === '\n') {
        // A fold inside a quoted-string is LWS (RFC 3261 §25.1 qdtext), read as one SP.
        const before = this.#pos;
        this.skipLws();
        if (this.#pos === before) this.fail('line break in quoted-string');
        value += ' ';
      } else {
        if (isControl(char.charCodeAt(0)) && char !== '\t') this.fail('control character');
        value += char;
        this.#pos++;
      }
    }
    this.#pos++;
    return value;
  }

  /**
   * Reads `*(SEMI parameter)` up to the end of the value. Names are lowercased, values keep their
   * case. A repeated name is an error, because two readers could pick different values. So is a
   * name given both plainly and in an RFC 2231 form (`name*`, `name*0`, `name*0*`), because in
   * `boundary=a; boundary*=''b` a reader of RFC 2231 takes `b` and this one `a`. `name` and
   * `filename` are exempt, since they only label a part. With
   * `valueRequired` unset, a parameter may lack `= value` (RFC 3261 generic-param), and reads as
   * the empty string. With `leadingSemiOptional` set, the first `;` may be left out.
   */
  readParams(valueRequired: boolean, leadingSemiOptional = false): Map<string, string> {
    const params = new Map<string, string>();
    // Plain names of the parameters given in an RFC 2231 form, made only when one appears.
    let extendedNames: Set<string> | undefined;
    let semiOptional = leadingSemiOptional;
    while (!this.atEnd()) {
      if (!this.accept(';') && !semiOptional) this.fail('expected ";"');
      semiOptional = false;
      // A trailing ";" carries no parameter, so accepting it loses nothing.
      if (this.atEnd()) break;

      this.skipLws();
      const nameOffset = this.#pos;
      const name = this.readToken().toLowerCase();
      // Messages name no parameter: a header inside decrypted content is plaintext too.
      let value = '';
      if (this.accept('=')) {
        value = this.readValue();
      } else if (valueRequired) {
        this.fail('parameter has no value');
      }
      if (params.has(name)) this.fail('duplicate parameter', nameOffset);
      const extended = name.includes('*') ? RFC2231_NAME.exec(name) : null;
      if (extended === null) {
        if (extendedNames?.has(name) === true) this.fail('duplicate parameter', nameOffset);
      } else {
        const plainName = extended[1] as string;
        // Producers send `filename` and `filename*` together on purpose (RFC 6266 §4.3), and
        // those only label a part, so they may come both ways.
        if (!LABEL_PARAMS.has(plainName)) {
          if (params.has(plainName)) this.fail('duplicate parameter', nameOffset);
          (extendedNames ??= new Set()).add(plainName);
        }
      }
      params.set(name, value);
    }
    return params;
  }
}

/**
 * Parses a parameter list such as `; handling=required; filename="smime.p7m"`. The leading `;` is
 * optional and an empty text gives an empty map. Parameters without a value read as `''`.
 * Raises `MimeParseError`.
 *
 * @param text - the parameters of a header value, after its main value
 * @param header - header name used in error messages
 */
export function parseHeaderParams(text: string, header = 'header parameters'): Map<string, string> {
  return new HeaderValueScanner(text, header).readParams(false, true);
}
