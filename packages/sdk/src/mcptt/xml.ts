/**
 * The SDK's entry to the shared XML reader of `@mcptt-smime/mcptt-xml`, which the MCPTT body
 * readers and writers use. The reader checks that a body is well-formed XML 1.0 and resolves each
 * name to its namespace URI and local name. This module sets the SDK's size limit and raises
 * MimeParseError (400) for every body that the reader rejects, whatever the reason.
 *
 * @module
 */
import {
  parseXml as parseXmlDocument,
  singleChild as singleChildElement,
  XmlSyntaxError,
  type XmlElement,
} from '@mcptt-smime/mcptt-xml';
import { MimeParseError } from '@mcptt-smime/smime';

export {
  childrenNamed,
  escapeXml,
  isElement,
  MAX_XML_DEPTH,
  MAX_XML_ELEMENTS,
} from '@mcptt-smime/mcptt-xml';
export type { XmlElement } from '@mcptt-smime/mcptt-xml';

/** Maximum size in characters (UTF-16 code units) of an XML body. */
export const MAX_XML_CHARS = 64 * 1024;

/** The XML declaration that every body built here starts with. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Parses an XML document and returns its root element. Raises MimeParseError on malformed XML,
 * a DOCTYPE, an undeclared namespace prefix, an undeclared entity, or a document past
 * {@link MAX_XML_CHARS}, {@link MAX_XML_DEPTH} or {@link MAX_XML_ELEMENTS}.
 */
export function parseXml(source: string): XmlElement {
  try {
    return parseXmlDocument(source, { max: MAX_XML_CHARS, unit: 'utf-16' });
  } catch (error) {
    throw toMimeParseError(error);
  }
}

/**
 * Returns the one child of `parent` with this namespace URI and local name, or undefined when it
 * has none. Raises MimeParseError when it has several, as an element that the schema allows once
 * would otherwise read differently in readers that take the first and those that take the last.
 */
export function singleChild(
  parent: XmlElement | undefined,
  namespace: string,
  name: string,
): XmlElement | undefined {
  try {
    return singleChildElement(parent, namespace, name);
  } catch (error) {
    throw toMimeParseError(error);
  }
}

/** Maps an XmlSyntaxError of any reason to MimeParseError, and returns other errors unchanged. */
function toMimeParseError(error: unknown): unknown {
  if (!(error instanceof XmlSyntaxError)) return error;
  return new MimeParseError(`XML body invalid: ${error.detail}`, { cause: error });
}
