import { describe, expect, it } from 'vitest';
import { MAX_XML_DEPTH, MAX_XML_ELEMENTS, parseXml, type XmlSizeLimit } from '../src/index.js';
import { expectInvalid } from './helpers/bodies.js';

// The cases of the reader as the SDK sets it: 64 Ki UTF-16 code units.
const MAX_CHARS = 64 * 1024;
const LIMIT: XmlSizeLimit = { max: MAX_CHARS, unit: 'utf-16' };

const read = (xml: string) => parseXml(xml, LIMIT);

describe('parseXml namespaces', () => {
  it('resolves default and prefixed names', () => {
    const root = read(`<a xmlns="urn:a" xmlns:p="urn:p"><p:b/><c/></a>`);

    expect(root).toMatchObject({ namespace: 'urn:a', name: 'a' });
    expect(root.children[0]).toMatchObject({ namespace: 'urn:p', name: 'b' });
    expect(root.children[1]).toMatchObject({ namespace: 'urn:a', name: 'c' });
  });

  it('scopes declarations to their element', () => {
    const root = read(
      '<p:a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c/></p:b><p:d/><e xmlns="urn:3"><f xmlns=""/></e></p:a>',
    );
    const [b, d, e] = root.children;

    expect(root.namespace).toBe('urn:1');
    expect(b?.namespace).toBe('urn:2');
    expect(b?.children[0]?.namespace).toBe('urn:2');
    expect(d?.namespace).toBe('urn:1');
    expect(e?.namespace).toBe('urn:3');
    expect(e?.children[0]?.namespace).toBe('');
  });

  it('keys attributes by expanded name', () => {
    const root = read('<a xmlns="urn:a" xmlns:p="urn:p" uri="1" p:uri="2" xml:lang="en"/>');

    expect([...root.attributes]).toEqual([
      ['uri', '1'],
      ['{urn:p}uri', '2'],
      ['{http://www.w3.org/XML/1998/namespace}lang', 'en'],
    ]);
  });

  it('ends an element at its own end tag', () => {
    const root = read('<a><a><a>inner</a>middle</a>outer</a>');

    expect(root.text).toBe('outer');
    expect(root.children[0]?.text).toBe('middle');
    expect(root.children[0]?.children[0]?.text).toBe('inner');
  });

  it('reads references, CDATA, comments and a BOM', () => {
    const root = read(
      '\uFEFF<?xml version="1.0"?><!-- c --><a b="&lt;&#x41;&#66;">x&amp;<!-- y --><![CDATA[<c>&amp;]]><?pi z?></a>\r\n',
    );

    expect(root.attributes.get('b')).toBe('<AB');
    expect(root.text).toBe('x&<c>&amp;');
  });

  it('reads single dashes in comments and ]] in text', () => {
    const root = read('<!----><a><!-- a - b -->]] ]]&gt;<![CDATA[]]]]><![CDATA[>]]></a>');

    expect(root.text).toBe(']] ]]>]]>');
  });
});

