/**
 * The MCPTT XML bodies the server reads and writes (3GPP TS 24.379): `mcptt-info`, the
 * affiliation `pidf` of a PUBLISH, and `resource-lists`. The readers are tolerant of element
 * order and of values without their `mcpttURI`, `mcpttString` or `mcpttBoolean` wrapper, as real
 * clients send them, while the writer keeps the schema order of `mcptt-Params`.
 *
 * A value is read as an XML parser would read its character data: character references and the
 * five predefined entities are decoded, in attribute values too, a CDATA section stands for its
 * text, and comments and processing instructions are dropped. A boolean is read as an
 * `xs:boolean`.
 *
 * The readers scan with `indexOf` and loops that only move forward, never with a regular
 * expression that could backtrack, so a hostile part costs time linear in its size. They reject a
 * part larger than {@link MAX_XML_PART_BYTES}.
 *
 * @module
 */
import { LimitExceededError, MimeParseError } from '@mcptt-smime/smime';

/**
 * Maximum size in bytes of one XML part (mcptt-info, pidf or resource-lists) that the readers
 * accept. The SIP core relays at most about 64 KiB per message, so no part that came through it
 * is larger.
 */
export const MAX_XML_PART_BYTES = 64 * 1024;

/**
 * An XML part larger than {@link MAX_XML_PART_BYTES}. Like every LimitExceededError, it rejects
 * the request with 413 Request Entity Too Large.
 */
export class XmlPartTooLargeError extends LimitExceededError {}

/**
 * An XML part with a document type declaration, which MCPTT XML never has. Its internal subset
 * could declare entities and hide markup from a reader that skips it, so the request is rejected
 * with 400 Bad Request, as malformed MIME is.
 */
export class XmlDoctypeError extends MimeParseError {}

/** The fields of `mcptt-Params` that the server uses. */
export interface McpttInfo {
  readonly sessionType?: string;
  readonly requestUri?: string;
  readonly callingUserId?: string;
  readonly calledPartyId?: string;
  readonly callingGroupId?: string;
  readonly emergency?: boolean;
  readonly clientId?: string;
}

/** Form of a field's value: inside one of the {@link WRAPPERS}, or bare as the element's text. */
type FieldKind = 'uri' | 'string' | 'boolean' | 'bare';

const FIELDS: readonly (readonly [string, keyof McpttInfo, FieldKind])[] = [
  ['session-type', 'sessionType', 'bare'],
  ['mcptt-request-uri', 'requestUri', 'uri'],
  ['mcptt-calling-user-id', 'callingUserId', 'uri'],
  ['mcptt-called-party-id', 'calledPartyId', 'uri'],
  ['mcptt-calling-group-id', 'callingGroupId', 'uri'],
  ['emergency-ind', 'emergency', 'boolean'],
  ['mcptt-client-id', 'clientId', 'string'],
];

const FIELD_ELEMENTS: readonly string[] = FIELDS.map(([element]) => element);

const WRAPPERS = { uri: 'mcpttURI', string: 'mcpttString', boolean: 'mcpttBoolean' } as const;

/**
 * Reads `mcptt-Params` from an mcptt-info document. Unknown elements are ignored. Raises
 * {@link XmlPartTooLargeError} for a document larger than {@link MAX_XML_PART_BYTES}.
 */
export function parseMcpttInfo(xml: string): McpttInfo {
  assertPartSize(xml);
  const info: Record<string, string | boolean> = {};
  const texts = elementTexts(xml, FIELD_ELEMENTS);
  for (const [element, field, kind] of FIELDS) {
    const content = texts.get(element);
    const value = content === undefined ? undefined : fieldValue(content, kind);
    const read = kind === 'boolean' ? parseXsBoolean(value) : value;
    if (read !== undefined) {
      info[field] = read;
    }
  }
  return info;
}

/**
 * Returns the text of the first element named `element` in `xml` that has an end tag, or
 * undefined when there is none. The text is the character data of the element and of the
 * elements inside it, without surrounding whitespace: `no-request` from
 * `<floor-state><mcpttString>no-request</mcpttString></floor-state>`. Unlike the other readers
 * here, it does not check the size of `xml`, but it too takes time linear in that size.
 */
export function readElementText(xml: string, element: string): string | undefined {
  const content = elementTexts(xml, [element]).get(element);
  return content === undefined ? undefined : textWithoutTags(content);
}

