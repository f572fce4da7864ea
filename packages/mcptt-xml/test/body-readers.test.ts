import { describe, expect, it } from 'vitest';
import {
  MAX_XML_DEPTH,
  MAX_XML_ELEMENTS,
  parseAffiliationTuples,
  parseLocationInfo,
  parseMcpttInfo,
  parseResourceLists,
  type XmlSizeLimit,
} from '../src/index.js';
import {
  beforeRootEnd,
  COORDINATE,
  errorOf,
  expectInvalid,
  info,
  INFO_CLOSE,
  INFO_OPEN,
  LIMIT,
  LIST_OPEN,
  listOf,
  location,
  MAX_BYTES,
  OTHER,
  PIDF_OPEN,
  pidfWith,
  requestUri,
} from './helpers/bodies.js';

type Reader = (xml: string, limit: XmlSizeLimit) => unknown;

/** A valid document of each reader, to damage in the tests below. */
const readers: readonly (readonly [string, Reader, string])[] = [
  ['parseMcpttInfo', parseMcpttInfo, info(requestUri('sip:g@x'))],
  ['parseAffiliationTuples', parseAffiliationTuples, pidfWith('group="sip:g@x"')],
  ['parseResourceLists', parseResourceLists, listOf('<entry uri="sip:b@x"/>')],
  ['parseLocationInfo', parseLocationInfo, location(COORDINATE)],
];

/** Returns `unit` repeated between `prefix` and `suffix`, to at most MAX_BYTES characters. */
function fill(unit: string, prefix = '', suffix = ''): string {
  const count = Math.floor((MAX_BYTES - prefix.length - suffix.length) / unit.length);
  return `${prefix}${unit.repeat(count)}${suffix}`;
}

describe.each(readers)('%s rejects malformed XML', (_name, readWith, valid) => {
  const read = (xml: string) => readWith(xml, LIMIT);

  it('reads the valid document', () => {
    expect(errorOf(read, valid)).toBeUndefined();
  });

  it.each([
    ['a truncated end tag', valid.slice(0, -3), 'malformed end tag'],
    ['a truncated document', valid.slice(0, valid.lastIndexOf('</')), 'unclosed element'],
    ['a truncated start tag', valid.slice(0, valid.indexOf('>')), 'unterminated start tag'],
    ['unbalanced tags', beforeRootEnd(valid, '<a><b></a></b>'), 'mismatched end tag'],
    ['a stray end tag', beforeRootEnd(valid, '</x>'), 'mismatched end tag'],
    ['an undeclared prefix', beforeRootEnd(valid, '<u:x/>'), 'undeclared namespace prefix'],
    ['an undeclared entity', beforeRootEnd(valid, '&nbsp;'), 'undeclared or malformed entity'],
    ['a bare &', beforeRootEnd(valid, 'a & b'), 'undeclared or malformed entity'],
    ['a reference to U+0000', beforeRootEnd(valid, '&#0;'), 'code point XML does not allow'],
    ['a raw U+0000', beforeRootEnd(valid, '\u0000'), 'character not allowed in XML'],
    ['a second root', `${valid}<a/>`, 'content after the root element'],
    ['< in an attribute value', beforeRootEnd(valid, '<a b="<!-- x -->"/>'), '< in an attribute'],
  ])('%s', (_case, xml, detail) => {
    expectInvalid(() => read(xml), detail);
  });

  it('deep nesting', () => {
    const nested = (depth: number) =>
      beforeRootEnd(valid, `<e xmlns="${OTHER}">`.repeat(depth) + '</e>'.repeat(depth));

    expect(errorOf(read, nested(MAX_XML_DEPTH - 1))).toBeUndefined();
    expectInvalid(() => read(nested(MAX_XML_DEPTH)), 'elements nested too deeply');
  });

  it('too many elements', () => {
    const elements = (count: number) => beforeRootEnd(valid, `<e xmlns="${OTHER}"/>`.repeat(count));
    // Each start tag or empty-element tag of the valid document is one element.
    const inValid = (valid.match(/<(?!\/)/g) ?? []).length;

    expect(errorOf(read, elements(MAX_XML_ELEMENTS - inValid))).toBeUndefined();
    expectInvalid(() => read(elements(MAX_XML_ELEMENTS - inValid + 1)), 'too many elements');
  });

  it('a DOCTYPE, as its own reason', () => {
    const xml = `<!DOCTYPE x [<!ENTITY e "sip:evil@x">]>${valid}`;

    expectInvalid(() => read(xml), 'DOCTYPE not allowed', 'doctype');
  });

  it('a DOCTYPE that hides markup in its system literal', () => {
    const xml = '<!DOCTYPE m SYSTEM "a><mcptt-request-uri>sip:evil@x</mcptt-request-uri>">' + valid;

    expectInvalid(() => read(xml), 'DOCTYPE not allowed', 'doctype');
  });
});

