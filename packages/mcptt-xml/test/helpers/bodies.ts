import fc from 'fast-check';
import { expect } from 'vitest';
import {
  escapeXml,
  LOCATION_INFO_NAMESPACE,
  MCPTT_INFO_NAMESPACE,
  MCPTT_PRES_INFO_NAMESPACE,
  PIDF_NAMESPACE,
  RESOURCE_LISTS_NAMESPACE,
  XmlSyntaxError,
  type XmlSizeLimit,
  type XmlSyntaxErrorReason,
} from '../../src/index.js';

/** The limit that the tests give the readers: the server's, 64 KiB of UTF-8. */
export const MAX_BYTES = 64 * 1024;
export const LIMIT: XmlSizeLimit = { max: MAX_BYTES, unit: 'utf-8' };

/** A namespace of no MCPTT body, for lookalike elements and extensions. */
export const OTHER = 'urn:example:other';

/** Calls `action` and returns the XmlSyntaxError it raised, failing the test otherwise. */
export function syntaxErrorOf(action: () => unknown): XmlSyntaxError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(XmlSyntaxError);
    return error as XmlSyntaxError;
  }
  return expect.fail('no error raised');
}

/** Asserts that `action` raises XmlSyntaxError with `reason`, its detail containing `detail`. */
export function expectInvalid(
  action: () => unknown,
  detail: string,
  reason: XmlSyntaxErrorReason = 'malformed',
): void {
  const error = syntaxErrorOf(action);

  expect(error.reason).toBe(reason);
  expect(error.detail).toContain(detail);
  expect(error.message).toBe(`XML document invalid: ${error.detail}`);
}

/** Calls `read` on `xml` and returns the error it raised, or undefined. */
export function errorOf(read: (xml: string) => unknown, xml: string): unknown {
  try {
    read(xml);
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The start of an mcptt-info document in the default namespace, up to the mcptt-Params content. */
export const INFO_OPEN = `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}"><mcptt-Params>`;
export const INFO_CLOSE = '</mcptt-Params></mcpttinfo>';

/** An mcptt-info document in the default namespace with `params` inside mcptt-Params. */
export const info = (params: string) => `${INFO_OPEN}${params}${INFO_CLOSE}`;

/** An mcptt-info document with one element of mcptt-Params, written as given. */
export const infoWith = (element: string, content: string) =>
  info(`<${element}>${content}</${element}>`);

export const requestUri = (uri: string) =>
  `<mcptt-request-uri type="Normal"><mcpttURI>${uri}</mcpttURI></mcptt-request-uri>`;

/** A location report in the default namespace with `coordinate` inside CurrentCoordinate. */
export const location = (coordinate: string, report = '') =>
  `<location-info xmlns="${LOCATION_INFO_NAMESPACE}"><Report ReportType="Emergency">${report}` +
  `<CurrentLocation><CurrentCoordinate>${coordinate}</CurrentCoordinate></CurrentLocation>` +
  '</Report></location-info>';

export const COORDINATE = '<longitude>2.5</longitude><latitude>48.5</latitude>';

/** The start of a pidf, with the MCPTT presence namespace bound to `m`, up to the status content. */
export const PIDF_OPEN =
  `<presence xmlns="${PIDF_NAMESPACE}" xmlns:m="${MCPTT_PRES_INFO_NAMESPACE}" entity="sip:a@x">` +
  '<tuple id="c1"><status>';

/** A pidf with `status` inside the status of its tuple, and `tuple` after that status. */
export const pidf = (status: string, tuple = '') =>
  `${PIDF_OPEN}${status}</status>${tuple}</tuple></presence>`;

/** A pidf whose one affiliation has the attributes `attributes`, written as given. */
export const pidfWith = (attributes: string) => pidf(`<m:affiliation ${attributes}/>`);

/** A resource-lists document in the default namespace with `content` inside its root. */
export const lists = (content: string) =>
  `<resource-lists xmlns="${RESOURCE_LISTS_NAMESPACE}">${content}</resource-lists>`;

/** The start of a resource-lists document in the default namespace, up to the list content. */
export const LIST_OPEN = `<resource-lists xmlns="${RESOURCE_LISTS_NAMESPACE}"><list>`;

/** A resource-lists document with one list of `entries`. */
export const listOf = (entries: string) => `${LIST_OPEN}${entries}</list></resource-lists>`;

/** Returns `xml` with `content` inserted before the end tag of its root. */
export function beforeRootEnd(xml: string, content: string): string {
  const rootEnd = xml.lastIndexOf('</');
  return xml.slice(0, rootEnd) + content + xml.slice(rootEnd);
}

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
export const xmlText = fc
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

/** Text that XML can carry and that has no white space at its ends, which the reader trims. */
export const elementValue = xmlText.filter((text) => !/^[ \t\r\n]|[ \t\r\n]$/.test(text));
