// CONTRACT STUB: the MIME helper replaces the bodies, keeping these exported names and signatures.
import type { MimeEntity } from './entity.js';

/**
 * Splits a multipart body (RFC 2046 §5.1) into its parts. Preamble and epilogue are dropped; the
 * CRLF before each delimiter belongs to the delimiter. Raises MimeParseError, LimitExceededError.
 */
export declare function parseMultipart(body: Uint8Array, boundary: string): MimeEntity[];
/** Serialises parts with CRLF delimiters and a close delimiter. */
export declare function buildMultipart(parts: readonly MimeEntity[], boundary: string): Uint8Array;
/** Returns a boundary of random characters from `crypto.getRandomValues`. */
export declare function createBoundary(random: Pick<Crypto, 'getRandomValues'>): string;
