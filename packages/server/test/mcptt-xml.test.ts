import { describe, expect, it } from 'vitest';
import * as shared from '@mcptt-smime/mcptt-xml';
import { LimitExceededError, MimeParseError } from '@mcptt-smime/smime';
import {
  MAX_XML_DEPTH,
  MAX_XML_ELEMENTS,
  MAX_XML_PART_BYTES,
  XmlDoctypeError,
  XmlPartMalformedError,
  XmlPartTooLargeError,
  buildMcpttInfo,
  parseAffiliationGroups,
  parseMcpttInfo,
  parseResourceListUris,
} from '../src/mcptt-xml.js';
import { readXmlPart } from '../src/xml-parser.js';

// The codecs themselves are tested in @mcptt-smime/mcptt-xml. These tests cover what the server
// adds: its size limit in UTF-8 bytes, its error for each reason, and what it reads of a pidf.

const OTHER = 'urn:example:other';

/** A pidf with the MCPTT presence namespace bound to `m`, and `tuples` inside its root. */
const presence = (tuples: string) =>
  `<presence xmlns="${shared.PIDF_NAMESPACE}" xmlns:m="${shared.MCPTT_PRES_INFO_NAMESPACE}">` +
  `${tuples}</presence>`;

/** A tuple of a pidf with `status` inside its status. */
const tuple = (id: string, status: string) =>
  `<tuple id="${id}"><status>${status}</status></tuple>`;

/**
 * Each reader of the server, a valid part, what it reads from it, and the detail of its
 * rejection of a root in another namespace.
 */
const readers = [
  [
    'parseMcpttInfo',
    parseMcpttInfo,
    `<mcpttinfo xmlns="${shared.MCPTT_INFO_NAMESPACE}"><mcptt-Params>` +
      '<session-type>chat</session-type></mcptt-Params></mcpttinfo>',
    { sessionType: 'chat' },
    'mcptt-info root element is not mcpttinfo',
  ],
  [
    'parseAffiliationGroups',
    parseAffiliationGroups,
    presence(tuple('c1', '<m:affiliation group="sip:g@x"/>')),
    ['sip:g@x'],
    'pidf root element is not presence',
  ],
  [
    'parseResourceListUris',
    parseResourceListUris,
    `<resource-lists xmlns="${shared.RESOURCE_LISTS_NAMESPACE}"><list>` +
      '<entry uri="sip:b@x"/></list></resource-lists>',
    ['sip:b@x'],
    'resource-lists root element is not resource-lists',
  ],
] as const;

