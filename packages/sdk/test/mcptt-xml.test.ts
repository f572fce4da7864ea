import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MimeParseError } from '@mcptt-smime/smime';
import { buildAffiliation, parseAffiliation } from '../src/mcptt/affiliation.js';
import { buildLocationInfo, parseLocationInfo } from '../src/mcptt/location-info.js';
import { buildMcpttInfo, parseMcpttInfo, type McpttInfo } from '../src/mcptt/mcptt-info.js';
import {
  LOCATION_INFO_NAMESPACE,
  MCPTT_INFO_NAMESPACE,
  MCPTT_PRES_INFO_NAMESPACE,
  PIDF_NAMESPACE,
  RESOURCE_LISTS_NAMESPACE,
} from '../src/mcptt/media-types.js';
import { buildResourceLists, parseResourceLists } from '../src/mcptt/resource-lists.js';
import {
  MAX_XML_CHARS,
  MAX_XML_DEPTH,
  MAX_XML_ELEMENTS,
  escapeXml,
  parseXml,
} from '../src/mcptt/xml.js';

const OTHER = 'urn:example:other';

/** Runs `action` and returns the MimeParseError it raised, failing the test otherwise. */
function parseErrorOf(action: () => unknown): MimeParseError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(MimeParseError);
    return error as MimeParseError;
  }
  return expect.fail('no error raised');
}

/** Asserts that `action` raises MimeParseError, 400, with `reason` in its message. */
function expectRejected(action: () => unknown, reason: string): void {
  const error = parseErrorOf(action);
  expect(error.code).toBe('ERR_MIME_MALFORMED');
  expect(error.sipStatus).toBe(400);
  expect(error.message).toContain(reason);
}

/** An mcptt-info document in the default namespace with `params` inside mcptt-Params. */
const info = (params: string) =>
  `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}"><mcptt-Params>${params}</mcptt-Params></mcpttinfo>`;

const requestUri = (uri: string) =>
  `<mcptt-request-uri type="Normal"><mcpttURI>${uri}</mcpttURI></mcptt-request-uri>`;

/** A location report in the default namespace with `coordinate` inside CurrentCoordinate. */
const location = (coordinate: string, report = '') =>
  `<location-info xmlns="${LOCATION_INFO_NAMESPACE}"><Report ReportType="Emergency">${report}` +
  `<CurrentLocation><CurrentCoordinate>${coordinate}</CurrentCoordinate></CurrentLocation>` +
  '</Report></location-info>';

const COORDINATE = '<longitude>2.5</longitude><latitude>48.5</latitude>';

/** A resource-lists document in the default namespace with `content` inside its root. */
const lists = (content: string) =>
  `<resource-lists xmlns="${RESOURCE_LISTS_NAMESPACE}">${content}</resource-lists>`;

/** A pidf with the MCPTT presence namespace bound to `m`, and `status` inside its tuple's status. */
const pidf = (status: string, tuple = '') =>
  `<presence xmlns="${PIDF_NAMESPACE}" xmlns:m="${MCPTT_PRES_INFO_NAMESPACE}" entity="sip:a@x">` +
  `<tuple id="c1"><status>${status}</status>${tuple}</tuple></presence>`;

