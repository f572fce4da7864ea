/**
 * Multipart bodies (RFC 2046 §5.1).
 *
 * ```abnf
 * multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF body-part
 *                   *encapsulation close-delimiter transport-padding [CRLF epilogue]
 * encapsulation  := delimiter transport-padding CRLF body-part
 * delimiter      := CRLF dash-boundary
 * close-delimiter := delimiter "--"
 * body-part      := MIME-part-headers [CRLF *OCTET]
 * ```
 *
 * @module
 */

import { concatBytes, indexOfBytes, utf8Encode } from '../bytes.js';
import { LimitExceededError, MimeParseError } from '../errors.js';
import { MAX_BODY_BYTES, MAX_MULTIPART_PARTS } from '../limits.js';
import { isValidBoundary } from './boundary.js';
import { MimeEntity } from './entity.js';

export { boundaryOccursIn, createBoundary, isValidBoundary } from './boundary.js';

const LF = 0x0a;
const CR = 0x0d;
const HYPHEN = 0x2d;
const CRLF = utf8Encode('\r\n');
const CLOSE = utf8Encode('--');

/** One delimiter line found in a multipart body. */
interface Delimiter {
  /** Offset where the part before this delimiter ends: its CRLF or LF belongs to the delimiter. */
  readonly partEnd: number;
  /** Offset just after the delimiter line, where the next part or the epilogue starts. */
  readonly next: number;
  /** True for the close delimiter `--boundary--`. */
  readonly close: boolean;
}

function startsWithAt(bytes: Uint8Array, prefix: Uint8Array, offset: number): boolean {
  if (offset + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[offset + i] !== prefix[i]) return false;
  return true;
}

/**
 * Returns the offset of the first line at or after `from` that starts with the dash-boundary, or
 * -1. `from` must be 0 or the start of a line. The search looks for the dash-boundary itself,
 * which is rarer than a line end, and then checks that a line starts there. Raises
 * MimeParseError for a dash-boundary right after a bare CR.
 */
function findBoundaryLine(body: Uint8Array, dash: Uint8Array, from: number): number {
  if (startsWithAt(body, dash, from)) return from;
  for (
    let at = indexOfBytes(body, dash, from + 1);
    at >= 0;
    at = indexOfBytes(body, dash, at + 1)
  ) {
    if (body[at - 1] === LF) return at;
    // Readers that end lines at a bare CR would take a delimiter here, and find other parts.
    if (body[at - 1] === CR) throw new MimeParseError('multipart boundary follows a bare CR');
  }
  return -1;
}

/**
 * Reads the line at `at`, which starts with the dash-boundary, as the delimiter that ends the part
 * starting at `partStart`. Transport padding (SP, HTAB) and a CRLF or bare LF end the line, and a
 * close delimiter may also end the body. RFC 2046 §5.1.1 makes any line that starts with the
 * dash-boundary a delimiter, whatever follows. So a line that is neither a delimiter nor a close
 * delimiter raises MimeParseError, because another parser would split the body there.
 */
function readDelimiterLine(
  body: Uint8Array,
  dash: Uint8Array,
  at: number,
  partStart: number,
): Delimiter {
  let i = at + dash.length;
  const close = body[i] === HYPHEN && body[i + 1] === HYPHEN;
  if (close) i += 2;
  while (body[i] === 0x20 || body[i] === 0x09) i++;
  let next: number;
  if (body[i] === LF) next = i + 1;
  else if (body[i] === CR && body[i + 1] === LF) next = i + 2;
  else if (close && i === body.length) next = i;
  else throw new MimeParseError('multipart line starts with the boundary but is not a delimiter');

  if (at === 0) return { partEnd: 0, next, close };
  // The CRLF before a delimiter belongs to it, so a delimiter line right after the previous one
  // lacks that CRLF.
  if (at === partStart) throw new MimeParseError('multipart delimiter has no line end before it');
  const lf = at - 1;
  const partEnd = lf > partStart && body[lf - 1] === CR ? lf - 1 : lf;
  return { partEnd, next, close };
}

/**
 * Splits a multipart body (RFC 2046 §5.1) into its parts. Preamble and epilogue are dropped; the
 * CRLF before each delimiter belongs to the delimiter. Bare LF line ends and transport padding
 * after the boundary are accepted. Each part is parsed as a {@link MimeEntity} whose `raw` is the
 * exact bytes between the delimiters, the content a multipart/signed signature covers
 * (RFC 1847 §2.1). Empty parts and parts with headers only are legal.
 *
 * Raises `MimeParseError` for an invalid boundary, a body without the boundary or without the
 * close delimiter, a line that starts with `--boundary` but is not a delimiter, a line in the
 * epilogue that starts with `--boundary`, `--boundary` right after a bare CR, or a malformed
 * part, and `LimitExceededError` past `MAX_BODY_BYTES` or `MAX_MULTIPART_PARTS`.
 *
 * @param body - the multipart body, as carried
 * @param boundary - the `boundary` parameter of the Content-Type, already unquoted
 * @returns The parts in order.
 */
