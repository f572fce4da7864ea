/**
 * The characters of XML 1.0 that the XML reader (xml-reader.ts) checks: which code points a
 * document may contain, which make up names and white space, and the references that stand for
 * others. Each check looks at every character a bounded number of times.
 *
 * @module
 */
import { raiseXmlError } from './xml-syntax-error.js';

/**
 * Any code point outside the Char production of XML 1.0 §2.2, a lone surrogate included. A
 * single character class, so the test cannot backtrack.
 */
export const NON_XML_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * Returns the number of bytes of `text` encoded as UTF-8, as TextEncoder would encode it: a
 * surrogate pair takes 4 bytes and a lone surrogate the 3 bytes of U+FFFD. It scans the code
 * units without building the encoding.
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (isHighSurrogate(code) && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Tells whether `name` is not empty and starts with a character that may start a name. */
export function startsName(name: string): boolean {
  const first = name.charCodeAt(0);
  return name !== '' && !(first >= 0x30 && first <= 0x39) && first !== 0x2d && first !== 0x2e;
}

/**
 * Tells whether `code` may be part of a name (XML 1.0 §2.3): ASCII letters, digits, `_`, `-`, `.`,
 * `:`, and every non-ASCII character.
 */
export function isNameCharacter(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x3a) ||
    code === 0x5f ||
    code === 0x2d ||
    code === 0x2e ||
    code >= 0x80
  );
}

/** Tells whether `code` is XML white space: space, tab, CR or LF (XML 1.0 §2.3). */
export function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** Tells whether `text` is made of XML white space only. */
export function isXmlSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (!isSpace(text.charCodeAt(i))) return false;
  }
  return true;
}

/** Removes XML white space (space, tab, CR, LF), and no other, around `text`. */
export function trimXmlSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

const PREDEFINED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

/**
 * Replaces the entity and character references in text or an attribute value. Raises
 * XmlSyntaxError on a `&` that starts no reference, or on a reference to an undeclared entity
 * or to a code point that is not an XML character.
 */
export function decodeReferences(text: string): string {
  let ampersand = text.indexOf('&');
  if (ampersand < 0) return text;
  const pieces: string[] = [];
  let copied = 0;
  while (ampersand >= 0) {
    const reference = readReference(text, ampersand);
    pieces.push(text.slice(copied, ampersand), reference.text);
    copied = reference.end;
    ampersand = text.indexOf('&', copied);
  }
  pieces.push(text.slice(copied));
  return pieces.join('');
}

/** Reads the reference whose `&` is at `at`: the text it stands for and the offset after `;`. */
function readReference(text: string, at: number): { text: string; end: number } {
  if (text[at + 1] === '#') return readCharacterReference(text, at);
  let end = at + 1;
  while (isAsciiLetter(text.charCodeAt(end))) end++;
  const replacement = PREDEFINED_ENTITIES.get(text.slice(at + 1, end));
  if (replacement === undefined || text[end] !== ';') {
    raiseXmlError('undeclared or malformed entity');
  }
  return { text: replacement, end: end + 1 };
}

/** Reads `&#…;` or `&#x…;` at `at`. The value is capped, so that many digits stay cheap. */
function readCharacterReference(text: string, at: number): { text: string; end: number } {
  const radix = text[at + 2] === 'x' ? 16 : 10;
  const digitsStart = at + (radix === 16 ? 3 : 2);
  let end = digitsStart;
  let codePoint = 0;
  let digit = digitValue(text.charCodeAt(end), radix);
  while (digit >= 0) {
    // Past U+10FFFF the exact value no longer matters, and the cap keeps it a safe integer.
    codePoint = Math.min(codePoint * radix + digit, 0x110000);
    end++;
    digit = digitValue(text.charCodeAt(end), radix);
  }
  if (end === digitsStart || text[end] !== ';') raiseXmlError('malformed character reference');
  if (!isXmlCharacter(codePoint)) {
    raiseXmlError('character reference to a code point XML does not allow');
  }
  return { text: String.fromCodePoint(codePoint), end: end + 1 };
}

/** Returns the value of a digit in base 10 or 16, or -1 for any other code (NaN included). */
function digitValue(code: number, radix: 10 | 16): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return radix === 16 && lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

function isAsciiLetter(code: number): boolean {
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

/** Tells whether the Char production of XML 1.0 §2.2 allows the code point `code`. */
function isXmlCharacter(code: number): boolean {
  return (
    code === 0x09 ||
    code === 0x0a ||
    code === 0x0d ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