describe('parseXml namespaces', () => {
  it('resolves default and prefixed names', () => {
    const root = parseXml(`<a xmlns="urn:a" xmlns:p="urn:p"><p:b/><c/></a>`);

    expect(root).toMatchObject({ namespace: 'urn:a', name: 'a' });
    expect(root.children[0]).toMatchObject({ namespace: 'urn:p', name: 'b' });
    expect(root.children[1]).toMatchObject({ namespace: 'urn:a', name: 'c' });
  });

  it('scopes declarations to their element', () => {
    const root = parseXml(
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
    const root = parseXml('<a xmlns="urn:a" xmlns:p="urn:p" uri="1" p:uri="2" xml:lang="en"/>');

    expect([...root.attributes]).toEqual([
      ['uri', '1'],
      ['{urn:p}uri', '2'],
      ['{http://www.w3.org/XML/1998/namespace}lang', 'en'],
    ]);
  });

  it('ends an element at its own end tag', () => {
    const root = parseXml('<a><a><a>inner</a>middle</a>outer</a>');

    expect(root.text).toBe('outer');
    expect(root.children[0]?.text).toBe('middle');
    expect(root.children[0]?.children[0]?.text).toBe('inner');
  });

  it('reads references, CDATA, comments and a BOM', () => {
    const root = parseXml(
      '\uFEFF<?xml version="1.0"?><!-- c --><a b="&lt;&#x41;&#66;">x&amp;<!-- y --><![CDATA[<c>&amp;]]><?pi z?></a>\r\n',
    );

    expect(root.attributes.get('b')).toBe('<AB');
    expect(root.text).toBe('x&<c>&amp;');
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
    ['a DOCTYPE', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 'DOCTYPE not allowed'],
    ['a DOCTYPE after a comment', '<!-- x --><!DOCTYPE a><a/>', 'DOCTYPE not allowed'],
  ])('%s', (_case, xml, reason) => {
    expectRejected(() => parseXml(xml), reason);
  });
});

describe('parseXml limits', () => {
  const nested = (depth: number) => '<a>'.repeat(depth) + '</a>'.repeat(depth);
  const siblings = (count: number) => `<a>${'<b/>'.repeat(count - 1)}</a>`;

  it('accepts each limit', () => {
    expect(() => parseXml(nested(MAX_XML_DEPTH))).not.toThrow();
    expect(() => parseXml(siblings(MAX_XML_ELEMENTS))).not.toThrow();
    expect(() => parseXml(`<a>${' '.repeat(MAX_XML_CHARS - 7)}</a>`)).not.toThrow();
  });

  it('rejects one past each limit', () => {
    expectRejected(() => parseXml(nested(MAX_XML_DEPTH + 1)), 'elements nested too deeply');
    expectRejected(() => parseXml(siblings(MAX_XML_ELEMENTS + 1)), 'too many elements');
    expectRejected(() => parseXml(`<a>${' '.repeat(MAX_XML_CHARS - 6)}</a>`), 'too large');
  });

  it('counts an empty element toward depth', () => {
    const xml = '<a>'.repeat(MAX_XML_DEPTH) + '<b/>' + '</a>'.repeat(MAX_XML_DEPTH);

    expectRejected(() => parseXml(xml), 'elements nested too deeply');
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
    const xml = unit.repeat(Math.floor(MAX_XML_CHARS / unit.length));
    for (let i = 0; i < 200; i++) {
      expect(parseErrorOf(() => parseXml(xml)).message).toContain(reason);
    }
  });
});

describe('mcptt-info reads only its schema path', () => {
  it('reads the default and prefixed forms alike', () => {
    const prefixed =
      `<m:mcpttinfo xmlns:m="${MCPTT_INFO_NAMESPACE}"><m:mcptt-Params>` +
      '<m:mcptt-request-uri><m:mcpttURI>sip:g@x</m:mcpttURI></m:mcptt-request-uri>' +
      '</m:mcptt-Params></m:mcpttinfo>';

    expect(parseMcpttInfo(info(requestUri('sip:g@x')))).toEqual({ requestUri: 'sip:g@x' });
    expect(parseMcpttInfo(prefixed)).toEqual({ requestUri: 'sip:g@x' });
  });

  it('rejects a root in another namespace', () => {
    const foreign =
      `<foo:mcpttinfo xmlns:foo="${OTHER}"><foo:mcptt-Params>` +
      '<foo:mcptt-request-uri><foo:mcpttURI>sip:evil@x</foo:mcpttURI></foo:mcptt-request-uri>' +
      '</foo:mcptt-Params></foo:mcpttinfo>';

    expectRejected(() => parseMcpttInfo(foreign), 'root element is not mcpttinfo');
    expectRejected(() => parseMcpttInfo('<mcpttinfo/>'), 'root element is not mcpttinfo');
  });

  it('ignores lookalike fields of another namespace', () => {
    const xml = info(
      `<o:mcptt-request-uri xmlns:o="${OTHER}"><o:mcpttURI>sip:evil@x</o:mcpttURI></o:mcptt-request-uri>` +
        `<session-type xmlns="${OTHER}">chat</session-type>` +
        '<emergency-ind xmlns=""><mcpttBoolean>true</mcpttBoolean></emergency-ind>',
    );

    expect(parseMcpttInfo(xml)).toEqual({});
  });

  it('ignores a prefix rebound to another namespace', () => {
    const xml =
      `<m:mcpttinfo xmlns:m="${MCPTT_INFO_NAMESPACE}"><m:mcptt-Params>` +
      `<m:session-type xmlns:m="${OTHER}">chat</m:session-type>` +
      '<m:alert-ind>true</m:alert-ind></m:mcptt-Params></m:mcpttinfo>';

    expect(parseMcpttInfo(xml)).toEqual({ alert: true });
  });

  it('ignores mcptt-Params of another namespace', () => {
    const xml =
      `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}">` +
      `<mcptt-Params xmlns="${OTHER}">${requestUri('sip:evil@x')}</mcptt-Params></mcpttinfo>`;

    expect(parseMcpttInfo(xml)).toEqual({});
  });

  it('skips fields nested in extension elements', () => {
    const xml = info(
      `<ext xmlns="${OTHER}"><mcptt-request-uri xmlns="${MCPTT_INFO_NAMESPACE}">` +
        '<mcpttURI>sip:evil@x</mcpttURI></mcptt-request-uri></ext>' +
        `<anyExt>${requestUri('sip:evil@x')}</anyExt>` +
        requestUri('sip:good@x'),
    );
    const outside =
      `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}"><anyExt>${requestUri('sip:evil@x')}</anyExt>` +
      `<mcptt-Params>${requestUri('sip:good@x')}</mcptt-Params></mcpttinfo>`;

    expect(parseMcpttInfo(xml)).toEqual({ requestUri: 'sip:good@x' });
    expect(parseMcpttInfo(outside)).toEqual({ requestUri: 'sip:good@x' });
  });

  it('reads a value beside a nested namesake', () => {
    const xml = info(
      '<mcptt-calling-user-id>' +
        '<mcptt-calling-user-id>sip:inner@x</mcptt-calling-user-id>sip:outer@x' +
        '</mcptt-calling-user-id>',
    );

    expect(parseMcpttInfo(xml)).toEqual({ callingUserId: 'sip:outer@x' });
  });

  it('leaves text of other children out of a value', () => {
    const xml = info(
      `<mcptt-request-uri><o:mcpttURI xmlns:o="${OTHER}">sip:evil@x</o:mcpttURI></mcptt-request-uri>` +
        `<mcptt-client-id><x xmlns="${OTHER}">evil</x>client-1</mcptt-client-id>`,
    );

    expect(parseMcpttInfo(xml)).toEqual({ requestUri: '', clientId: 'client-1' });
  });

  it('rejects a repeated field', () => {
    const xml = info(requestUri('sip:a@x') + requestUri('sip:b@x'));

    expectRejected(() => parseMcpttInfo(xml), 'mcptt-request-uri element repeated');
  });

  it('rejects a repeated mcptt-Params', () => {
    const xml =
      `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}">` + '<mcptt-Params/><mcptt-Params/></mcpttinfo>';

    expectRejected(() => parseMcpttInfo(xml), 'mcptt-Params element repeated');
  });

  it('rejects two value wrappers', () => {
    const xml = info(
      '<mcptt-request-uri><mcpttURI>sip:a@x</mcpttURI><mcpttString>b</mcpttString></mcptt-request-uri>',
    );

    expectRejected(() => parseMcpttInfo(xml), 'mcptt-request-uri has more than one value');
  });
});

describe('location-info reads only its schema path', () => {
  const expected = { reportType: 'Emergency', latitude: 48.5, longitude: 2.5 };

  it('reads the default and prefixed forms alike', () => {
    const prefixed =
      `<l:location-info xmlns:l="${LOCATION_INFO_NAMESPACE}"><l:Report ReportType="Emergency">` +
      '<l:CurrentLocation><l:CurrentCoordinate>' +
      '<l:longitude>2.5</l:longitude><l:latitude>48.5</l:latitude>' +
      '</l:CurrentCoordinate></l:CurrentLocation></l:Report></l:location-info>';

    expect(parseLocationInfo(location(COORDINATE))).toEqual(expected);
    expect(parseLocationInfo(prefixed)).toEqual(expected);
  });

  it('rejects a root in another namespace', () => {
    const foreign = location(COORDINATE).replace(LOCATION_INFO_NAMESPACE, OTHER);

    expectRejected(() => parseLocationInfo(foreign), 'root element is not location-info');
  });

  it('ignores lookalike coordinates of another namespace', () => {
    const xml = location(
      `<o:latitude xmlns:o="${OTHER}">10</o:latitude>${COORDINATE}` +
        `<longitude xmlns="${OTHER}">20</longitude>`,
    );

    expect(parseLocationInfo(xml)).toEqual(expected);
  });

  it('ignores a ReportType of another namespace', () => {
    const xml = location(COORDINATE).replace(
      '<Report ReportType="Emergency">',
      `<Report xmlns:o="${OTHER}" o:ReportType="Emergency">`,
    );

    expect(parseLocationInfo(xml).reportType).toBe('NonEmergency');
  });

  it('skips a report nested in an extension', () => {
    const xml =
      `<location-info xmlns="${LOCATION_INFO_NAMESPACE}"><ext xmlns="${OTHER}">` +
      `<Report xmlns="${LOCATION_INFO_NAMESPACE}"><CurrentLocation><CurrentCoordinate>` +
      `${COORDINATE}</CurrentCoordinate></CurrentLocation></Report></ext></location-info>`;

    expectRejected(() => parseLocationInfo(xml), 'CurrentCoordinate missing');
  });

  it('skips a trigger nested in an extension', () => {
    const report = `<ext xmlns="${OTHER}"><TriggerId xmlns="${LOCATION_INFO_NAMESPACE}">evil</TriggerId></ext>`;

    expect(parseLocationInfo(location(COORDINATE, report))).toEqual(expected);
  });

  it('rejects an empty or repeated coordinate', () => {
    expectRejected(
      () => parseLocationInfo(location('<longitude>2.5</longitude><latitude/>')),
      'coordinate is not a number',
    );
    expectRejected(
      () => parseLocationInfo(location(`${COORDINATE}<latitude>1</latitude>`)),
      'latitude element repeated',
    );
  });
});

describe('resource-lists reads only its schema path', () => {
  it('reads the default and prefixed forms alike', () => {
    const prefixed =
      `<rl:resource-lists xmlns:rl="${RESOURCE_LISTS_NAMESPACE}"><rl:list>` +
      '<rl:entry uri="sip:b@x"/></rl:list></rl:resource-lists>';

    expect(parseResourceLists(lists('<list><entry uri="sip:b@x"/></list>'))).toEqual(['sip:b@x']);
    expect(parseResourceLists(prefixed)).toEqual(['sip:b@x']);
  });

  it('rejects a root in another namespace', () => {
    const foreign = `<resource-lists xmlns="${OTHER}"><list><entry uri="sip:b@x"/></list></resource-lists>`;

    expectRejected(() => parseResourceLists(foreign), 'root element is not resource-lists');
  });

  it('ignores lookalike entries and attributes', () => {
    const xml = lists(
      `<list xmlns:o="${OTHER}"><o:entry uri="sip:evil@x"/><entry o:uri="sip:evil@x"/>` +
        `<list xmlns="${OTHER}"><entry uri="sip:evil@x"/></list>` +
        '<entry uri="sip:b@x"/></list>',
    );

    expect(parseResourceLists(xml)).toEqual(['sip:b@x']);
  });

  it('skips entries outside a list', () => {
    const xml = lists(
      '<entry uri="sip:evil@x"/>' +
        `<ext xmlns="${OTHER}"><list xmlns="${RESOURCE_LISTS_NAMESPACE}"><entry uri="sip:evil@x"/></list></ext>` +
        `<list><ext xmlns="${OTHER}"><entry xmlns="${RESOURCE_LISTS_NAMESPACE}" uri="sip:evil@x"/></ext></list>`,
    );

    expect(parseResourceLists(xml)).toEqual([]);
  });

  it('reads nested lists in document order', () => {
    const xml = lists(
      '<list><list><entry uri="sip:a@x"/><list><entry uri="sip:b@x"/></list></list>' +
        '<entry uri="sip:c@x"/></list><list><entry uri="sip:d@x"/></list>',
    );

    expect(parseResourceLists(xml)).toEqual(['sip:a@x', 'sip:b@x', 'sip:c@x', 'sip:d@x']);
  });
});

describe('affiliation reads only its schema path', () => {
  it('reads the default and prefixed forms alike', () => {
    const prefixed =
      `<p:presence xmlns:p="${PIDF_NAMESPACE}" entity="sip:a@x"><p:tuple id="c1"><p:status>` +
      `<affiliation xmlns="${MCPTT_PRES_INFO_NAMESPACE}" group="sip:g@x"/>` +
      '</p:status></p:tuple></p:presence>';
    const expected = { mcpttId: 'sip:a@x', clientId: 'c1', groups: [{ group: 'sip:g@x' }] };

    expect(parseAffiliation(pidf('<m:affiliation group="sip:g@x"/>'))).toEqual(expected);
    expect(parseAffiliation(prefixed)).toEqual(expected);
  });

  it('rejects a root in another namespace', () => {
    const foreign = pidf('<m:affiliation group="sip:g@x"/>').replace(PIDF_NAMESPACE, OTHER);

    expectRejected(() => parseAffiliation(foreign), 'root element is not presence');
  });

  it('ignores lookalike affiliations', () => {
    const xml = pidf(
      `<affiliation xmlns="${OTHER}" group="sip:evil@x"/>` +
        `<affiliation group="sip:evil@x"/>` +
        `<ext xmlns="${OTHER}"><m:affiliation group="sip:evil@x"/></ext>` +
        '<m:affiliation group="sip:g@x"/>',
      '<m:affiliation group="sip:evil@x"/>',
    );

    expect(parseAffiliation(xml).groups).toEqual([{ group: 'sip:g@x' }]);
  });

  it('ignores a p-id of another namespace', () => {
    const xml = pidf('', `<p-id xmlns="${OTHER}">evil</p-id><m:p-id>client-1</m:p-id>`);

    expect(parseAffiliation(xml).clientId).toBe('client-1');
  });

  it('rejects a group of another namespace', () => {
    const xml = pidf(`<m:affiliation xmlns:o="${OTHER}" o:group="sip:g@x"/>`);

    expectRejected(() => parseAffiliation(xml), 'affiliation group missing');
  });

  it('reads the first tuple of the pidf namespace', () => {
    const xml = pidf('<m:affiliation group="sip:g@x"/>').replace(
      '<tuple id="c1">',
      `<tuple xmlns="${OTHER}" id="evil"><status/></tuple><tuple id="c1">`,
    );

    expect(parseAffiliation(xml)).toMatchObject({ clientId: 'c1', groups: [{ group: 'sip:g@x' }] });
  });
});

/** A valid document of each reader, to damage in the tests below. */
const readers = [
  ['parseMcpttInfo', parseMcpttInfo, info(requestUri('sip:g@x'))],
  ['parseLocationInfo', parseLocationInfo, location(COORDINATE)],
  ['parseResourceLists', parseResourceLists, lists('<list><entry uri="sip:b@x"/></list>')],
  ['parseAffiliation', parseAffiliation, pidf('<m:affiliation group="sip:g@x"/>')],
] as const;

/** Adds `depth` nested extension elements at the end of the root of `xml`. */
function withNestedExtensions(xml: string, depth: number): string {
  const rootEnd = xml.lastIndexOf('</');
  const nested = `<e xmlns="${OTHER}">`.repeat(depth) + '</e>'.repeat(depth);
  return xml.slice(0, rootEnd) + nested + xml.slice(rootEnd);
}

describe.each(readers)('%s rejects', (_name, read, valid) => {
  it('reads the valid document', () => {
    expect(() => read(valid)).not.toThrow();
  });

  it('a truncated document', () => {
    expectRejected(() => read(valid.slice(0, -3)), 'malformed end tag');
    expectRejected(() => read(valid.slice(0, valid.lastIndexOf('</'))), 'unclosed element');
  });

  it('unbalanced tags', () => {
    const rootEnd = valid.lastIndexOf('</');
    const xml = `${valid.slice(0, rootEnd)}</x>${valid.slice(rootEnd)}`;

    expectRejected(() => read(xml), 'mismatched end tag');
  });

  it('an undeclared prefix', () => {
    const rootEnd = valid.lastIndexOf('</');
    const xml = `${valid.slice(0, rootEnd)}<u:x/>${valid.slice(rootEnd)}`;

    expectRejected(() => read(xml), 'undeclared namespace prefix');
  });

  it('a bad entity', () => {
    const rootEnd = valid.lastIndexOf('</');
    const xml = `${valid.slice(0, rootEnd)}&nbsp;${valid.slice(rootEnd)}`;

    expectRejected(() => read(xml), 'undeclared or malformed entity');
  });

  it('an oversized document', () => {
    const xml = valid + ' '.repeat(MAX_XML_CHARS - valid.length + 1);

    expectRejected(() => read(xml), 'document too large');
  });

  it('deep nesting', () => {
    expect(() => read(withNestedExtensions(valid, MAX_XML_DEPTH - 1))).not.toThrow();
    expectRejected(() => read(withNestedExtensions(valid, MAX_XML_DEPTH)), 'nested too deeply');
  });

  it('a DOCTYPE', () => {
    expectRejected(() => read(`<!DOCTYPE x>${valid}`), 'DOCTYPE not allowed');
  });
});

/** Text made mostly of characters that mean something in XML, with any other code point too. */
const xmlText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      ...['<', '>', '&', '"', "'", ';', '#', 'x', '4', '0', '!', '-', '[', ']', '?', '/', ':'],
      ...['CDATA[', '<!--', '-->', ']]>', '&amp;', '&#64;', 'lt;', ' ', '\t', '\r\n', '@'],
    ),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});
