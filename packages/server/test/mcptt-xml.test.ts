import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LimitExceededError, MimeParseError } from '@mcptt-smime/smime';
import { corporaAvailable, readCorpusText } from '../../smime/test/corpora.js';
import {
  MAX_XML_DEPTH,
  MAX_XML_ELEMENTS,
  MAX_XML_PART_BYTES,
  MCPTT_INFO_NAMESPACE,
  MCPTT_PRES_INFO_NAMESPACE,
  PIDF_NAMESPACE,
  RESOURCE_LISTS_NAMESPACE,
  XmlDoctypeError,
  XmlPartMalformedError,
  XmlPartTooLargeError,
  buildMcpttInfo,
  escapeXml,
  parseAffiliationGroups,
  parseMcpttInfo,
  parseResourceListUris,
  type McpttInfo,
} from '../src/mcptt-xml.js';

const OTHER = 'urn:example:other';

/** The start of an mcptt-info document in the default namespace, up to the mcptt-Params content. */
const INFO_OPEN = `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}"><mcptt-Params>`;
const INFO_CLOSE = '</mcptt-Params></mcpttinfo>';

/** An mcptt-info document in the default namespace with `params` inside mcptt-Params. */
const info = (params: string) => `${INFO_OPEN}${params}${INFO_CLOSE}`;

/** An mcptt-info document with one element of mcptt-Params, written as given. */
const infoWith = (element: string, content: string) => info(`<${element}>${content}</${element}>`);

const callingUserIdOf = (content: string) =>
  parseMcpttInfo(infoWith('mcptt-calling-user-id', content)).callingUserId;

const requestUri = (uri: string) =>
  `<mcptt-request-uri type="Normal"><mcpttURI>${uri}</mcpttURI></mcptt-request-uri>`;

/** The start of a pidf, with the MCPTT presence namespace bound to `m`, up to the status content. */
const PIDF_OPEN =
  `<presence xmlns="${PIDF_NAMESPACE}" xmlns:m="${MCPTT_PRES_INFO_NAMESPACE}" entity="sip:a@x">` +
  '<tuple id="c1"><status>';

/** A pidf with `status` inside the status of its tuple, and `tuple` after that status. */
const pidf = (status: string, tuple = '') =>
  `${PIDF_OPEN}${status}</status>${tuple}</tuple></presence>`;

/** A pidf whose one affiliation has the attributes `attributes`, written as given. */
const pidfWith = (attributes: string) => pidf(`<m:affiliation ${attributes}/>`);

/** A resource-lists document in the default namespace with `content` inside its root. */
const lists = (content: string) =>
  `<resource-lists xmlns="${RESOURCE_LISTS_NAMESPACE}">${content}</resource-lists>`;

/** The start of a resource-lists document in the default namespace, up to the list content. */
const LIST_OPEN = `<resource-lists xmlns="${RESOURCE_LISTS_NAMESPACE}"><list>`;

/** A resource-lists document with one list of `entries`. */
const listOf = (entries: string) => `${LIST_OPEN}${entries}</list></resource-lists>`;

const readers = [
  ['parseMcpttInfo', parseMcpttInfo, info(requestUri('sip:g@x'))],
  ['parseAffiliationGroups', parseAffiliationGroups, pidfWith('group="sip:g@x"')],
  ['parseResourceListUris', parseResourceListUris, listOf('<entry uri="sip:b@x"/>')],
] as const;

/** Returns `unit` repeated between `prefix` and `suffix`, to at most MAX_XML_PART_BYTES characters. */
function fill(unit: string, prefix = '', suffix = ''): string {
  const count = Math.floor((MAX_XML_PART_BYTES - prefix.length - suffix.length) / unit.length);
  return `${prefix}${unit.repeat(count)}${suffix}`;
}

/** Returns `xml` with `content` inserted before the end tag of its root. */
function beforeRootEnd(xml: string, content: string): string {
  const rootEnd = xml.lastIndexOf('</');
  return xml.slice(0, rootEnd) + content + xml.slice(rootEnd);
}