/** Calls `read` and returns the error it raised, or undefined. */
function errorOf(read: (xml: string) => unknown, xml: string): unknown {
  try {
    read(xml);
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Returns `xml` with `content` inserted before the end tag of its root. */
function beforeRootEnd(xml: string, content: string): string {
  const rootEnd = xml.lastIndexOf('</');
  return xml.slice(0, rootEnd) + content + xml.slice(rootEnd);
}

/** Asserts that `read` rejects `xml` as malformed, 400, for an XmlSyntaxError with `detail`. */
function expectMalformed(read: (xml: string) => unknown, xml: string, detail: string): void {
  const error = errorOf(read, xml);

  expect(error).toBeInstanceOf(XmlPartMalformedError);
  expect(error).not.toBeInstanceOf(XmlDoctypeError);
  expect(error).toBeInstanceOf(MimeParseError);
  expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
  expect((error as Error).message).toBe(`XML part malformed: ${detail}`);
  expect((error as Error).cause).toBeInstanceOf(shared.XmlSyntaxError);
}

describe.each(readers)('%s', (_name, read, valid, expected, wrongRoot) => {
  it('reads the valid part', () => {
    expect(read(valid)).toEqual(expected);
  });

  it('raises XmlPartMalformedError, 400, for malformed XML', () => {
    expectMalformed(read, valid.slice(0, valid.lastIndexOf('</')), 'unclosed element');
    expectMalformed(read, beforeRootEnd(valid, '&nbsp;'), 'undeclared or malformed entity');
  });

  it('raises XmlPartMalformedError, 400, for a part that is not its document', () => {
    expectMalformed(read, valid.replaceAll('urn:', 'urn:example:'), wrongRoot);
  });

  it('raises XmlPartMalformedError, 400, past the depth and element limits', () => {
    const nested = `<e xmlns="${OTHER}">`.repeat(MAX_XML_DEPTH) + '</e>'.repeat(MAX_XML_DEPTH);
    const elements = `<e xmlns="${OTHER}"/>`.repeat(MAX_XML_ELEMENTS);

    expectMalformed(read, beforeRootEnd(valid, nested), 'elements nested too deeply');
    expectMalformed(read, beforeRootEnd(valid, elements), 'too many elements');
  });

  it('raises XmlDoctypeError, 400, for a DOCTYPE', () => {
    const error = errorOf(read, `<!DOCTYPE x [<!ENTITY e "sip:evil@x">]>${valid}`);

    expect(error).toBeInstanceOf(XmlDoctypeError);
    expect(error).toMatchObject({
      code: 'ERR_MIME_MALFORMED',
      sipStatus: 400,
      message: 'XML part has a document type declaration',
    });
  });

  it('accepts a part of MAX_XML_PART_BYTES', () => {
    const xml = beforeRootEnd(valid, ' '.repeat(MAX_XML_PART_BYTES - valid.length));

    expect(xml).toHaveLength(MAX_XML_PART_BYTES);
    expect(read(xml)).toEqual(expected);
  });

  it('raises XmlPartTooLargeError, 413, for one byte more', () => {
    const error = errorOf(read, ' '.repeat(MAX_XML_PART_BYTES + 1));

    expect(error).toBeInstanceOf(XmlPartTooLargeError);
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error).toMatchObject({
      code: 'ERR_LIMIT_EXCEEDED',
      sipStatus: 413,
      message: `XML part larger than ${String(MAX_XML_PART_BYTES)} bytes`,
    });
  });

  it('counts UTF-8 bytes', () => {
    const xml = 'é'.repeat(MAX_XML_PART_BYTES / 2 + 1);

    expect(xml.length).toBeLessThan(MAX_XML_PART_BYTES);
    expect(errorOf(read, xml)).toBeInstanceOf(XmlPartTooLargeError);
  });

  it('raises XmlPartTooLargeError for 1 MB of unterminated tags', () => {
    expect(errorOf(read, '<entry '.repeat((1024 * 1024) / 7))).toBeInstanceOf(XmlPartTooLargeError);
  });
});

describe('readXmlPart', () => {
  it('passes on an error that is not an XmlSyntaxError', () => {
    const failure = new RangeError('not XML');

    expect(() =>
      readXmlPart('<a/>', () => {
        throw failure;
      }),
    ).toThrow(failure);
  });

  it('gives the reader the server limit', () => {
    expect(readXmlPart('<a/>', (_xml, limit) => limit)).toEqual({
      max: MAX_XML_PART_BYTES,
      unit: 'utf-8',
    });
  });
});

describe('parseAffiliationGroups', () => {
  it('reads the groups of every tuple, less those being de-affiliated', () => {
    const xml = presence(
      tuple('c1', '<m:affiliation group="sip:a@x"/>') +
        tuple(
          'c2',
          '<m:affiliation group="sip:b@x" status="affiliated"/>' +
            '<m:affiliation group="sip:c@x" status="deaffiliating"/>',
        ),
    );

    expect(parseAffiliationGroups(xml)).toEqual(['sip:a@x', 'sip:b@x']);
  });

  it('reads a tuple without groups as an empty list', () => {
    expect(parseAffiliationGroups(presence(tuple('c1', '')))).toEqual([]);
  });

  it('rejects a pidf without tuple and an affiliation without group', () => {
    expectMalformed(parseAffiliationGroups, presence(''), 'pidf tuple missing');
    expectMalformed(
      parseAffiliationGroups,
      presence(tuple('c1', '<m:affiliation expires="x"/>')),
      'pidf affiliation group missing',
    );
  });
});

describe('parseMcpttInfo', () => {
  it('rejects a boolean that is not an xs:boolean', () => {
    const xml = buildMcpttInfo({ emergency: true }).replace('>true<', '>yes<');

    expectMalformed(parseMcpttInfo, xml, 'mcptt-info emergency-ind is not a boolean');
  });

  it('writes with the writer of @mcptt-smime/mcptt-xml', () => {
    expect(buildMcpttInfo).toBe(shared.buildMcpttInfo);
  });
});