/** Returns the character data of element content, the tags of nested elements left out. */
function textWithoutTags(content: string): string {
  const pieces: string[] = [];
  let textStart = 0;
  for (let tag = nextTag(content, 0); tag !== undefined; tag = nextTag(content, tag.end)) {
    pieces.push(characterData(content.slice(textStart, tag.start), true));
    textStart = tag.end;
  }
  pieces.push(characterData(content.slice(textStart), true));
  return trimSpace(pieces.join(''));
}

/**
 * Returns the value of a field from the content of its element: the character data of its
 * wrapper, or of the whole content when the wrapper is missing, without surrounding whitespace.
 */
function fieldValue(content: string, kind: FieldKind): string {
  const wrapper = kind === 'bare' ? undefined : WRAPPERS[kind];
  const wrapped = wrapper === undefined ? undefined : elementTexts(content, [wrapper]).get(wrapper);
  return textWithoutTags(wrapped ?? content);
}

/**
 * Reads an `xs:boolean` (XML Schema Part 2 §3.2.2): `true` or `1`, `false` or `0`, after its
 * surrounding whitespace is removed. Any other text is not a boolean and reads as undefined.
 */
function parseXsBoolean(text: string | undefined): boolean | undefined {
  if (text === 'true' || text === '1') {
    return true;
  }
  return text === 'false' || text === '0' ? false : undefined;
}