/** Calls `read` and returns the error it raised, or undefined. */
function errorOf(read: (xml: string) => unknown, xml: string): unknown {
  try {
    read(xml);
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Asserts that `read` rejects `xml` as malformed, 400, with `reason` in the message. */
function expectMalformed(read: (xml: string) => unknown, xml: string, reason: string): void {
  const error = errorOf(read, xml);

  expect(error).toBeInstanceOf(XmlPartMalformedError);
  expect(error).toBeInstanceOf(MimeParseError);
  expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
  expect((error as Error).message).toContain(reason);
}

describe('mcptt-info', () => {
  it('reads what it writes', () => {
    const written: McpttInfo = {
      sessionType: 'private',
      requestUri: 'sip:mcptt-server@mcptt.example',
      callingUserId: 'sip:alice@mcptt.example',
      calledPartyId: 'sip:bob@mcptt.example;x="<a&b>"',
      callingGroupId: 'sip:fire-1@mcptt.example',
      emergency: true,
      floorState: 'no-request',
      clientId: "alice's phone",
    };

    expect(parseMcpttInfo(buildMcpttInfo(written))).toEqual(written);
  });

  it('reads prefixed, unordered, unwrapped elements', () => {
    const xml = [
      '<?xml version="1.0"?>',
      '<m:mcpttinfo xmlns:m="urn:3gpp:ns:mcpttInfo:1.0"><m:mcptt-Params>',
      '<m:mcptt-calling-group-id type="Normal"> sip:fire-1@mcptt.example </m:mcptt-calling-group-id>',
      '<m:emergency-ind type="Normal"><m:mcpttBoolean>false</m:mcpttBoolean></m:emergency-ind>',
      '<m:unknown>x</m:unknown>',
      '<m:session-type>chat</m:session-type>',
      '</m:mcptt-Params></m:mcpttinfo>',
    ].join('\r\n');

    expect(parseMcpttInfo(xml)).toEqual({
      sessionType: 'chat',
      callingGroupId: 'sip:fire-1@mcptt.example',
      emergency: false,
    });
  });

  it('skips comments and CDATA, and reads empty elements', () => {
    const xml = info(
      '<!-- <session-type>private</session-type> -->' +
        '<![CDATA[<mcptt-client-id>cdata</mcptt-client-id>]]>' +
        '<mcptt-request-uri/>' +
        '<session-type>prearranged</session-type>',
    );

    expect(parseMcpttInfo(xml)).toEqual({ sessionType: 'prearranged', requestUri: '' });
  });

  it.each([
    ['an empty part', '', 'no root element'],
    ['text', 'not xml at all < > " \'', 'text outside the root element'],
    ['a root without namespace', '<mcpttinfo><mcptt-Params/></mcpttinfo>', 'not mcpttinfo'],
  ])('rejects %s', (_case, xml, reason) => {
    expectMalformed(parseMcpttInfo, xml, reason);
  });
});

describe('affiliation pidf', () => {
  it('reads groups, skipping deaffiliating ones', () => {
    const xml = [
      '<?xml version="1.0"?>',
      '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:p="urn:3gpp:ns:mcpttPresInfo:1.0">',
      '<tuple id="c1"><status>',
      '<p:affiliation group="sip:fire-1@mcptt.example"/>',
      '<p:affiliation status="deaffiliating" group="sip:fire-2@mcptt.example"/>',
      '<p:affiliation group=\'sip:a&amp;b@mcptt.example\' status="affiliated"></p:affiliation>',
      '<p:affiliation expires="x"/>',
      '</status></tuple></presence>',
    ].join('\r\n');

    expect(parseAffiliationGroups(xml)).toEqual([
      'sip:fire-1@mcptt.example',
      'sip:a&b@mcptt.example',
    ]);
  });

  it('reads an empty list', () => {
    expect(parseAffiliationGroups(pidf(''))).toEqual([]);
    expect(parseAffiliationGroups(`<presence xmlns="${PIDF_NAMESPACE}"/>`)).toEqual([]);
  });

  it('reads the groups of every tuple', () => {
    const xml = pidfWith('group="sip:a@x"').replace(
      '</presence>',
      '<tuple id="c2"><status><m:affiliation group="sip:b@x"/></status></tuple></presence>',
    );

    expect(parseAffiliationGroups(xml)).toEqual(['sip:a@x', 'sip:b@x']);
  });
});

describe('resource-lists', () => {
  it('reads the uri of each entry', () => {
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<rl:resource-lists xmlns:rl="urn:ietf:params:xml:ns:resource-lists"',
      '    xmlns:cc="urn:ietf:params:xml:ns:copycontrol">',
      '  <rl:list>',
      '    <rl:entry uri="sip:bob@mcptt.example" cc:copyControl="to"/>',
      '    <rl:entry cc:copyControl="to" uri = "sip:carol@mcptt.example;p=&quot;a>b&quot;"></rl:entry>',
      '    <rl:entry-ref uri="sip:not-an-entry@mcptt.example"/>',
      '  </rl:list>',
      '</rl:resource-lists>',
    ].join('\r\n');

    expect(parseResourceListUris(xml)).toEqual([
      'sip:bob@mcptt.example',
      'sip:carol@mcptt.example;p="a>b"',
    ]);
  });

  it('reads nested lists in document order', () => {
    const xml = lists(
      '<list><list><entry uri="sip:a@x"/><list><entry uri="sip:b@x"/></list></list>' +
        '<entry uri="sip:c@x"/></list><list><entry uri="sip:d@x"/></list>',
    );

    expect(parseResourceListUris(xml)).toEqual(['sip:a@x', 'sip:b@x', 'sip:c@x', 'sip:d@x']);
  });
});

describe('fields of another namespace', () => {
  it('rejects an mcptt-info root of another namespace', () => {
    const xml =
      `<foo:mcpttinfo xmlns:foo="${OTHER}"><foo:mcptt-Params>` +
      '<foo:mcptt-request-uri><foo:mcpttURI>sip:evil@x</foo:mcpttURI></foo:mcptt-request-uri>' +
      '</foo:mcptt-Params></foo:mcpttinfo>';

    expectMalformed(parseMcpttInfo, xml, 'mcptt-info root element is not mcpttinfo');
  });

  it('ignores lookalike mcptt-info fields', () => {
    const xml = info(
      `<o:mcptt-request-uri xmlns:o="${OTHER}"><o:mcpttURI>sip:evil@x</o:mcpttURI></o:mcptt-request-uri>` +
        `<session-type xmlns="${OTHER}">chat</session-type>` +
        '<emergency-ind xmlns="">true</emergency-ind>' +
        `<m:floor-state xmlns:m="${OTHER}">no-request</m:floor-state>`,
    );

    expect(parseMcpttInfo(xml)).toEqual({});
  });

  it('ignores mcptt-Params of another namespace', () => {
    const xml =
      `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}">` +
      `<mcptt-Params xmlns="${OTHER}">${requestUri('sip:evil@x')}</mcptt-Params></mcpttinfo>`;

    expect(parseMcpttInfo(xml)).toEqual({});
  });

  it('ignores a prefix rebound to another namespace', () => {
    const xml =
      `<m:mcpttinfo xmlns:m="${MCPTT_INFO_NAMESPACE}"><m:mcptt-Params>` +
      `<m:session-type xmlns:m="${OTHER}">chat</m:session-type>` +
      '<m:emergency-ind>1</m:emergency-ind></m:mcptt-Params></m:mcpttinfo>';

    expect(parseMcpttInfo(xml)).toEqual({ emergency: true });
  });

  it('ignores a value wrapper of another namespace', () => {
    const xml = info(
      `<mcptt-calling-user-id><o:mcpttURI xmlns:o="${OTHER}">sip:evil@x</o:mcpttURI>` +
        '</mcptt-calling-user-id>',
    );

    expect(parseMcpttInfo(xml)).toEqual({ callingUserId: '' });
  });

  it('rejects a pidf or resource-lists root of another namespace', () => {
    expectMalformed(
      parseAffiliationGroups,
      pidfWith('group="sip:g@x"').replace(PIDF_NAMESPACE, OTHER),
      'pidf root element is not presence',
    );
    expectMalformed(
      parseResourceListUris,
      listOf('<entry uri="sip:b@x"/>').replace(RESOURCE_LISTS_NAMESPACE, OTHER),
      'resource-lists root element is not resource-lists',
    );
  });

  it('ignores lookalike affiliations', () => {
    const xml = pidf(
      `<affiliation xmlns="${OTHER}" group="sip:evil@x"/>` +
        '<affiliation group="sip:evil@x"/>' +
        `<m:affiliation xmlns:o="${OTHER}" o:group="sip:evil@x"/>` +
        '<m:affiliation group="sip:g@x"/>',
      '<m:affiliation group="sip:evil@x"/>',
    );

    expect(parseAffiliationGroups(xml)).toEqual(['sip:g@x']);
  });

  it('ignores lookalike entries', () => {
    const xml = lists(
      `<list xmlns:o="${OTHER}"><o:entry uri="sip:evil@x"/><entry o:uri="sip:evil@x"/>` +
        `<list xmlns="${OTHER}"><entry uri="sip:evil@x"/></list>` +
        '<entry uri="sip:b@x"/></list>',
    );

    expect(parseResourceListUris(xml)).toEqual(['sip:b@x']);
  });
});

describe('elements nested in extensions', () => {
  it('skips mcptt-info fields inside extensions', () => {
    const xml = info(
      `<ext xmlns="${OTHER}"><mcptt-request-uri xmlns="${MCPTT_INFO_NAMESPACE}">` +
        '<mcpttURI>sip:evil@x</mcpttURI></mcptt-request-uri></ext>' +
        `<anyExt>${requestUri('sip:evil@x')}</anyExt>` +
        requestUri('sip:good@x'),
    );
    const outsideParams =
      `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}"><anyExt>${requestUri('sip:evil@x')}</anyExt>` +
      `<mcptt-Params>${requestUri('sip:good@x')}</mcptt-Params></mcpttinfo>`;

    expect(parseMcpttInfo(xml)).toEqual({ requestUri: 'sip:good@x' });
    expect(parseMcpttInfo(outsideParams)).toEqual({ requestUri: 'sip:good@x' });
  });

  it('leaves text of child elements out of a value', () => {
    const xml = info(
      `<mcptt-calling-user-id><other>sip:a@x</other></mcptt-calling-user-id>` +
        '<mcptt-request-uri type="Normal"><empty/></mcptt-request-uri>' +
        `<mcptt-client-id><x xmlns="${OTHER}">evil</x>client-1</mcptt-client-id>`,
    );

    expect(parseMcpttInfo(xml)).toEqual({
      callingUserId: '',
      requestUri: '',
      clientId: 'client-1',
    });
  });

  it('reads a value beside a nested namesake', () => {
    const xml = info(
      '<mcptt-calling-user-id>' +
        '<mcptt-calling-user-id>sip:inner@x</mcptt-calling-user-id>sip:outer@x' +
        '</mcptt-calling-user-id>',
    );

    expect(parseMcpttInfo(xml)).toEqual({ callingUserId: 'sip:outer@x' });
  });

  it('skips affiliations inside extensions', () => {
    const xml = pidf(
      `<ext xmlns="${OTHER}"><m:affiliation group="sip:evil@x"/></ext>` +
        '<m:affiliation group="sip:g@x"/>',
    ).replace(
      '<tuple id="c1">',
      `<ext xmlns="${OTHER}"><tuple xmlns="${PIDF_NAMESPACE}"><status>` +
        '<m:affiliation group="sip:evil@x"/></status></tuple></ext><tuple id="c1">',
    );

    expect(parseAffiliationGroups(xml)).toEqual(['sip:g@x']);
  });

  it('skips entries outside a list', () => {
    const xml = lists(
      '<entry uri="sip:evil@x"/>' +
        `<ext xmlns="${OTHER}"><list xmlns="${RESOURCE_LISTS_NAMESPACE}"><entry uri="sip:evil@x"/></list></ext>` +
        `<list><ext xmlns="${OTHER}"><entry xmlns="${RESOURCE_LISTS_NAMESPACE}" uri="sip:evil@x"/></ext></list>`,
    );

    expect(parseResourceListUris(xml)).toEqual([]);
  });
});

describe('fields the schema allows once', () => {
  it.each([
    ['field', info(requestUri('sip:a@x') + requestUri('sip:b@x')), 'mcptt-request-uri element'],
    [
      'mcptt-Params',
      `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}"><mcptt-Params/><mcptt-Params/></mcpttinfo>`,
      'mcptt-Params element repeated',
    ],
    [
      'value wrapper',
      infoWith('mcptt-request-uri', '<mcpttURI>sip:a@x</mcpttURI><mcpttString>b</mcpttString>'),
      'mcptt-request-uri has more than one value',
    ],
  ])('rejects a repeated %s', (_case, xml, reason) => {
    expectMalformed(parseMcpttInfo, xml, reason);
  });

  it('rejects a repeated status', () => {
    const xml = pidf('', '<status/>');

    expectMalformed(parseAffiliationGroups, xml, 'status element repeated');
  });
});

describe.each(readers)('%s rejects malformed XML', (_name, read, valid) => {
  it('reads the valid part', () => {
    expect(errorOf(read, valid)).toBeUndefined();
  });

  it.each([
    ['a truncated end tag', valid.slice(0, -3), 'malformed end tag'],
    ['a truncated part', valid.slice(0, valid.lastIndexOf('</')), 'unclosed element'],
    ['a truncated start tag', valid.slice(0, valid.indexOf('>')), 'unterminated start tag'],
    ['unbalanced tags', beforeRootEnd(valid, '<a><b></a></b>'), 'mismatched end tag'],
    ['an undeclared prefix', beforeRootEnd(valid, '<u:x/>'), 'undeclared namespace prefix'],
    ['an undeclared entity', beforeRootEnd(valid, '&nbsp;'), 'undeclared or malformed entity'],
    ['a bare &', beforeRootEnd(valid, 'a & b'), 'undeclared or malformed entity'],
    ['a reference to U+0000', beforeRootEnd(valid, '&#0;'), 'code point XML does not allow'],
    ['a raw U+0000', beforeRootEnd(valid, '\u0000'), 'character not allowed in XML'],
    ['a second root', `${valid}<a/>`, 'content after the root element'],
    ['< in an attribute value', beforeRootEnd(valid, '<a b="<!-- x -->"/>'), '< in an attribute'],
  ])('%s', (_case, xml, reason) => {
    expectMalformed(read, xml, reason);
  });

  it('deep nesting', () => {
    const nested = (depth: number) =>
      beforeRootEnd(valid, `<e xmlns="${OTHER}">`.repeat(depth) + '</e>'.repeat(depth));

    expect(errorOf(read, nested(MAX_XML_DEPTH - 1))).toBeUndefined();
    expectMalformed(read, nested(MAX_XML_DEPTH), 'elements nested too deeply');
  });

  it('too many elements', () => {
    const elements = (count: number) => beforeRootEnd(valid, `<e xmlns="${OTHER}"/>`.repeat(count));
    // Each start tag or empty-element tag of the valid part is one element.
    const inValid = (valid.match(/<(?!\/)/g) ?? []).length;

    expect(errorOf(read, elements(MAX_XML_ELEMENTS - inValid))).toBeUndefined();
    expectMalformed(read, elements(MAX_XML_ELEMENTS - inValid + 1), 'too many elements');
  });

  it('a DOCTYPE', () => {
    const error = errorOf(read, `<!DOCTYPE x [<!ENTITY e "sip:evil@x">]>${valid}`);

    expect(error).toBeInstanceOf(XmlDoctypeError);
    expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
  });
});

describe('values as XML writes them', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
    [' 1 ', true],
    ['\r\n\t0\t\r\n', false],
    ['<![CDATA[1]]>', true],
    ['&#49;', true],
  ])('reads the xs:boolean %j', (text, value) => {
    expect(parseMcpttInfo(infoWith('emergency-ind', text))).toEqual({ emergency: value });
    expect(
      parseMcpttInfo(infoWith('emergency-ind', `<mcpttBoolean>${text}</mcpttBoolean>`)),
    ).toEqual({ emergency: value });
  });

  it.each(['TRUE', 'yes', '2', '', '1 0', '\u00a01'])('leaves out the non-boolean %j', (text) => {
    expect(
      parseMcpttInfo(infoWith('emergency-ind', `<mcpttBoolean>${text}</mcpttBoolean>`)),
    ).toEqual({});
  });

  it('reads CDATA as its text', () => {
    expect(callingUserIdOf('<mcpttURI><![CDATA[sip:b@x]]></mcpttURI>')).toBe('sip:b@x');
    expect(callingUserIdOf(' <![CDATA[sip:b@x]]> ')).toBe('sip:b@x');
    expect(callingUserIdOf('<mcpttURI>sip:<![CDATA[b]]>@<![CDATA[]]>x</mcpttURI>')).toBe('sip:b@x');
    // Inside a CDATA section, markup and references are text.
    expect(callingUserIdOf('<![CDATA[sip:b@x;p="<a>&#64;&amp;"]]>')).toBe(
      'sip:b@x;p="<a>&#64;&amp;"',
    );
  });

  it('decodes references in element values', () => {
    expect(callingUserIdOf('<mcpttURI>sip:b&#64;x</mcpttURI>')).toBe('sip:b@x');
    expect(callingUserIdOf('sip:b&#x40;x')).toBe('sip:b@x');
    expect(callingUserIdOf('&lt;&gt;&amp;&quot;&apos;')).toBe(`<>&"'`);
    expect(callingUserIdOf('&amp;#64;&amp;lt;')).toBe('&#64;&lt;');
    expect(callingUserIdOf('&#x1F692;&#128658;&#x00000041;&#0065;')).toBe('🚒🚒AA');
    expect(parseMcpttInfo(infoWith('session-type', 'pr&#105;vate')).sessionType).toBe('private');
  });

  it('decodes references in attribute values', () => {
    expect(parseAffiliationGroups(pidfWith('group="sip:fire&#x2D;1&#64;mcptt.example"'))).toEqual([
      'sip:fire-1@mcptt.example',
    ]);
    expect(parseAffiliationGroups(pidfWith(`group='a&apos;b&quot;&lt;&gt;&amp;c'`))).toEqual([
      `a'b"<>&c`,
    ]);
    expect(parseAffiliationGroups(pidfWith('group="sip:g@x" status="deaffiliat&#x69;ng"'))).toEqual(
      [],
    );
    expect(parseResourceListUris(listOf('<entry uri="sip:bob&#64;mcptt.example"/>'))).toEqual([
      'sip:bob@mcptt.example',
    ]);
  });

  // XML 1.0 §4.1 makes a reference to a code point that is not an XML character a
  // well-formedness error, as it is for text and attribute values alike.
  it.each(['&#0;', '&#x0;', '&#xD800;', '&#xDFFF;', '&#xFFFE;', '&#x110000;', '&#1114112;'])(
    'rejects the reference %s',
    (reference) => {
      const reason = 'code point XML does not allow';

      expectMalformed(parseMcpttInfo, infoWith('mcptt-client-id', `b${reference}`), reason);
      expectMalformed(parseResourceListUris, listOf(`<entry uri="b${reference}"/>`), reason);
    },
  );

  it('rejects a huge reference', () => {
    const reason = 'code point XML does not allow';

    expectMalformed(parseMcpttInfo, infoWith('mcptt-client-id', `&#${'9'.repeat(400)};`), reason);
    expectMalformed(parseMcpttInfo, infoWith('mcptt-client-id', `&#x${'F'.repeat(400)};`), reason);
  });

  it.each([
    ['&', 'undeclared or malformed entity'],
    ['&;', 'undeclared or malformed entity'],
    ['&#;', 'malformed character reference'],
    ['&#x;', 'malformed character reference'],
    ['&#64', 'malformed character reference'],
    ['&#x4G;', 'malformed character reference'],
    ['&#X40;', 'malformed character reference'],
    ['&nbsp;', 'undeclared or malformed entity'],
    ['&constructor;', 'undeclared or malformed entity'],
    ['&AMP;', 'undeclared or malformed entity'],
  ])('rejects the non-reference %j', (text, reason) => {
    expectMalformed(parseMcpttInfo, infoWith('mcptt-client-id', `b${text}x`), reason);
    expectMalformed(parseResourceListUris, listOf(`<entry uri="b${text}x"/>`), reason);
  });

  it('drops comments and processing instructions', () => {
    expect(callingUserIdOf('sip:a<!-- x -->@b')).toBe('sip:a@b');
    expect(callingUserIdOf('<mcpttURI>sip:a<!-- <b> -- --><?pi x?>@b<!---->\n</mcpttURI>')).toBe(
      'sip:a@b',
    );
    expect(callingUserIdOf('<!-- <mcpttURI>sip:c@d</mcpttURI> -->sip:a@b')).toBe('sip:a@b');
    expect(parseMcpttInfo(infoWith('emergency-ind', '<!-- no -->1<!-- yes -->'))).toEqual({
      emergency: true,
    });
  });
});

