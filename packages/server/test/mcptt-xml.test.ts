import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '@mcptt-smime/smime';
import {
  MAX_XML_PART_BYTES,
  XmlDoctypeError,
  XmlPartTooLargeError,
  buildMcpttInfo,
  escapeXml,
  parseAffiliationGroups,
  parseMcpttInfo,
  parseResourceListUris,
  type McpttInfo,
} from '../src/mcptt-xml.js';

const readers = [
  ['parseMcpttInfo', parseMcpttInfo],
  ['parseAffiliationGroups', parseAffiliationGroups],
  ['parseResourceListUris', parseResourceListUris],
] as const;

/** Returns `unit` repeated between `prefix` and `suffix`, to at most MAX_XML_PART_BYTES characters. */
function fill(unit: string, prefix = '', suffix = ''): string {
  const count = Math.floor((MAX_XML_PART_BYTES - prefix.length - suffix.length) / unit.length);
  return `${prefix}${unit.repeat(count)}${suffix}`;
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

describe('mcptt-info', () => {
  it('reads what it writes', () => {
    const info: McpttInfo = {
      sessionType: 'private',
      requestUri: 'sip:mcptt-server@mcptt.example',
      callingUserId: 'sip:alice@mcptt.example',
      calledPartyId: 'sip:bob@mcptt.example;x="<a&b>"',
      callingGroupId: 'sip:fire-1@mcptt.example',
      emergency: true,
      clientId: "alice's phone",
    };

    expect(parseMcpttInfo(buildMcpttInfo(info))).toEqual(info);
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

  it('skips comments, CDATA, empty elements', () => {
    const xml = [
      '<mcpttinfo><mcptt-Params>',
      '<!-- <session-type>private</session-type> -->',
      '<![CDATA[<mcptt-client-id>cdata</mcptt-client-id>]]>',
      '<mcptt-request-uri/>',
      '<session-type>prearranged</session-type>',
      '</mcptt-Params></mcpttinfo>',
    ].join('');

    expect(parseMcpttInfo(xml)).toEqual({ sessionType: 'prearranged' });
  });

  it('reads nothing from non-XML', () => {
    expect(parseMcpttInfo('')).toEqual({});
    expect(parseMcpttInfo('not xml at all < > " \'')).toEqual({});
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
      '<affiliation group=\'sip:a&amp;b@mcptt.example\' status="affiliated"></affiliation>',
      '<p:affiliation expires="x"/>',
      '</status></tuple></presence>',
    ].join('\r\n');

    expect(parseAffiliationGroups(xml)).toEqual([
      'sip:fire-1@mcptt.example',
      'sip:a&b@mcptt.example',
    ]);
  });

  it('reads an empty list', () => {
    expect(parseAffiliationGroups('<presence><tuple id="c1"><status/></tuple></presence>')).toEqual(
      [],
    );
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
      '    <entry cc:copyControl="to" uri = "sip:carol@mcptt.example;p=&quot;a>b&quot;"></entry>',
      '    <entry-ref uri="sip:not-an-entry@mcptt.example"/>',
      '  </rl:list>',
      '</rl:resource-lists>',
    ].join('\r\n');

    expect(parseResourceListUris(xml)).toEqual([
      'sip:bob@mcptt.example',
      'sip:carol@mcptt.example;p="a>b"',
    ]);
  });
});

/** An mcptt-info document with one element of mcptt-Params, written as given. */
const infoWith = (element: string, content: string) =>
  `<mcpttinfo><mcptt-Params><${element}>${content}</${element}></mcptt-Params></mcpttinfo>`;

const callingUserIdOf = (content: string) =>
  parseMcpttInfo(infoWith('mcptt-calling-user-id', content)).callingUserId;

/** A pidf whose one affiliation has the attributes `attributes`, written as given. */
const pidfWith = (attributes: string) =>
  `<presence><tuple id="c1"><status><affiliation ${attributes}/></status></tuple></presence>`;

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
    expect(callingUserIdOf('sip:b&#X40;x')).toBe('sip:b&#X40;x');
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
    expect(parseResourceListUris('<list><entry uri="sip:bob&#64;mcptt.example"/></list>')).toEqual([
      'sip:bob@mcptt.example',
    ]);
  });

  // The readers leave out a reference to a code point that is not an XML character.
  it.each(['&#0;', '&#x0;', '&#xD800;', '&#xDFFF;', '&#xFFFE;', '&#x110000;', '&#1114112;'])(
    'leaves out the reference %s',
    (reference) => {
      expect(callingUserIdOf(`sip:b${reference}@x`)).toBe('sip:b@x');
      expect(parseResourceListUris(`<entry uri="sip:b${reference}@x"/>`)).toEqual(['sip:b@x']);
    },
  );

  it('leaves out a huge reference', () => {
    expect(callingUserIdOf(`sip:b&#${'9'.repeat(400)};@x`)).toBe('sip:b@x');
    expect(callingUserIdOf(`sip:b&#x${'F'.repeat(400)};@x`)).toBe('sip:b@x');
  });

  it.each(['&', '&;', '&#;', '&#x;', '&#64', '&#x4G;', '&nbsp;', '&constructor;', '&AMP;'])(
    'keeps the non-reference %j',
    (text) => {
      expect(callingUserIdOf(`sip:b${text}@x`)).toBe(`sip:b${text}@x`);
      expect(parseResourceListUris(`<entry uri="sip:b${text}@x"/>`)).toEqual([`sip:b${text}@x`]);
    },
  );

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

  it('keeps `<!--` in attribute values', () => {
    expect(parseResourceListUris('<entry uri="sip:a<!-- x -->@b"/>')).toEqual([
      'sip:a<!-- x -->@b',
    ]);
  });
});

