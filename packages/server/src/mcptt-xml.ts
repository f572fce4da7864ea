/**
 * The MCPTT XML bodies the server reads and writes (3GPP TS 24.379): `mcptt-info`, the
 * affiliation `pidf` of a PUBLISH, and `resource-lists`. The readers are tolerant of element
 * order and of values without their `mcpttURI`, `mcpttString` or `mcpttBoolean` wrapper, as real
 * clients send them, while the writer keeps the schema order of `mcptt-Params`.
 *
 * The readers scan with `indexOf` and loops that only move forward, never with a regular
 * expression that could backtrack, so a hostile part costs time linear in its size. They reject a
 * part larger than {@link MAX_XML_PART_BYTES}.
 *
 * @module
 */
import { LimitExceededError } from '@mcptt-smime/smime';

/**
 * Maximum size in bytes of one XML part (mcptt-info, pidf or resource-lists) that the readers
 * accept. The SIP core relays at most about 64 KiB per message, so no part that came through it
 * is larger.
 */
export const MAX_XML_PART_BYTES = 64 * 1024;

/**
 * An XML part larger than {@link MAX_XML_PART_BYTES}. As every LimitExceededError, it rejects
 * the request with 413 Request Entity Too Large.
 */
export class XmlPartTooLargeError extends LimitExceededError {}

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

const FIELDS: readonly (readonly [
  string,
  keyof McpttInfo,
  'uri' | 'string' | 'boolean' | 'bare',
])[] = [
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
    const raw = texts.get(element);
    if (raw === undefined) {
      continue;
    }
    const wrapped =
      kind === 'bare' ? undefined : elementTexts(raw, [WRAPPERS[kind]]).get(WRAPPERS[kind]);
    const value = unescapeXml((wrapped ?? raw).trim());
    info[field] = kind === 'boolean' ? value === 'true' : value;
  }
  return info;
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
    if (group !== undefined && attributeValue(tag.attributes, 'status') !== 'deaffiliating') {
      groups.push(unescapeXml(group));
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
      uris.push(unescapeXml(uri));
    }
  }
  return uris;
}

function assertPartSize(xml: string): void {
  // A string of more UTF-16 code units than the limit has more UTF-8 bytes too.
  if (xml.length > MAX_XML_PART_BYTES || Buffer.byteLength(xml, 'utf8') > MAX_XML_PART_BYTES) {
    throw new XmlPartTooLargeError(`XML part larger than ${String(MAX_XML_PART_BYTES)} bytes`);
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
 * with `"` or `'`, or undefined. The scan only moves forward, so it is linear in the text.
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
      return attributes.slice(i + 1, close);
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

function unescapeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}
