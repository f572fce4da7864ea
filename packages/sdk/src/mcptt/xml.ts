/**
 * The SDK's entry to the MCPTT body codecs of `@mcptt-smime/mcptt-xml`. This module sets the
 * SDK's size limit, in UTF-16 code units. It raises MimeParseError (400) for every body that a
 * shared reader rejects, whatever the reason: too large, a DOCTYPE, malformed XML, or a body that
 * is not the document that its reader expects.
 *
 * @module
 */
import { XmlSyntaxError, type XmlSizeLimit } from '@mcptt-smime/mcptt-xml';
import { MimeParseError } from '@mcptt-smime/smime';

export { MAX_XML_DEPTH, MAX_XML_ELEMENTS } from '@mcptt-smime/mcptt-xml';

/** Maximum size in characters (UTF-16 code units) of an XML body. */
export const MAX_XML_CHARS = 64 * 1024;

/** The size limit that the SDK gives the shared readers. */
const SDK_XML_LIMIT: XmlSizeLimit = { max: MAX_XML_CHARS, unit: 'utf-16' };

/**
 * Reads `xml` with `read`, one of the shared body readers, within {@link MAX_XML_CHARS}. Raises
 * MimeParseError for every XmlSyntaxError of the reader, with the reader's detail in its
 * message and the XmlSyntaxError as its cause, and passes other errors on unchanged.
 */
export function readXmlBody<T>(xml: string, read: (xml: string, limit: XmlSizeLimit) => T): T {
  try {
    return read(xml, SDK_XML_LIMIT);
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error;
    throw new MimeParseError(`XML body invalid: ${error.detail}`, { cause: error });
  }
}