/** XML whitespace, which the reader removes around an element value. */
const EDGE_SPACE = /^[ \t\r\n]|[ \t\r\n]$/;

/** Tells whether XML can carry `text`: escapeXml raises TypeError for text that it cannot. */
function isXmlText(text: string): boolean {
  try {
    escapeXml(text);
  } catch (error) {
    if (error instanceof TypeError) return false;
    throw error;
  }
  return true;
}

/** Text made mostly of characters that mean something in XML, with any other code point too. */
const xmlText = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom(
        ...['<', '>', '&', '"', "'", ';', '#', 'x', '4', '0', '!', '-', '[', ']', '?', '/', ':'],
        ...['CDATA[', '<!--', '-->', ']]>', '&amp;', '&#64;', 'lt;', ' ', '\t', '\r\n', '@'],
      ),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 40,
  })
  .filter(isXmlText);
const elementValue = xmlText.filter((text) => !EDGE_SPACE.test(text));

describe('what the server writes reads back the same', () => {
  it('mcptt-info from buildMcpttInfo', () => {
    const written: fc.Arbitrary<McpttInfo> = fc.record(
      {
        sessionType: elementValue,
        requestUri: elementValue,
        callingUserId: elementValue,
        calledPartyId: elementValue,
        callingGroupId: elementValue,
        emergency: fc.boolean(),
        floorState: elementValue,
        clientId: elementValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(written, (value) => {
        expect(parseMcpttInfo(buildMcpttInfo(value))).toEqual(value);
      }),
      { numRuns: 500 },
    );
  });

  it('attribute values written with escapeXml', () => {
    fc.assert(
      fc.property(fc.array(xmlText, { maxLength: 4 }), (values) => {
        const attributes = values.map((value) => `"${escapeXml(value)}"`);
        const affiliations = attributes.map((group) => `<m:affiliation group=${group}/>`);
        const entries = attributes.map((uri) => `<entry uri=${uri}/>`);

        expect(parseAffiliationGroups(pidf(affiliations.join('')))).toEqual(values);
        expect(parseResourceListUris(listOf(entries.join('')))).toEqual(values);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects text that XML cannot carry', () => {
    expect(() => buildMcpttInfo({ clientId: 'a\u0000b' })).toThrow(TypeError);
    expect(() => escapeXml('sip:\uD800@x')).toThrow(TypeError);
  });
});

describe('the size limit', () => {
  it.each(readers)('%s accepts a part at the limit', (_name, read, valid) => {
    const rootEnd = valid.lastIndexOf('</');
    const xml = fill(' ', valid.slice(0, rootEnd), valid.slice(rootEnd));

    expect(xml).toHaveLength(MAX_XML_PART_BYTES);
    expect(errorOf(read, xml)).toBeUndefined();
  });

  it.each(readers)('%s rejects one byte more: 413', (_name, read) => {
    const error = errorOf(read, ' '.repeat(MAX_XML_PART_BYTES + 1));

    expect(error).toBeInstanceOf(XmlPartTooLargeError);
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error).toMatchObject({ code: 'ERR_LIMIT_EXCEEDED', sipStatus: 413 });
  });

  it.each(readers)('%s counts UTF-8 bytes', (_name, read) => {
    const xml = 'é'.repeat(MAX_XML_PART_BYTES / 2 + 1);

    expect(xml.length).toBeLessThan(MAX_XML_PART_BYTES);
    expect(errorOf(read, xml)).toBeInstanceOf(XmlPartTooLargeError);
  });
});

// The inputs below made earlier pattern-based readers backtrack: each took time quadratic in its
// size. The readers must finish them at once; a reader that does not runs into the test timeout
// rather than a timing assertion.
describe('hostile input', () => {
  it.each(readers)('%s rejects 250,000 `<entry `', (_name, read) => {
    expect(errorOf(read, '<entry '.repeat(250_000))).toBeInstanceOf(XmlPartTooLargeError);
  });

  it.each([
    ['parseMcpttInfo', parseMcpttInfo, '<session-type '],
    ['parseAffiliationGroups', parseAffiliationGroups, '<affiliation '],
    ['parseResourceListUris', parseResourceListUris, '<entry uri '],
  ] as const)('%s rejects 1 MB unterminated tags', (_name, read, tag) => {
    expect(errorOf(read, tag.repeat((1024 * 1024) / tag.length))).toBeInstanceOf(
      XmlPartTooLargeError,
    );
  });

  // One part at the limit took the former readers 0.02 to 0.4 s. A burst of requests brings many
  // in a row, and this many took each test below more than a minute.
  const BURST = 150;

  it('resource-lists: burst at the limit', () => {
    const parts = [
      [fill('<entry ', LIST_OPEN), 'malformed attribute'],
      [fill('<entry uri ', LIST_OPEN), 'malformed attribute'],
      [fill('<entry uri= ', LIST_OPEN), 'malformed attribute'],
      [fill(`<entry uri="'" x='"' `, LIST_OPEN), 'malformed attribute'],
      [fill('<entry uri="sip:a@b', LIST_OPEN), '< in an attribute value'],
      [fill(`<entry uri="'" x='"'/>`, LIST_OPEN, '</list></resource-lists>'), 'too many elements'],
    ] as const;
    for (let i = 0; i < BURST; i++) {
      for (const [part, reason] of parts) {
        expectMalformed(parseResourceListUris, part, reason);
      }
    }
  });

  it('pidf: burst at the limit', () => {
    const parts = [
      [fill('<m:affiliation ', PIDF_OPEN), 'malformed attribute'],
      [fill('<m:affiliation group ', PIDF_OPEN), 'malformed attribute'],
      [fill(`group="'" status='"' `, `${PIDF_OPEN}<m:affiliation `), 'unterminated start tag'],
      [fill('group="', `${PIDF_OPEN}<m:affiliation `), 'malformed attribute'],
    ] as const;
    for (let i = 0; i < BURST; i++) {
      for (const [part, reason] of parts) {
        expectMalformed(parseAffiliationGroups, part, reason);
      }
    }
  });

  it('references and CDATA: burst at the limit', () => {
    const open = `${INFO_OPEN}<mcptt-client-id>`;
    const close = `</mcptt-client-id>${INFO_CLOSE}`;
    const parts = [
      [fill('&#1', open, close), 'malformed character reference'],
      [fill('&#x', open, close), 'malformed character reference'],
      [fill('&amp', open, close), 'undeclared or malformed entity'],
      [fill('&', open, close), 'undeclared or malformed entity'],
      [`${open}&#${'9'.repeat(MAX_XML_PART_BYTES - 200)};${close}`, 'code point XML does not'],
    ] as const;
    const cdata = fill('<![CDATA[]]>', open, close);
    for (let i = 0; i < BURST; i++) {
      for (const [part, reason] of parts) {
        expectMalformed(parseMcpttInfo, part, reason);
      }
      expect(parseMcpttInfo(cdata)).toEqual({ clientId: '' });
    }
  });

  it('mcptt-info: burst at the limit', () => {
    const parts = [
      [fill('<session-type>', INFO_OPEN), 'elements nested too deeply'],
      [fill('<session-type ', INFO_OPEN), 'malformed attribute'],
      [fill('<mcptt-calling-user-id ', INFO_OPEN), 'malformed attribute'],
      [fill('<mcpttURI>', `${INFO_OPEN}<mcptt-calling-user-id>`), 'elements nested too deeply'],
      [fill(`<emergency-ind type="'" x='"'>`, INFO_OPEN), 'elements nested too deeply'],
      [fill('<!--', INFO_OPEN), 'unterminated comment'],
    ] as const;
    for (let i = 0; i < BURST; i++) {
      for (const [part, reason] of parts) {
        expectMalformed(parseMcpttInfo, part, reason);
      }
    }
  });
});

describe('markup that MCPTT XML does not use', () => {
  it('rejects a document type declaration', () => {
    const hidden =
      '<!DOCTYPE m SYSTEM "a><mcptt-request-uri>sip:evil@x</mcptt-request-uri>">' +
      info(requestUri('sip:good@x'));

    expect(() => parseMcpttInfo(hidden)).toThrow(XmlDoctypeError);
    expect(() => parseMcpttInfo(hidden)).toThrow(
      expect.objectContaining({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 }),
    );
    expect(() => parseResourceListUris(`<!DOCTYPE r>${lists('')}`)).toThrow(XmlDoctypeError);
    expect(() => parseAffiliationGroups(`<!DOCTYPE p>${pidf('')}`)).toThrow(XmlDoctypeError);
  });
});

/** Returns the body of the part with this Content-Type in an MCPTT corpus message. */
function corpusPart(file: string, contentType: string): string {
  const text = readCorpusText(`mcptt/${file}`);
  const start = text.indexOf(`Content-Type: ${contentType}`);
  const body = text.indexOf('\r\n\r\n', start) + 4;
  const end = text.indexOf('\r\n--', body);
  return text.slice(body, end < 0 ? undefined : end);
}

const INFO_TYPE = 'application/vnd.3gpp.mcptt-info+xml';

describe.skipIf(!corporaAvailable)('MCPTT corpus messages', () => {
  it('reads the mcptt-info of each INVITE and response', () => {
    const read = (file: string) => parseMcpttInfo(corpusPart(file, INFO_TYPE));

    expect(read('01-register-mcptt-info.sipp-derived.sip')).toEqual({
      clientId: 'urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF',
    });
    expect(read('03-invite-prearranged-group-call.mcop-derived.sip')).toEqual({
      sessionType: 'prearranged',
      requestUri: 'sip:mcptt-group-A1@mcptt-op.example',
      alert: false,
      clientId: 'urn:uuid:9d2f5c3e-1b7a-4c2e-8f60-0a1b2c3d4e5f',
    });
    expect(read('06-invite-emergency-group-call.spec-synthesised.sip')).toMatchObject({
      requestUri: 'sip:mcptt-group-A1@mcptt-op.example',
      emergency: true,
    });
    expect(read('07-200ok-emergency-group-call.spec-synthesised.sip')).toEqual({
      callingGroupId: 'sip:mcptt-group-A1@mcptt-op.example',
      emergency: true,
    });
    expect(read('08-invite-server-to-member.vendor-doc-nonconformant.sip')).toEqual({
      sessionType: 'prearranged',
      requestUri: 'tel:+15550100001',
      callingUserId: 'tel:+15550100101',
      callingGroupId: 'tel:+15550100001',
    });
  });

  it('reads the private call recipient', () => {
    const xml = corpusPart(
      '04-invite-private-call.mcop-derived.sip',
      'application/resource-lists+xml',
    );

    expect(parseResourceListUris(xml)).toEqual(['sip:mcptt-id-B@mcptt-op.example']);
  });

  it('reads the affiliation PUBLISH', () => {
    const xml = corpusPart('05-publish-affiliation.mcop-derived.sip', 'application/pidf+xml');

    expect(parseAffiliationGroups(xml)).toEqual([
      'sip:mcptt-group-A1@mcptt-op.example',
      'sip:mcptt-group-A2@mcptt-op.example',
    ]);
  });
});
