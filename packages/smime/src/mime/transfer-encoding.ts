/**
 * Content-Transfer-Encoding (RFC 2045 §6): decoding of every encoding a peer may send, and the
 * base64 encoder that S/MIME parts use.
 *
 * @module
 */

import { base64DecodeBytes, base64DecodeView, base64EncodeToBytes } from '../bytes.js';
import { CmsParseError, LimitExceededError, MimeParseError, NotSupportedError } from '../errors.js';
import { BASE64_LINE_WIDTH, MAX_BODY_BYTES } from '../limits.js';

const LF = 0x0a;
const CR = 0x0d;
const EQUALS = 0x3d;

/**
 * Encodes bytes as base64 in lines of `BASE64_LINE_WIDTH` (76) characters separated by CRLF, with
 * no line break after the last line, ready to be the body of a part with
 * `Content-Transfer-Encoding: base64` (RFC 2045 §6.8).
 */
export function encodeBase64Lines(bytes: Uint8Array): Uint8Array {
  return base64EncodeToBytes(bytes, BASE64_LINE_WIDTH);
}

/**
 * Undoes a Content-Transfer-Encoding. `7bit`, `8bit` and `binary` return the body as it is,
 * `base64` accepts any line width, CRLF or LF and whitespace, and `quoted-printable` is decoded.
 * The encoding name is case-insensitive and `undefined` means `7bit` (RFC 2045 §6.1).
 *
 * Invalid base64 raises `MimeParseError` (400) with the decoder's `CmsParseError` as `cause`,
 * because the fault is in the MIME layer even when the payload is CMS. An unknown encoding raises
 * `NotSupportedError` (415), and a result larger than `MAX_BODY_BYTES` raises
 * `LimitExceededError`. With `view`, a base64 result may be a view of a longer buffer, which saves
 * a copy for bytes that are read and dropped.
 */
export function decodeTransferEncoding(
  body: Uint8Array,
  encoding: string | undefined,
  options: { readonly view?: boolean } = {},
): Uint8Array {
  const name = (encoding ?? '7bit').toLowerCase();
  let decoded: Uint8Array;
  switch (name) {
    case '7bit':
    case '8bit':
    case 'binary':
      decoded = body;
      break;
    case 'base64':
      decoded = decodeBase64Body(body, options.view === true);
      break;
    case 'quoted-printable':
      decoded = decodeQuotedPrintable(body);
      break;
    default:
      throw new NotSupportedError('Content-Transfer-Encoding is not supported');
  }

  if (decoded.length > MAX_BODY_BYTES) {
    throw new LimitExceededError(`decoded MIME body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  return decoded;
}

function decodeBase64Body(body: Uint8Array, view: boolean): Uint8Array {
  try {
    return view ? base64DecodeView(body) : base64DecodeBytes(body);
  } catch (cause) {
    if (!(cause instanceof CmsParseError)) throw cause;
    throw new MimeParseError('invalid base64 in MIME body', { cause });
  }
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  // RFC 2045 §6.7 has senders use uppercase and lets a robust receiver accept lowercase.
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Length of the line break at `i` (CRLF 2, LF 1), or 0. */
function lineBreakAt(bytes: Uint8Array, i: number): number {
  if (bytes[i] === LF) return 1;
  return bytes[i] === CR && bytes[i + 1] === LF ? 2 : 0;
}

function isWsp(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09;
}

/** Moves `length` back over SP and HTAB, but not before `floor`. */
function trimWhitespace(out: Uint8Array, length: number, floor: number): number {
  let end = length;
  while (end > floor && isWsp(out[end - 1])) end--;
  return end;
}

/**
 * Decodes quoted-printable (RFC 2045 §6.7). `=XX` is one byte and `=` at the end of a line is a
 * soft line break. Whitespace at the end of an encoded line is dropped (rule 3), and every hard
 * line break, CRLF or LF, becomes CRLF, the canonical form. Raises `MimeParseError` for an `=`
 * that starts neither an escape nor a soft line break.
 */
export function decodeQuotedPrintable(body: Uint8Array): Uint8Array {
  // Worst case: every byte is an LF that becomes CRLF.
  const out = new Uint8Array(body.length * 2);
  let length = 0;
  // Bytes before `kept` came from escapes or precede a soft break, so rule 3 must not trim them.
  let kept = 0;
  let i = 0;
  while (i < body.length) {
    const byte = body[i] as number;
    const lineBreak = lineBreakAt(body, i);
    if (lineBreak > 0) {
      length = trimWhitespace(out, length, kept);
      out[length++] = CR;
      out[length++] = LF;
      kept = length;
      i += lineBreak;
    } else if (byte !== EQUALS) {
      out[length++] = byte;
      i++;
    } else {
      let next = i + 1;
      while (isWsp(body[next])) next++;
      const softBreak = next >= body.length ? 0 : lineBreakAt(body, next);
      const high = hexValue(body[i + 1]);
      const low = hexValue(body[i + 2]);
      if (softBreak > 0 || next >= body.length) {
        i = next + softBreak;
      } else if (high >= 0 && low >= 0) {
        out[length++] = (high << 4) | low;
        i += 3;
      } else {
        throw new MimeParseError('invalid quoted-printable escape in MIME body');
      }
      kept = length;
    }
  }
  return out.slice(0, trimWhitespace(out, length, kept));
}
