/**
 * Splits the bytes of a SIP message into start line, header fields and body (RFC 3261 §7),
 * keeping the raw bytes of each piece for a byte-exact round trip.
 *
 * @module
 */

import { utf8DecodeExact } from '../bytes.js';
import { LimitExceededError, SipParseError } from '../errors.js';
import { MAX_HEADER_COUNT, MAX_HEADER_SECTION_BYTES } from '../limits.js';
import { trimWsp, trimWspEnd } from './grammar.js';

/** One header field: its raw lines and its text with folding replaced by one SP. */
export interface FramedField {
  /** Every line of the field, continuation lines and line ends included. */
  readonly raw: Uint8Array;
  /** The field with each fold (`*WSP CRLF 1*WSP`, RFC 3261 §7.3.1) replaced by one SP. */
  readonly text: string;
}

/** A message split at its line ends, before any header is interpreted. */
export interface FramedMessage {
  /** Start line with its line end, after any empty lines that preceded it. */
  readonly startLineRaw: Uint8Array;
  readonly startLine: string;
  readonly fields: readonly FramedField[];
  /** The empty line that ends the header section (`CRLF` or a bare `LF`). */
  readonly separatorRaw: Uint8Array;
  /** Offset of the first body byte. */
  readonly bodyOffset: number;
}

const LF = 0x0a;
const CR = 0x0d;

interface Line {
  readonly start: number;
  /** End of the content, before CR LF or LF. */
  readonly end: number;
  /** Start of the next line. */
  readonly next: number;
}

/**
 * Frames the header section of `bytes`. Line ends may be CRLF or a bare LF. Raises
 * LimitExceededError when the header section passes MAX_HEADER_SECTION_BYTES or
 * MAX_HEADER_COUNT fields, and SipParseError on a bare CR, invalid UTF-8, a folded line before
 * the first field, or a header section that no empty line ends.
 */
export function frameMessage(bytes: Uint8Array): FramedMessage {
  let line = readLine(bytes, 0);
  // RFC 3261 §7.5: CRLFs before the start line are ignored; they stay in the raw start line.
  while (line.end === line.start) line = readLine(bytes, line.next);
  const startLineRaw = bytes.subarray(0, line.next);
  const startLine = decodeLine(bytes, line);

  const fields: FramedField[] = [];
  let fieldStart = -1;
  let fieldText = '';
  for (;;) {
    line = readLine(bytes, line.next);
    const first = bytes[line.start];
    const folded = line.end > line.start && (first === 0x20 || first === 0x09);
    if (folded) {
      if (fieldStart < 0) throw new SipParseError('folded line before the first header field');
      fieldText = `${trimWspEnd(fieldText)} ${trimWsp(decodeLine(bytes, line))}`;
      continue;
    }

    if (fieldStart >= 0) {
      fields.push({ raw: bytes.subarray(fieldStart, line.start), text: fieldText });
    }
    if (line.end === line.start) {
      return {
        startLineRaw,
        startLine,
        fields,
        separatorRaw: bytes.subarray(line.start, line.next),
        bodyOffset: line.next,
      };
    }
    if (fields.length >= MAX_HEADER_COUNT) {
      throw new LimitExceededError(`more than ${MAX_HEADER_COUNT} header fields`);
    }
    fieldStart = line.start;
    fieldText = decodeLine(bytes, line);
  }
}

function readLine(bytes: Uint8Array, start: number): Line {
  const limit = Math.min(bytes.length, MAX_HEADER_SECTION_BYTES);
  let lf = -1;
  for (let i = start; i < limit; i++) {
    if (bytes[i] === LF) {
      lf = i;
      break;
    }
  }
  if (lf < 0) {
    if (bytes.length > MAX_HEADER_SECTION_BYTES) {
      throw new LimitExceededError(
        `SIP header section larger than ${MAX_HEADER_SECTION_BYTES} bytes`,
      );
    }
    throw new SipParseError('header section not ended by an empty line');
  }

  const end = lf > start && bytes[lf - 1] === CR ? lf - 1 : lf;
  if (bytes.subarray(start, end).includes(CR)) {
    throw new SipParseError('bare CR in SIP header section');
  }
  return { start, end, next: lf + 1 };
}

function decodeLine(bytes: Uint8Array, line: Line): string {
  try {
    return utf8DecodeExact(bytes.subarray(line.start, line.end));
  } catch (cause) {
    throw new SipParseError('invalid UTF-8 in SIP header section', { cause });
  }
}
