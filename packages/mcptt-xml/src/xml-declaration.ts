/**
 * The XML declaration (XML 1.0 §2.8), which names the XML version and the character encoding of
 * a document:
 *
 * ```ebnf
 * XMLDecl      ::= '<?xml' VersionInfo EncodingDecl? SDDecl? S? '?>'
 * VersionInfo  ::= S 'version' Eq ("'" VersionNum "'" | '"' VersionNum '"')
 * VersionNum   ::= '1.' [0-9]+
 * EncodingDecl ::= S 'encoding' Eq ('"' EncName '"' | "'" EncName "'")
 * EncName      ::= [A-Za-z] ([A-Za-z0-9._] | '-')*
 * SDDecl       ::= S 'standalone' Eq (("'" ('yes' | 'no') "'") | ('"' ('yes' | 'no') '"'))
 * Eq           ::= S? '=' S?
 * ```
 *
 * @module
 */
import { isSpace } from './xml-characters.js';
import { raiseXmlError } from './xml-syntax-error.js';

/** The pseudo-attributes of the declaration, in the order in which they must appear. */
const PSEUDO_ATTRIBUTES = ['version', 'encoding', 'standalone'];

/** Values of `version`: XML 1.0 §2.8 has processors read any 1.x document as 1.0. */
const VERSION_NUMBER = /^1\.[0-9]+$/;
const ENCODING_NAME = /^[A-Za-z][A-Za-z0-9._-]*$/;

/**
 * Checks the text of an XML declaration between `<?xml` and `?>`. Raises XmlSyntaxError for a
 * malformed declaration and for an encoding other than UTF-8. The callers decode every document
 * as UTF-8, and XML 1.0 §4.3.3 makes a declaration that names another encoding a fatal error. A
 * reader that decoded the document as declared could find other markup, such as `<` for `+ADw-`
 * in UTF-7.
 */
export function checkXmlDeclaration(text: string): void {
  let next = 0;
  for (const [name, value] of readPseudoAttributes(text)) {
    const index = PSEUDO_ATTRIBUTES.indexOf(name, next);
    if (index < 0 || (next === 0 && index !== 0)) raiseXmlError('malformed XML declaration');
    next = index + 1;
    if (!isValidValue(name, value)) raiseXmlError('malformed XML declaration');
    if (name === 'encoding' && value.toLowerCase() !== 'utf-8') {
      raiseXmlError('XML declaration names an encoding other than UTF-8');
    }
  }
  if (next === 0) raiseXmlError('malformed XML declaration');
}

function isValidValue(name: string, value: string): boolean {
  if (name === 'version') return VERSION_NUMBER.test(value);
  if (name === 'encoding') return ENCODING_NAME.test(value);
  return value === 'yes' || value === 'no';
}

/**
 * Reads the pseudo-attributes `S name Eq quoted-value` of a declaration, with optional white
 * space at the end. It moves forward only and raises XmlSyntaxError on anything else.
 */
function readPseudoAttributes(text: string): [name: string, value: string][] {
  const attributes: [string, string][] = [];
  let position = skipSpace(text, 0);
  while (position < text.length) {
    const nameStart = position;
    while (isAsciiLowercase(text.charCodeAt(position))) position++;
    const name = text.slice(nameStart, position);
    position = skipSpace(text, position);
    if (nameStart === 0 || name === '' || text[position] !== '=') {
      raiseXmlError('malformed XML declaration');
    }
    position = skipSpace(text, position + 1);
    const quote = text[position];
    const close = quote === '"' || quote === "'" ? text.indexOf(quote, position + 1) : -1;
    if (close < 0) raiseXmlError('malformed XML declaration');
    attributes.push([name, text.slice(position + 1, close)]);

    position = skipSpace(text, close + 1);
    // Each pseudo-attribute follows white space.
    if (position < text.length && position === close + 1) {
      raiseXmlError('malformed XML declaration');
    }
  }
  return attributes;
}

function skipSpace(text: string, from: number): number {
  let position = from;
  while (isSpace(text.charCodeAt(position))) position++;
  return position;
}

function isAsciiLowercase(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}