describe.each(readers)('%s takes the size limit of its caller', (_name, read, valid) => {
  it('accepts a document at the limit', () => {
    const xml = fill(
      ' ',
      valid.slice(0, valid.lastIndexOf('</')),
      valid.slice(valid.lastIndexOf('</')),
    );

    expect(xml).toHaveLength(MAX_BYTES);
    expect(errorOf((text) => read(text, LIMIT), xml)).toBeUndefined();
  });

  it('rejects one byte more, as its own reason', () => {
    expectInvalid(() => read(' '.repeat(MAX_BYTES + 1), LIMIT), 'document too large', 'too-large');
  });

  it('counts in the unit of the limit', () => {
    const xml = beforeRootEnd(valid, 'é'.repeat(MAX_BYTES / 2));

    expect(xml.length).toBeLessThan(MAX_BYTES);
    expectInvalid(() => read(xml, LIMIT), 'document too large', 'too-large');
    expect(errorOf((text) => read(text, { max: MAX_BYTES, unit: 'utf-16' }), xml)).toBeUndefined();
  });
});

// The inputs below made earlier pattern-based readers backtrack: each took time quadratic in its
// size. The readers must finish them at once; a reader that does not runs into the test timeout
// rather than a timing assertion.
describe('hostile input', () => {
  it.each(readers)('%s rejects 250,000 `<entry ` as too large', (_name, read) => {
    expectInvalid(() => read('<entry '.repeat(250_000), LIMIT), 'too large', 'too-large');
  });

  it.each([
    ['parseMcpttInfo', parseMcpttInfo, '<session-type '],
    ['parseAffiliationTuples', parseAffiliationTuples, '<affiliation '],
    ['parseResourceLists', parseResourceLists, '<entry uri '],
  ] as const)('%s rejects 1 MB of unterminated tags as too large', (_name, read, tag) => {
    const xml = tag.repeat((1024 * 1024) / tag.length);

    expectInvalid(() => read(xml, LIMIT), 'too large', 'too-large');
  });

  // One part at the limit took the former readers 0.02 to 0.4 s. A burst of requests brings many
  // in a row, and this many took each test below more than a minute.
  const BURST = 150;

  /** Asserts that `read` rejects each document of `parts` as malformed, BURST times over. */
  function expectBurstRejected(read: Reader, parts: readonly (readonly [string, string])[]): void {
    for (let i = 0; i < BURST; i++) {
      for (const [part, detail] of parts) {
        expectInvalid(() => read(part, LIMIT), detail);
      }
    }
  }

  it('resource-lists: burst at the limit', () => {
    expectBurstRejected(parseResourceLists, [
      [fill('<entry ', LIST_OPEN), 'malformed attribute'],
      [fill('<entry uri ', LIST_OPEN), 'malformed attribute'],
      [fill('<entry uri= ', LIST_OPEN), 'malformed attribute'],
      [fill(`<entry uri="'" x='"' `, LIST_OPEN), 'malformed attribute'],
      [fill('<entry uri="sip:a@b', LIST_OPEN), '< in an attribute value'],
      [fill(`<entry uri="'" x='"'/>`, LIST_OPEN, '</list></resource-lists>'), 'too many elements'],
    ]);
  });

  it('pidf: burst at the limit', () => {
    expectBurstRejected(parseAffiliationTuples, [
      [fill('<m:affiliation ', PIDF_OPEN), 'malformed attribute'],
      [fill('<m:affiliation group ', PIDF_OPEN), 'malformed attribute'],
      [fill(`group="'" status='"' `, `${PIDF_OPEN}<m:affiliation `), 'unterminated start tag'],
      [fill('group="', `${PIDF_OPEN}<m:affiliation `), 'malformed attribute'],
    ]);
  });

  it('references and CDATA: burst at the limit', () => {
    const open = `${INFO_OPEN}<mcptt-client-id>`;
    const close = `</mcptt-client-id>${INFO_CLOSE}`;
    const cdata = fill('<![CDATA[]]>', open, close);

    expectBurstRejected(parseMcpttInfo, [
      [fill('&#1', open, close), 'malformed character reference'],
      [fill('&#x', open, close), 'malformed character reference'],
      [fill('&amp', open, close), 'undeclared or malformed entity'],
      [fill('&', open, close), 'undeclared or malformed entity'],
      [`${open}&#${'9'.repeat(MAX_BYTES - 200)};${close}`, 'code point XML does not'],
    ]);
    for (let i = 0; i < BURST; i++) {
      expect(parseMcpttInfo(cdata, LIMIT)).toEqual({ clientId: '' });
    }
  });

  it('mcptt-info: burst at the limit', () => {
    expectBurstRejected(parseMcpttInfo, [
      [fill('<session-type>', INFO_OPEN), 'elements nested too deeply'],
      [fill('<session-type ', INFO_OPEN), 'malformed attribute'],
      [fill('<mcptt-calling-user-id ', INFO_OPEN), 'malformed attribute'],
      [fill('<mcpttURI>', `${INFO_OPEN}<mcptt-calling-user-id>`), 'elements nested too deeply'],
      [fill(`<emergency-ind type="'" x='"'>`, INFO_OPEN), 'elements nested too deeply'],
      [fill('<!--', INFO_OPEN), 'unterminated comment'],
    ]);
  });
});