describe('parseXml rejects', () => {
  it.each([
    ['unbalanced tags', '<a><b></a></b>', 'mismatched end tag'],
    ['an end tag without start', '<a/></a>', 'mismatched end tag'],
    ['a truncated element', '<a><b></b>', 'unclosed element'],
    ['a truncated start tag', '<a><b c="1"', 'unterminated start tag'],
    ['a truncated attribute value', '<a b="1/>', 'unterminated attribute value'],
    ['a truncated comment', '<a><!-- x </a>', 'unterminated comment'],
    ['a truncated CDATA section', '<a><![CDATA[x</a>', 'unterminated CDATA section'],
    ['-- inside a comment', '<a><!-- a -- b --></a>', '-- inside a comment'],
    ['a comment ending in ---', '<a><!-- a ---></a>', '-- inside a comment'],
    ['-- in a comment before the root', '<!----><!-- -- --><a/>', '-- inside a comment'],
    [']]> in text', '<a>x ]]> y</a>', ']]> in text'],
    ['an empty document', '', 'no root element'],
    ['text only', 'sip:a@x', 'text outside the root element'],
    ['two roots', '<a/><b/>', 'content after the root element'],
    ['text after the root', '<a/>x', 'text outside the root element'],
    ['CDATA outside the root', '<![CDATA[ ]]><a/>', 'CDATA section outside the root element'],
    ['an undeclared element prefix', '<p:a/>', 'undeclared namespace prefix'],
    ['an undeclared attribute prefix', '<a p:b="1"/>', 'undeclared namespace prefix'],
    ['a prefix out of scope', '<a><b xmlns:p="urn:p"/><p:c/></a>', 'undeclared namespace prefix'],
    ['a prefix bound to nothing', '<a xmlns:p=""/>', 'empty namespace name for a prefix'],
    ['the xmlns prefix declared', '<a xmlns:xmlns="urn:x"/>', 'reserved namespace prefix'],
    ['the xml prefix rebound', '<a xmlns:xml="urn:x"/>', 'reserved namespace prefix'],
    ['the xmlns prefix on an element', '<xmlns:a/>', 'reserved prefix xmlns'],
    ['a name with two colons', '<a:b:c/>', 'invalid name'],
    ['a name starting with a digit', '<1a/>', 'invalid name'],
    ['a stray <', '<a>< b</a>', 'unexpected markup'],
    ['attributes without space', '<a b="1"c="2"/>', 'malformed attribute'],
    ['an attribute without value', '<a b/>', 'malformed attribute'],
    ['an unquoted attribute', '<a b=1/>', 'malformed attribute'],
    ['< in an attribute value', '<a b="<"/>', '< in an attribute value'],
    ['a duplicate attribute', '<a b="1" b="2"/>', 'duplicate attribute'],
    [
      'one attribute under two prefixes',
      '<a xmlns:p="urn:p" xmlns:q="urn:p" p:b="1" q:b="2"/>',
      'duplicate attribute',
    ],
    ['an undeclared entity', '<a>&nbsp;</a>', 'undeclared or malformed entity'],
    ['an entity named like an Object member', '<a>&constructor;</a>', 'undeclared or malformed'],
    ['a bare &', '<a>a & b</a>', 'undeclared or malformed entity'],
    ['an entity without ;', '<a b="&lt"/>', 'undeclared or malformed entity'],
    ['an uppercase hex reference', '<a>&#X41;</a>', 'malformed character reference'],
    ['a reference without digits', '<a>&#;</a>', 'malformed character reference'],
    ['a reference to U+0000', '<a>&#0;</a>', 'code point XML does not allow'],
    ['a reference to a surrogate', '<a>&#xD800;</a>', 'code point XML does not allow'],
    ['a reference past U+10FFFF', `<a>&#${'9'.repeat(400)};</a>`, 'code point XML does not'],
    ['a raw U+0000', '<a>\u0000</a>', 'character not allowed in XML'],
    ['a lone surrogate', '<a>\uDC00</a>', 'character not allowed in XML'],
  ])('%s', (_case, xml, reason) => {
    expectInvalid(() => read(xml), reason);
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
    ['a DOCTYPE after a comment', '<!-- x --><!DOCTYPE a><a/>'],
  ])('%s, as its own reason', (_case, xml) => {
    expectInvalid(() => read(xml), 'DOCTYPE not allowed', 'doctype');
  });
});

describe('parseXml limits', () => {
  const nested = (depth: number) => '<a>'.repeat(depth) + '</a>'.repeat(depth);
  const siblings = (count: number) => `<a>${'<b/>'.repeat(count - 1)}</a>`;

  it('accepts each limit', () => {
    expect(() => read(nested(MAX_XML_DEPTH))).not.toThrow();
    expect(() => read(siblings(MAX_XML_ELEMENTS))).not.toThrow();
    expect(() => read(`<a>${' '.repeat(MAX_CHARS - 7)}</a>`)).not.toThrow();
  });

  it('rejects one past each limit', () => {
    expectInvalid(() => read(nested(MAX_XML_DEPTH + 1)), 'elements nested too deeply');
    expectInvalid(() => read(siblings(MAX_XML_ELEMENTS + 1)), 'too many elements');
    expectInvalid(() => read(`<a>${' '.repeat(MAX_CHARS - 6)}</a>`), 'too large', 'too-large');
  });

  it('counts an empty element toward depth', () => {
    const xml = '<a>'.repeat(MAX_XML_DEPTH) + '<b/>' + '</a>'.repeat(MAX_XML_DEPTH);

    expectInvalid(() => read(xml), 'elements nested too deeply');
  });

  // Each body fills the size limit with markup that a backtracking pattern, or a scan restarted
  // at every `<`, would take quadratic time over. A reader that did runs into the test timeout.
  it.each([
    ['unterminated start tags', '<a ', 'malformed attribute'],
    ['unterminated attributes', '<a b="', '< in an attribute value'],
    ['start tags', '<a>', 'elements nested too deeply'],
    ['ampersands', '<a>&', 'undeclared or malformed entity'],
    ['comment openings', '<!--', 'unterminated comment'],
    ['prefixed start tags', '<p:a ', 'malformed attribute'],
  ])('rejects a body of %s at once', (_case, unit, reason) => {
    const xml = unit.repeat(Math.floor(MAX_CHARS / unit.length));
    for (let i = 0; i < 200; i++) {
      expectInvalid(() => read(xml), reason);
    }
  });
});
