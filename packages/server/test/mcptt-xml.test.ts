import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '@mcptt-smime/smime';
import {
  MAX_XML_PART_BYTES,
  XmlPartTooLargeError,
  buildMcpttInfo,
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
    const callingUserId = unwrapped.slice(open.length, -close.length);
    const expected = [{}, {}, {}, { callingUserId }, {}, {}];
    for (let i = 0; i < BURST; i++) {
      expect(parts.map(parseMcpttInfo)).toEqual(expected);
    }
  });
});