export function parseMultipart(body: Uint8Array, boundary: string): MimeEntity[] {
  return splitParts(body, boundary, true);
}

/**
 * Splits a multipart body like {@link parseMultipart}, but each part's bytes are a view of `body`
 * rather than a copy. In Chromium each copy of more than 64 bytes costs a few µs, so unprotect
 * uses this for bodies that stay unchanged while the parts are in use.
 *
 * @internal
 */
export function parseMultipartViews(body: Uint8Array, boundary: string): MimeEntity[] {
  return splitParts(body, boundary, false);
}

function splitParts(body: Uint8Array, boundary: string, copy: boolean): MimeEntity[] {
  if (!isValidBoundary(boundary)) throw new MimeParseError('invalid multipart boundary');
  if (body.length > MAX_BODY_BYTES) {
    throw new LimitExceededError(`multipart body is larger than ${MAX_BODY_BYTES} bytes`);
  }

  const dash = utf8Encode(`--${boundary}`);
  // The preamble keeps no line that starts with the dash-boundary: RFC 2046 §5.1.1 compares the
  // boundary with the start of every line, so the first such line ends the preamble and must be
  // a well-formed first delimiter.
  const first = findBoundaryLine(body, dash, 0);
  if (first < 0) throw new MimeParseError('multipart boundary not found in body');
  let delimiter = readDelimiterLine(body, dash, first, 0);
  if (delimiter.close) throw new MimeParseError('multipart body has no parts');

  const parts: MimeEntity[] = [];
  for (;;) {
    const start = delimiter.next;
    const at = findBoundaryLine(body, dash, start);
    if (at < 0) throw new MimeParseError('multipart close delimiter missing');
    const following = readDelimiterLine(body, dash, at, start);
    if (parts.length >= MAX_MULTIPART_PARTS) {
      throw new LimitExceededError(`multipart body has more than ${MAX_MULTIPART_PARTS} parts`);
    }

    const bytes = copy
      ? body.slice(start, following.partEnd)
      : body.subarray(start, following.partEnd);
    parts.push(MimeEntity.parse(bytes));
    if (following.close) {
      // A delimiter after the close delimiter would start a part that this parser drops as
      // epilogue and another one may read.
      if (findBoundaryLine(body, dash, following.next) >= 0) {
        throw new MimeParseError('multipart epilogue has a line that starts with the boundary');
      }
      return parts;
    }
    delimiter = following;
  }
}

/**
 * Checks whether `--boundary` starts the part or one of its lines, which RFC 2046 forbids. A line
 * may also end at a bare CR here, which the parser rejects before a dash-boundary.
 */
function startsAnyLine(bytes: Uint8Array, dash: Uint8Array): boolean {
  if (startsWithAt(bytes, dash, 0)) return true;
  for (let at = indexOfBytes(bytes, dash, 1); at >= 0; at = indexOfBytes(bytes, dash, at + 1)) {
    const before = bytes[at - 1];
    if (before === LF || before === CR) return true;
  }
  return false;
}

/**
 * Serialises parts with CRLF delimiters and a close delimiter followed by CRLF, with no preamble.
 * Each part is written as `toBytes()` returns it, so a parsed part keeps its exact bytes. Raises
 * `TypeError` for an invalid boundary, an empty list of parts, or a part with a line that starts
 * with `--boundary`: draw the boundary with {@link createBoundary} and the serialised parts to
 * avoid that.
 *
 * @example
 * ```ts
 * // context: sdpPart: MimeEntity, infoPart: MimeEntity
 * const parts = [sdpPart, infoPart];
 * const boundary = createBoundary(crypto, parts.map((part) => part.toBytes()));
 * const body = buildMultipart(parts, boundary);
 * ```
 */
export function buildMultipart(parts: readonly MimeEntity[], boundary: string): Uint8Array {
  if (!isValidBoundary(boundary)) throw new TypeError('buildMultipart: invalid boundary');
  if (parts.length === 0) throw new TypeError('buildMultipart: no parts');

  const dash = utf8Encode(`--${boundary}`);
  const serialised = parts.map((part) => part.toBytes());
  serialised.forEach((bytes, index) => {
    if (startsAnyLine(bytes, dash)) {
      throw new TypeError(`buildMultipart: a line of part ${index} starts with the boundary`);
    }
  });
  return joinParts(serialised, dash);
}

/**
 * Builds a multipart/mixed or multipart/signed body from serialised parts, with a boundary from
 * {@link createBoundary} given those parts, so that it occurs in none of them.
 *
 * @internal
 */
export function buildMultipartWithFreshBoundary(
  serialised: readonly Uint8Array[],
  boundary: string,
): Uint8Array {
  return joinParts(serialised, utf8Encode(`--${boundary}`));
}

function joinParts(serialised: readonly Uint8Array[], dash: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  serialised.forEach((bytes, index) => {
    if (index > 0) chunks.push(CRLF);
    chunks.push(dash, CRLF, bytes);
  });
  chunks.push(CRLF, dash, CLOSE, CRLF);
  return concatBytes(...chunks);
}
