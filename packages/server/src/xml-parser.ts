/**
 * The server's entry to the shared XML reader of `@mcptt-smime/mcptt-xml`, under the server's
 * MCPTT readers (mcptt-xml.ts). The reader checks that an XML part is well-formed XML 1.0 and
 * resolves each name to its namespace URI and local name. This module sets the server's size
 * limit in UTF-8 bytes and turns each rejection into the server's error of that kind: 413 for a
 * part that is too large, 400 for a DOCTYPE or malformed XML.
 *
 * @module
 */
import {
  parseXml as parseXmlDocument,
  singleChild as singleChildElement,
  XmlSyntaxError,
  type XmlElement,
} from '@mcptt-smime/mcptt-xml';
import { XmlDoctypeError, XmlPartMalformedError, XmlPartTooLargeError } from './xml-errors.js';

export {
  childrenNamed,
  escapeXml,
  isElement,
  MAX_XML_DEPTH,
  MAX_XML_ELEMENTS,
} from '@mcptt-smime/mcptt-xml';
export type { XmlElement } from '@mcptt-smime/mcptt-xml';
export { XmlDoctypeError, XmlPartMalformedError, XmlPartTooLargeError } from './xml-errors.js';

/**
 * Maximum size in bytes of one XML part (mcptt-info, pidf or resource-lists) that the readers
 * accept. The SIP core relays at most about 64 KiB per message, so no part that came through it
 * is larger.
 */
export const MAX_XML_PART_BYTES = 64 * 1024;

/**
 * Parses an XML part and returns its root element. Raises {@link XmlPartTooLargeError} for a
 * part larger than {@link MAX_XML_PART_BYTES}, {@link XmlDoctypeError} for a DOCTYPE, and
 * {@link XmlPartMalformedError} for malformed XML, an undeclared namespace prefix, an undeclared
 * entity, or a part past {@link MAX_XML_DEPTH} or {@link MAX_XML_ELEMENTS}.
 */
export function parseXml(source: string): XmlElement {
  try {
    return parseXmlDocument(source, { max: MAX_XML_PART_BYTES, unit: 'utf-8' });
  } catch (error) {
    throw toServerError(error);
  }
}

/**
 * Returns the one child of `parent` with this namespace URI and local name, or undefined when it
 * has none. Raises {@link XmlPartMalformedError} when it has several, as an element that the
 * schema allows once would otherwise read differently in readers that take the first and those
 * that take the last.
 */
export function singleChild(
  parent: XmlElement | undefined,
  namespace: string,
  name: string,
): XmlElement | undefined {
  try {
    return singleChildElement(parent, namespace, name);
  } catch (error) {
    throw toServerError(error);
  }
}

/** Maps an XmlSyntaxError to the server's error for its reason, and returns others unchanged. */
function toServerError(error: unknown): unknown {
  if (!(error instanceof XmlSyntaxError)) return error;

  const options = { cause: error };
  switch (error.reason) {
    case 'too-large':
      return new XmlPartTooLargeError(
        `XML part larger than ${String(MAX_XML_PART_BYTES)} bytes`,
        options,
      );
    case 'doctype':
      return new XmlDoctypeError('XML part has a document type declaration', options);
    case 'malformed':
      return new XmlPartMalformedError(`XML part malformed: ${error.detail}`, options);
  }
}
