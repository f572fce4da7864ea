/**
 * The server's entry to the MCPTT body codecs of `@mcptt-smime/mcptt-xml`, under the server's
 * readers (mcptt-xml.ts). This module sets the server's size limit in UTF-8 bytes. It turns each
 * XmlSyntaxError of a shared reader into the server's error of that kind: 413 for a part that is
 * too large, and 400 for a DOCTYPE, malformed XML, or a part that is not the document that its
 * reader expects.
 *
 * @module
 */
import { XmlSyntaxError, type XmlSizeLimit } from '@mcptt-smime/mcptt-xml';
import { XmlDoctypeError, XmlPartMalformedError, XmlPartTooLargeError } from './xml-errors.js';

export { MAX_XML_DEPTH, MAX_XML_ELEMENTS } from '@mcptt-smime/mcptt-xml';
export { XmlDoctypeError, XmlPartMalformedError, XmlPartTooLargeError } from './xml-errors.js';

/**
 * Maximum size in bytes of one XML part (mcptt-info, pidf or resource-lists) that the readers
 * accept. The SIP core relays at most about 64 KiB per message, so no part that came through it
 * is larger.
 */
export const MAX_XML_PART_BYTES = 64 * 1024;

/** The size limit that the server gives the shared readers. */
const SERVER_XML_LIMIT: XmlSizeLimit = { max: MAX_XML_PART_BYTES, unit: 'utf-8' };

/**
 * Reads the XML part `xml` with `read`, one of the shared body readers, within
 * {@link MAX_XML_PART_BYTES}. Raises {@link XmlPartTooLargeError} for a part past that size,
 * {@link XmlDoctypeError} for a DOCTYPE, and {@link XmlPartMalformedError} for every other
 * rejection: malformed XML, an undeclared namespace prefix or entity, a part past `MAX_XML_DEPTH`
 * or `MAX_XML_ELEMENTS`, or a part that is not the document its reader expects. Other errors
 * pass unchanged.
 */
export function readXmlPart<T>(xml: string, read: (xml: string, limit: XmlSizeLimit) => T): T {
  try {
    return read(xml, SERVER_XML_LIMIT);
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