/** Text that XML can carry and that has no white space at its ends, which the reader trims. */
const elementValue = xmlText.filter(
  (text) => !/^[ \t\r\n]|[ \t\r\n]$/.test(text) && !throwsTypeError(() => escapeXml(text)),
);

function throwsTypeError(action: () => unknown): boolean {
  try {
    action();
  } catch (error) {
    if (error instanceof TypeError) return true;
    throw error;
  }
  return false;
}

describe('what the SDK writes reads back the same', () => {
  it('mcptt-info', () => {
    const written: fc.Arbitrary<McpttInfo> = fc.record(
      {
        accessToken: elementValue,
        sessionType: fc.constantFrom('prearranged', 'chat', 'private', 'adhoc'),
        requestUri: elementValue,
        callingUserId: elementValue,
        calledPartyId: elementValue,
        callingGroupId: elementValue,
        required: fc.boolean(),
        emergency: fc.boolean(),
        alert: fc.boolean(),
        mcOrg: elementValue,
        floorState: elementValue,
        originatedBy: elementValue,
        clientId: elementValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(written, (value) => {
        expect(parseMcpttInfo(buildMcpttInfo(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('resource-lists and affiliation', () => {
    const values = fc.array(elementValue, { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(values, elementValue, elementValue, (uris, mcpttId, clientId) => {
        const groups = uris.map((group) => ({ group }));

        expect(parseResourceLists(buildResourceLists(uris))).toEqual(uris);
        expect(parseAffiliation(buildAffiliation({ mcpttId, clientId, groups }))).toEqual({
          mcpttId,
          clientId,
          groups,
        });
      }),
      { numRuns: 300 },
    );
  });

  it('location-info', () => {
    const report = fc.record({
      reportType: fc.constantFrom('Emergency' as const, 'NonEmergency' as const),
      triggerId: elementValue,
      // The writer prints -0 as 0, which reads back as 0.
      latitude: fc.double({ min: -90, max: 90, noNaN: true }).map((v) => v + 0),
      longitude: fc.double({ min: -180, max: 180, noNaN: true }).map((v) => v + 0),
    });
    fc.assert(
      fc.property(report, (value) => {
        expect(parseLocationInfo(buildLocationInfo(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects text that XML cannot carry', () => {
    expect(() => buildMcpttInfo({ clientId: 'a\u0000b' })).toThrow(TypeError);
    expect(() => buildResourceLists(['sip:\uD800@x'])).toThrow(TypeError);
  });
});