/** Writes an mcptt-info document with the given fields, in schema order. */
export function buildMcpttInfo(info: McpttInfo): string {
  const lines: string[] = [];
  for (const [element, field, kind] of FIELDS) {
    const value = info[field];
    if (value === undefined) {
      continue;
    }
    const text = escapeXml(String(value));
    lines.push(
      kind === 'bare'
        ? `    <${element}>${text}</${element}>`
        : `    <${element} type="Normal"><${WRAPPERS[kind]}>${text}</${WRAPPERS[kind]}></${element}>`,
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0">',
    '  <mcptt-Params>',
    ...lines,
    '  </mcptt-Params>',
    '</mcpttinfo>',
    '',
  ].join('\r\n');
}

/**
 * Reads the groups of an affiliation pidf (the `group` attributes of the `affiliation` elements
 * of `urn:3gpp:ns:mcpttPresInfo:1.0`). An empty list de-affiliates from every group. Raises
 * {@link XmlPartTooLargeError} for a document larger than {@link MAX_XML_PART_BYTES}.
 */
export function parseAffiliationGroups(xml: string): string[] {
  assertPartSize(xml);
  const groups: string[] = [];
  for (let tag = nextTag(xml, 0); tag !== undefined; tag = nextTag(xml, tag.end)) {
    if (tag.closing || tag.name !== 'affiliation') {
      continue;
    }
    const group = attributeValue(tag.attributes, 'group');
    const status = attributeValue(tag.attributes, 'status');
    if (group !== undefined && status !== 'deaffiliating') {
      groups.push(group);
    }
  }
  return groups;
}

/**
 * Reads the `uri` attributes of the `entry` elements of a resource-lists document (RFC 4826).
 * Raises {@link XmlPartTooLargeError} for a document larger than {@link MAX_XML_PART_BYTES}.
 */
export function parseResourceListUris(xml: string): string[] {
  assertPartSize(xml);
  const uris: string[] = [];
  for (let tag = nextTag(xml, 0); tag !== undefined; tag = nextTag(xml, tag.end)) {
    const uri =
      tag.closing || tag.name !== 'entry' ? undefined : attributeValue(tag.attributes, 'uri');
    if (uri !== undefined) {
      uris.push(uri);
    }
  }
  return uris;
}

function assertPartSize(xml: string): void {
  // A string of more UTF-16 code units than the limit has more UTF-8 bytes too.
  if (xml.length > MAX_XML_PART_BYTES || Buffer.byteLength(xml, 'utf8') > MAX_XML_PART_BYTES) {
    throw new XmlPartTooLargeError(`XML part larger than ${String(MAX_XML_PART_BYTES)} bytes`);
  }
  if (xml.includes('<!DOCTYPE')) {
    throw new XmlDoctypeError('XML part has a document type declaration');
  }
}

/** A start, end or empty-element tag. */
interface Tag {
  /** Local name, without a namespace prefix. */
  readonly name: string;
  /** The text between the name and the closing `>`, or `/>` for an empty element. */
  readonly attributes: string;
  readonly closing: boolean;
  /** True for an empty-element tag such as `<entry uri="…"/>`. */
  readonly empty: boolean;
  /** Offset of the `<`. */
  readonly start: number;
  /** Offset after the `>`. */
  readonly end: number;
}

/** Markup that contains no element, with the text that ends it, in the order they are tried. */
const SKIPPED_MARKUP: readonly (readonly [open: string, close: string])[] = [
  ['<!--', '-->'],
  ['<![CDATA[', ']]>'],
  ['<?', '?>'],
  ['<!', '>'],
];

/**
 * Returns the first tag at or after `from`, skipping comments, CDATA sections, processing
 * instructions and declarations. Returns undefined when none is left or when a tag or other
 * markup is not terminated, because everything after its start is then inside it. Each
 * character is examined a bounded number of times, so that a loop over the tags of a document
 * is linear in its length.
 */
function nextTag(xml: string, from: number): Tag | undefined {
  let position = from;
  for (let open = xml.indexOf('<', position); open >= 0; open = xml.indexOf('<', position)) {
    const next = xml[open + 1];
    const skipped =
      next === '!' || next === '?'
        ? SKIPPED_MARKUP.find(([start]) => xml.startsWith(start, open))
        : undefined;
    if (skipped !== undefined) {
      const [start, close] = skipped;
      const closeAt = xml.indexOf(close, open + start.length);
      if (closeAt < 0) {
        return undefined;
      }
      position = closeAt + close.length;
      continue;
    }

    const closing = next === '/';
    const nameStart = open + (closing ? 2 : 1);
    let nameEnd = nameStart;
    while (nameEnd < xml.length && isNameCharacter(xml.charCodeAt(nameEnd))) {
      nameEnd++;
    }
    if (nameEnd === nameStart) {
      // A `<` that starts no tag, as in malformed text.
      position = open + 1;
      continue;
    }
    const end = tagEnd(xml, nameEnd);
    if (end < 0) {
      return undefined;
    }
    const qualifiedName = xml.slice(nameStart, nameEnd);
    const attributes = xml.slice(nameEnd, end);
    return {
      name: qualifiedName.slice(qualifiedName.lastIndexOf(':') + 1),
      attributes,
      closing,
      empty: !closing && attributes.endsWith('/'),
      start: open,
      end: end + 1,
    };
  }
  return undefined;
}

/** Returns the offset of the `>` that ends a tag, outside quoted values, or -1. */
function tagEnd(xml: string, from: number): number {
  let quote = '';
  for (let i = from; i < xml.length; i++) {
    const char = xml[i];
    if (quote !== '') {
      quote = char === quote ? '' : quote;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '>') {
      return i;
    }
  }
  return -1;
}

/** ASCII letters, digits, `_`, `-`, `.`, `:`, and every non-ASCII character (XML 1.0 §2.3). */
function isNameCharacter(code: number): boolean {
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

/**
 * Returns the value of the first attribute named `name` in the attribute text of a tag, quoted
 * with `"` or `'`, with its references decoded, or undefined. The scan only moves forward, so it
 * is linear in the text.
 */
function attributeValue(attributes: string, name: string): string | undefined {
  let i = 0;
  while (i < attributes.length) {
    while (i < attributes.length && isSpace(attributes.charCodeAt(i))) i++;
    const nameStart = i;
    while (i < attributes.length && isNameCharacter(attributes.charCodeAt(i))) i++;
    const found = attributes.slice(nameStart, i);
    while (i < attributes.length && isSpace(attributes.charCodeAt(i))) i++;
    if (found === '' || attributes[i] !== '=') {
      // Not an attribute: step over one character so that the scan always advances.
      i = Math.max(i, nameStart + 1);
      continue;
    }
    i++;
    while (i < attributes.length && isSpace(attributes.charCodeAt(i))) i++;
    const quote = attributes[i];
    if (quote !== '"' && quote !== "'") {
      continue;
    }
    const close = attributes.indexOf(quote, i + 1);
    if (close < 0) {
      return undefined;
    }
    if (found === name) {
      return characterData(attributes.slice(i + 1, close), false);
    }
    i = close + 1;
  }
  return undefined;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * Returns, for each of `names`, the content of the first element of that name that has an end
 * tag: the text between its start tag and the next end tag of that name. Empty-element tags are
 * passed over. A start tag without an end tag after it means that no later one has one either,
 * so one pass over the tags finds them all.
 */
function elementTexts(xml: string, names: readonly string[]): Map<string, string> {
  // NOTE: names match by local name anywhere in the document, in any namespace and at any depth,
  // and an element nested in one of the same name ends at the inner end tag.
  const contentStart = new Map<string, number>();
  const texts = new Map<string, string>();
  for (let tag = nextTag(xml, 0); tag !== undefined; tag = nextTag(xml, tag.end)) {
    if (!names.includes(tag.name) || texts.has(tag.name)) {
      continue;
    }
    const start = contentStart.get(tag.name);
    if (!tag.closing && !tag.empty && start === undefined) {
      contentStart.set(tag.name, tag.end);
    } else if (tag.closing && start !== undefined) {
      texts.set(tag.name, xml.slice(start, tag.start));
    }
  }
  return texts;
}

/** Escapes the five XML special characters. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** Markup in content that is not character data, and whether its text is kept. */
const CONTENT_MARKUP: readonly (readonly [open: string, close: string, keep: boolean])[] = [
  ['<!--', '-->', false],
  ['<![CDATA[', ']]>', true],
  ['<?', '?>', false],
];

/**
 * Returns the character data of element content, or of an attribute value when `content` is
 * false: references decoded and, in content, each CDATA section replaced by its text and
 * comments and processing instructions dropped. Other markup, such as a nested tag, is kept as
 * written. A `&` that starts no reference that can be decoded is kept as written too. Each
 * character is examined a bounded number of times.
 */
function characterData(text: string, content: boolean): string {
  const pieces: string[] = [];
  // Start of the text that is copied as it is.
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    const next = text[i + 1];
    const markup =
      content && char === '<' && (next === '!' || next === '?')
        ? CONTENT_MARKUP.find(([open]) => text.startsWith(open, i))
        : undefined;
    const reference = char === '&' ? readReference(text, i) : undefined;
    if (markup !== undefined) {
      const [open, close, keep] = markup;
      const closeAt = text.indexOf(close, i + open.length);
      const end = closeAt < 0 ? text.length : closeAt;
      pieces.push(text.slice(copied, i), keep ? text.slice(i + open.length, end) : '');
      i = copied = closeAt < 0 ? end : end + close.length;
    } else if (reference !== undefined) {
      pieces.push(text.slice(copied, i), reference.text);
      i = copied = reference.end;
    } else {
      i++;
    }
  }
  pieces.push(text.slice(copied));
  return pieces.join('');
}

const PREDEFINED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

/**
 * Reads the character reference (`&#64;`, `&#x40;`) or predefined entity reference at `at`, the
 * offset of its `&`. Returns the text it stands for and the offset after its `;`, or undefined
 * when no such reference starts there. It reads only digits or ASCII letters after the `&`, and
 * none of them can start another reference, so the scan of a text stays linear.
 */
function readReference(
  text: string,
  at: number,
): { readonly text: string; readonly end: number } | undefined {
  let i = at + 1;
  if (text[i] !== '#') {
    while (i < text.length && isAsciiLetter(text.charCodeAt(i))) {
      i++;
    }
    const replacement = PREDEFINED_ENTITIES.get(text.slice(at + 1, i));
    return replacement === undefined || text[i] !== ';'
      ? undefined
      : { text: replacement, end: i + 1 };
  }
  const radix = text[i + 1] === 'x' ? 16 : 10;
  i += radix === 16 ? 2 : 1;
  const digitsStart = i;
  let codePoint = 0;
  let digit = digitValue(text.charCodeAt(i), radix);
  while (digit >= 0) {
    // Past U+10FFFF the exact value no longer matters, and the cap keeps it a safe integer.
    codePoint = Math.min(codePoint * radix + digit, 0x110000);
    i++;
    digit = digitValue(text.charCodeAt(i), radix);
  }
  if (i === digitsStart || text[i] !== ';') {
    return undefined;
  }
  // A reference to a code point that is no XML 1.0 character (such as 0, a surrogate or one past
  // U+10FFFF) is left out of the value. The part is not rejected.
  return { text: isXmlCharacter(codePoint) ? String.fromCodePoint(codePoint) : '', end: i + 1 };
}

/** Returns the value of a digit in base 10 or 16, or -1 for any other code (NaN included). */
function digitValue(code: number, radix: 10 | 16): number {
  if (code >= 0x30 && code <= 0x39) {
    return code - 0x30;
  }
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

/** Removes the XML whitespace (space, tab, CR, LF) around `text`. */
function trimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) {
    start++;
  }
  while (end > start && isSpace(text.charCodeAt(end - 1))) {
    end--;
  }
  return text.slice(start, end);
}
