// CONTRACT STUB: the MIME helper replaces the bodies, keeping these exported names and signatures.
import type { ContentType } from './content-type.js';

/** One MIME header field. */
export interface MimeHeader {
  readonly name: string;
  readonly value: string;
}

/**
 * A MIME entity: header fields, an empty line, a body (RFC 2045). Entities that came from a parser
 * keep their exact input bytes in `raw`, which is what a multipart/signed signature covers.
 */
export declare class MimeEntity {
  readonly headers: readonly MimeHeader[];
  /** Body bytes as carried, before transfer decoding. */
  readonly body: Uint8Array;
  readonly raw: Uint8Array | undefined;
  constructor(headers: readonly MimeHeader[], body: Uint8Array, raw?: Uint8Array);
  /** Parses headers, the first empty line (CRLF or LF), then the body. */
  static parse(bytes: Uint8Array): MimeEntity;
  /** Content-Type of the entity; text/plain when absent (RFC 2045 §5.2). */
  get contentType(): ContentType;
  getHeader(name: string): string | undefined;
  /** The body after undoing Content-Transfer-Encoding (base64 of any width, binary, 7bit, 8bit). */
  decodedBody(): Uint8Array;
  /** Canonical form: CRLF line ends in headers, `raw` unchanged when present. */
  toBytes(): Uint8Array;
}
