/**
 * The one error that the shared XML reader raises. Its `reason` distinguishes the cases that the
 * callers reject differently, so each package can raise its own error class and SIP status.
 *
 * @module
 */

/**
 * Kind of an {@link XmlSyntaxError}: `too-large` for a document past the size limit that the
 * caller set, `doctype` for a document type declaration, and `malformed` for everything else.
 */
export type XmlSyntaxErrorReason = 'too-large' | 'doctype' | 'malformed';

/**
 * An XML document that the reader rejects. This package depends on no other, so the error is no
 * `McpttError` and carries no code or SIP status. Each caller maps {@link XmlSyntaxError.reason}
 * to an error of the `@mcptt-smime/smime` hierarchy.
 */
export class XmlSyntaxError extends Error {
  /** Kind of failure, the value to switch on. */
  readonly reason: XmlSyntaxErrorReason;
  /** Description of the fault, such as `mismatched end tag`. It never quotes the document. */
  readonly detail: string;

  /**
   * @param reason - Kind of failure.
   * @param detail - Description of the fault, which must not quote the document.
   */
  constructor(reason: XmlSyntaxErrorReason, detail: string) {
    super(`XML document invalid: ${detail}`);
    this.name = 'XmlSyntaxError';
    this.reason = reason;
    this.detail = detail;
  }
}

/** Raises a `malformed` {@link XmlSyntaxError} for `detail`. */
export function raiseXmlError(detail: string): never {
  throw new XmlSyntaxError('malformed', detail);
}
