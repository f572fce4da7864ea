/**
 * The errors of the server's XML reader. Each carries the SIP status of the response that rejects
 * the request whose part could not be read.
 *
 * @module
 */
import { LimitExceededError, MimeParseError } from '@mcptt-smime/smime';

/**
 * An XML part larger than `MAX_XML_PART_BYTES`. Like every LimitExceededError, it rejects
 * the request with 413 Request Entity Too Large.
 */
export class XmlPartTooLargeError extends LimitExceededError {}

/**
 * An XML part that is not well-formed XML, past `MAX_XML_DEPTH` or `MAX_XML_ELEMENTS`,
 * or not the MCPTT document that its Content-Type names. It rejects the request with 400 Bad
 * Request, as malformed MIME does.
 */
export class XmlPartMalformedError extends MimeParseError {}

/**
 * An XML part with a document type declaration, which MCPTT XML never has. Its internal subset
 * could declare entities and hide markup from a reader that skips it, so the request is rejected
 * with 400 Bad Request.
 */
export class XmlDoctypeError extends XmlPartMalformedError {}