/** XML whitespace, which the reader removes around an element value. */
const EDGE_SPACE = /^[ \t\r\n]|[ \t\r\n]$/;

/** Text made mostly of characters that mean something in XML, with any other code point too. */
const xmlText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      ...['<', '>', '&', '"', "'", ';', '#', 'x', '4', '0', '!', '-', '[', ']', '?', '/'],
      ...['CDATA[', '<!--', '-->', ']]>', '&amp;', '&#64;', 'lt;', ' ', '\t', '\r\n', '@'],
    ),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});
const elementValue = xmlText.filter((text) => !EDGE_SPACE.test(text));

describe('what the server writes reads back the same', () => {
  it('mcptt-info from buildMcpttInfo', () => {
    const info: fc.Arbitrary<McpttInfo> = fc.record(
      {
        sessionType: elementValue,
        requestUri: elementValue,
        callingUserId: elementValue,
        calledPartyId: elementValue,
        callingGroupId: elementValue,
        emergency: fc.boolean(),
        clientId: elementValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(info, (written) => {
        expect(parseMcpttInfo(buildMcpttInfo(written))).toEqual(written);
      }),
      { numRuns: 500 },
    );
  });

  it('attribute values written with escapeXml', () => {
    fc.assert(
      fc.property(fc.array(xmlText, { maxLength: 4 }), (values) => {
        const attributes = values.map((value) => `"${escapeXml(value)}"`);
        const pidf = attributes.map((group) => pidfWith(`status="affiliated" group=${group}`));
        const entries = attributes.map((uri) => `<entry uri=${uri}/>`);

        expect(parseAffiliationGroups(pidf.join(''))).toEqual(values);
        expect(parseResourceListUris(`<list>${entries.join('')}</list>`)).toEqual(values);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the size limit', () => {
  it.each(readers)('%s accepts a part at the limit', (_name, read) => {
    const xml = fill(' ', '<a>', '</a>');

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

// The inputs below made the former pattern-based readers backtrack: each took time quadratic in
// its size. The readers must finish them at once; a reader that does not runs into the test
// timeout rather than a timing assertion.
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
      fill('<entry '),
      fill('<entry uri '),
      fill('<entry uri= '),
      fill(`<entry uri="'" x='"' `),
      fill('<entry uri="sip:a@b'),
    ];
    for (let i = 0; i < BURST; i++) {
      for (const part of parts) {
        expect(parseResourceListUris(part)).toEqual([]);
      }
    }
    expect(parseResourceListUris(fill(`<entry uri="'" x='"'/>`))).toHaveLength(
      Math.floor(MAX_XML_PART_BYTES / 22),
    );
  });

  it('pidf: burst at the limit', () => {
    const parts = [
      fill('<affiliation '),
      fill('<affiliation group '),
      fill(`group="'" status='"' `, '<affiliation '),
      fill('group="', '<affiliation '),
    ];
    for (let i = 0; i < BURST; i++) {
      for (const part of parts) {
        expect(parseAffiliationGroups(part)).toEqual([]);
      }
    }
    expect(parseAffiliationGroups(fill(`group="'" status='"' `, '<affiliation ', '>'))).toEqual([
      "'",
    ]);
  });

  it('references and CDATA: burst at the limit', () => {
    const [open, close] = ['<mcptt-client-id>', '</mcptt-client-id>'];
    const value = (unit: string) => fill(unit, open, close).slice(open.length, -close.length);
    const literal = ['&#1', '&#x', '&amp', '&', '&#', '<'].map(value);
    const parts = literal.map((text) => `${open}${text}${close}`);
    const digits = `${open}&#${'9'.repeat(MAX_XML_PART_BYTES - 40)};${close}`;
    const cdata = fill('<![CDATA[]]>', open, close);
    for (let i = 0; i < BURST; i++) {
      expect(parts.map((part) => parseMcpttInfo(part).clientId)).toEqual(literal);
      expect(parseMcpttInfo(digits)).toEqual({ clientId: '' });
      expect(parseMcpttInfo(cdata)).toEqual({ clientId: '' });
    }
  });

  it('mcptt-info: burst at the limit', () => {
    const [open, close] = ['<mcptt-calling-user-id>', '</mcptt-calling-user-id>'];
    const unwrapped = fill('<mcpttURI>', open, close);
    const parts = [
      fill('<session-type>'),
      fill('<session-type '),
      fill('<mcptt-calling-user-id '),
      unwrapped,
      fill(`<emergency-ind type="'" x='"'>`),
      fill('<!--'),
    ];
    // Tags that open no wrapper are markup, not text.
    const expected = [{}, {}, {}, { callingUserId: '' }, {}, {}];
    for (let i = 0; i < BURST; i++) {
      expect(parts.map(parseMcpttInfo)).toEqual(expected);
    }
  });
});

describe('markup that MCPTT XML does not use', () => {
  it('rejects a document type declaration', () => {
    const hidden =
      '<!DOCTYPE m SYSTEM "a><mcptt-request-uri>sip:evil@x</mcptt-request-uri>">' +
      '<mcptt-info><mcptt-Params><mcptt-request-uri><mcpttURI>sip:good@x</mcpttURI>' +
      '</mcptt-request-uri></mcptt-Params></mcptt-info>';

    expect(() => parseMcpttInfo(hidden)).toThrow(XmlDoctypeError);
    expect(() => parseMcpttInfo(hidden)).toThrow(
      expect.objectContaining({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 }),
    );
    expect(() => parseResourceListUris(`<!DOCTYPE r><resource-lists/>`)).toThrow(XmlDoctypeError);
    expect(() => parseAffiliationGroups(`<!DOCTYPE p><presence/>`)).toThrow(XmlDoctypeError);
  });

  it('reads a field without its wrapper as text, without tags', () => {
    const info = parseMcpttInfo(
      '<mcptt-info><mcptt-Params>' +
        '<mcptt-calling-user-id><other>sip:a@x</other></mcptt-calling-user-id>' +
        '<mcptt-request-uri type="Normal"><empty/></mcptt-request-uri>' +
        '</mcptt-Params></mcptt-info>',
    );

    expect(info.callingUserId).toBe('sip:a@x');
    expect(info.requestUri).toBe('');
  });
});
