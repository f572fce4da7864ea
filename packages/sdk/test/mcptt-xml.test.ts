import { describe, expect, it } from 'vitest';
import * as shared from '@mcptt-smime/mcptt-xml';
import { MimeParseError } from '@mcptt-smime/smime';
import { buildAffiliation, parseAffiliation } from '../src/mcptt/affiliation.js';
import { buildLocationInfo, parseLocationInfo } from '../src/mcptt/location-info.js';
import { buildMcpttInfo, parseMcpttInfo } from '../src/mcptt/mcptt-info.js';
import {
  LOCATION_INFO_NAMESPACE,
  MCPTT_INFO_NAMESPACE,
  MCPTT_PRES_INFO_NAMESPACE,
  PIDF_NAMESPACE,
  RESOURCE_LISTS_NAMESPACE,
} from '../src/mcptt/media-types.js';
import { buildResourceLists, parseResourceLists } from '../src/mcptt/resource-lists.js';
import { MAX_XML_CHARS, MAX_XML_DEPTH, MAX_XML_ELEMENTS, readXmlBody } from '../src/mcptt/xml.js';

// The codecs themselves are tested in @mcptt-smime/mcptt-xml. These tests cover what the SDK
// adds: its size limit, and MimeParseError for every rejected body.

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

/** Asserts that `action` raises MimeParseError, 400, for an XmlSyntaxError with `detail`. */
function expectRejected(action: () => unknown, detail: string): void {
  const error = parseErrorOf(action);

  expect(error.code).toBe('ERR_MIME_MALFORMED');
  expect(error.sipStatus).toBe(400);
  expect(error.message).toBe(`XML body invalid: ${detail}`);
  expect(error.cause).toBeInstanceOf(shared.XmlSyntaxError);
}

/**
 * Each reader of the SDK, with the shared reader under it, a valid document, and the detail of
 * its rejection of a root in another namespace.
 */
const readers = [
  [
    'parseMcpttInfo',
    parseMcpttInfo,
    shared.parseMcpttInfo,
    `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}"><mcptt-Params/></mcpttinfo>`,
    'mcptt-info root element is not mcpttinfo',
  ],
  [
    'parseLocationInfo',
    parseLocationInfo,
    shared.parseLocationInfo,
    `<location-info xmlns="${LOCATION_INFO_NAMESPACE}"><Report><CurrentLocation>` +
      '<CurrentCoordinate><longitude>2.5</longitude><latitude>48.5</latitude>' +
      '</CurrentCoordinate></CurrentLocation></Report></location-info>',
    'location-info root element is not location-info',
  ],
  [
    'parseResourceLists',
    parseResourceLists,
    shared.parseResourceLists,
    `<resource-lists xmlns="${RESOURCE_LISTS_NAMESPACE}"><list><entry uri="sip:b@x"/></list></resource-lists>`,
    'resource-lists root element is not resource-lists',
  ],
  [
    'parseAffiliation',
    parseAffiliation,
    shared.parseAffiliation,
    `<presence xmlns="${PIDF_NAMESPACE}" xmlns:m="${MCPTT_PRES_INFO_NAMESPACE}" entity="sip:a@x">` +
      '<tuple id="c1"><status><m:affiliation group="sip:g@x"/></status></tuple></presence>',
    'pidf root element is not presence',
  ],
] as const;

/** Returns `xml` with `content` inserted before the end tag of its root. */
function beforeRootEnd(xml: string, content: string): string {
  const rootEnd = xml.lastIndexOf('</');
  return xml.slice(0, rootEnd) + content + xml.slice(rootEnd);
}

describe.each(readers)(
  '%s raises MimeParseError, 400',
  (_name, read, readShared, valid, wrongRoot) => {
    it('reads the valid document as the shared reader does', () => {
      expect(read(valid)).toEqual(readShared(valid, { max: MAX_XML_CHARS, unit: 'utf-16' }));
    });

    it('for malformed XML', () => {
      expectRejected(() => read(valid.slice(0, valid.lastIndexOf('</'))), 'unclosed element');
      expectRejected(() => read(beforeRootEnd(valid, '&nbsp;')), 'undeclared or malformed entity');
    });

    it('for a body that is not its document', () => {
      expectRejected(() => read(valid.replaceAll('urn:', 'urn:example:')), wrongRoot);
    });

    it('for a DOCTYPE', () => {
      expectRejected(() => read(`<!DOCTYPE x>${valid}`), 'DOCTYPE not allowed');
    });

    it('for a body past MAX_XML_CHARS, counted in UTF-16 code units', () => {
      const atLimit = beforeRootEnd(valid, 'é'.repeat(MAX_XML_CHARS - valid.length));

      expect(atLimit).toHaveLength(MAX_XML_CHARS);
      expect(() => read(atLimit)).not.toThrow();
      expectRejected(() => read(`${atLimit} `), 'document too large');
    });

    it('for deep nesting and too many elements', () => {
      const nested =
        `<e xmlns="urn:example:other">`.repeat(MAX_XML_DEPTH) + '</e>'.repeat(MAX_XML_DEPTH);
      const elements = '<e xmlns="urn:example:other"/>'.repeat(MAX_XML_ELEMENTS);

      expectRejected(() => read(beforeRootEnd(valid, nested)), 'elements nested too deeply');
      expectRejected(() => read(beforeRootEnd(valid, elements)), 'too many elements');
    });
  },
);

describe('readXmlBody', () => {
  it('passes on an error that is not an XmlSyntaxError', () => {
    const failure = new RangeError('not XML');

    expect(() =>
      readXmlBody('<a/>', () => {
        throw failure;
      }),
    ).toThrow(failure);
  });

  it('gives the reader the SDK limit', () => {
    expect(readXmlBody('<a/>', (_xml, limit) => limit)).toEqual({
      max: MAX_XML_CHARS,
      unit: 'utf-16',
    });
  });
});

describe('the SDK codecs are the shared ones', () => {
  it('writes with the writers of @mcptt-smime/mcptt-xml', () => {
    expect(buildMcpttInfo).toBe(shared.buildMcpttInfo);
    expect(buildResourceLists).toBe(shared.buildResourceLists);
    expect(buildAffiliation).toBe(shared.buildAffiliation);
    expect(buildLocationInfo).toBe(shared.buildLocationInfo);
  });
});
