/**
 * Byte helpers that work the same in browsers and Node, without `Buffer`.
 *
 * @module
 */

import { CmsParseError } from './errors.js';

const encoder = new TextEncoder();
const fatalDecoder = new TextDecoder('utf-8', { fatal: true });
const lenientDecoder = new TextDecoder('utf-8');
const exactDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Below this length an all-ASCII string is encoded in script: `TextEncoder` returns a new
 * `ArrayBuffer` from a native call, which costs more than the copy for header names, boundaries
 * and other short protocol strings. Decoding has no such path: `TextDecoder` was faster at each
 * length measured, 16 to 500 bytes, in Chromium and in Node.
 */
const SCRIPT_ENCODE_LIMIT = 512;

/**
 * Encodes a string as UTF-8.
 *
 * @param text - Any string; a lone surrogate becomes U+FFFD.
 * @returns The UTF-8 bytes.
 */
export function utf8Encode(text: string): Uint8Array {
  if (text.length <= SCRIPT_ENCODE_LIMIT) {
    const bytes = new Uint8Array(text.length);
    let i = 0;
    for (; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) break;
      bytes[i] = code;
    }
    if (i === text.length) return bytes;
  }
  return encoder.encode(text);
}

/**
 * Decodes UTF-8. With `fatal` set, an invalid sequence throws a `TypeError`, otherwise it becomes
 * U+FFFD.
 *
 * @param bytes - The bytes to decode.
 * @param fatal - Whether an invalid sequence throws.
 * @returns The text, with a leading byte order mark removed.
 */
export function utf8Decode(bytes: Uint8Array, fatal = false): string {
  // Chromium's TextDecoder rejects a view of a SharedArrayBuffer, so such bytes are copied.
  return (fatal ? fatalDecoder : lenientDecoder).decode(bufferSource(bytes));
}

/**
 * Decodes UTF-8 for a parser: an invalid sequence throws a `TypeError`, and a leading byte order
 * mark stays in the text as U+FEFF, so that the parser rejects it rather than reading past it.
 *
 * @internal
 */
export function utf8DecodeExact(bytes: Uint8Array): string {
  return exactDecoder.decode(bufferSource(bytes));
}

/** Decodes bytes as Latin-1, one character per byte, so that every byte value survives. */
export function latin1Decode(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return text;
}

const keyDecoder = new TextDecoder('windows-1252');

/**
 * Returns a string that identifies the exact bytes, for use as a Map key. The WHATWG
 * windows-1252 decoder maps each of the 256 byte values to a distinct character, so equal keys mean
 * equal bytes, and it runs natively, several times faster than building the string in script.
 */
export function bytesKey(bytes: Uint8Array): string {
  return keyDecoder.decode(bytes);
}

/** Encodes a string whose characters are all below U+0100 as one byte per character. */
export function latin1Encode(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new TypeError('latin1Encode: character above U+00FF');
    bytes[i] = code;
  }
  return bytes;
}

/**
 * Below this length a copy runs in script: `TypedArray.prototype.set` has a fixed cost that is
 * larger than copying a DER header, a tag or a line end byte by byte.
 */
const SCRIPT_COPY_LIMIT = 16;

/** Copies `chunk` into `out` at `offset`. */
export function copyBytes(out: Uint8Array, chunk: Uint8Array, offset: number): void {
  if (chunk.length > SCRIPT_COPY_LIMIT) {
    out.set(chunk, offset);
    return;
  }
  for (let i = 0; i < chunk.length; i++) out[offset + i] = chunk[i] as number;
}

/**
 * Concatenates byte arrays into a new one.
 *
 * @param chunks - The arrays, in order.
 * @returns A new array with their bytes.
 */
export function concatBytes(...chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    copyBytes(out, chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * Compares two byte arrays. Not constant-time: use it only on public data.
 *
 * @param a - One array.
 * @param b - The other array.
 * @returns True when both have the same length and bytes.
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Checks that two lists have the same bytes, item by item, in the same order. */
export function sameBytes<T>(
  expected: readonly T[],
  actual: readonly T[],
  bytesOf: (item: T) => Uint8Array,
): boolean {
  return (
    expected.length === actual.length &&
    expected.every((item, index) => {
      const other = actual[index];
      return other !== undefined && bytesEqual(bytesOf(item), bytesOf(other));
    })
  );
}

/** From this needle length on, {@link indexOfBytes} skips ahead with a Horspool table. */
const SKIP_SEARCH_MIN = 8;

/** Finds `needle` in `haystack` from `from` on, or returns -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  if (needle.length === 0) return from <= haystack.length ? from : -1;
  if (needle.length >= SKIP_SEARCH_MIN) return skipSearch(haystack, needle, Math.max(from, 0));
  const first = needle[0] ?? 0;
  const last = haystack.length - needle.length;
  // The native indexOf finds candidates for the first byte much faster than a script loop.
  for (
    let i = haystack.indexOf(first, from);
    i >= 0 && i <= last;
    i = haystack.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

const skipTable = new Int32Array(256);

/**
 * Boyer-Moore-Horspool search: the byte under the end of the needle gives how far the needle can
 * move, so a boundary of 30 bytes is found in a body by looking at about one byte in 25.
 */
function skipSearch(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const end = needle.length - 1;
  skipTable.fill(needle.length);
  for (let i = 0; i < end; i++) skipTable[needle[i] as number] = end - i;

  const lastByte = needle[end] as number;
  for (let i = from; i + end < haystack.length;) {
    const byte = haystack[i + end] as number;
    if (byte === lastByte) {
      let j = 0;
      while (j < end && haystack[i + j] === needle[j]) j++;
      if (j === end) return i;
    }
    i += skipTable[byte] as number;
  }
  return -1;
}

/**
 * Returns bytes for a WebCrypto call. WebCrypto copies its input when called, so a view into an
 * `ArrayBuffer` is passed as it is. A view into another kind of buffer, such as a
 * `SharedArrayBuffer` or one from another realm, is copied.
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer) return bytes as Uint8Array<ArrayBuffer>;
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

/**
 * Returns a copy of the bytes in a plain `Uint8Array` of its own. `slice()` does not do this for
 * a Node.js `Buffer`, whose `slice()` returns a view of the same memory.
 */
export function cloneBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

/** Copies bytes into a fresh `ArrayBuffer`, the type asn1js expects. */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_CODES = utf8Encode(BASE64_ALPHABET);
const BASE64_VALUES = new Int16Array(256).fill(-1);
for (let i = 0; i < BASE64_ALPHABET.length; i++) BASE64_VALUES[BASE64_ALPHABET.charCodeAt(i)] = i;
const WHITESPACE = -2;
const PADDING = -3;
for (const code of [0x20, 0x09, 0x0d, 0x0a]) BASE64_VALUES[code] = WHITESPACE;
BASE64_VALUES[0x3d] = PADDING;

/**
 * Encodes bytes as base64 ASCII bytes. With `lineWidth`, the output is broken into lines of that
 * many characters separated by CRLF, with no line break after the last line.
 */
export function base64EncodeToBytes(bytes: Uint8Array, lineWidth?: number): Uint8Array {
  return encodeBase64(bytes, lineWidth, 0);
}

/**
 * Encodes bytes as {@link base64EncodeToBytes} does, followed by a CRLF, in one array. An S/MIME
 * body ends in a line break, and a second array for it would copy the whole body once more.
 *
 * @internal
 */
export function base64EncodeLinesCrlf(bytes: Uint8Array, lineWidth: number): Uint8Array {
  const out = encodeBase64(bytes, lineWidth, 2);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

/** Encodes base64 lines into a new array that has `reserve` bytes left free at its end. */
function encodeBase64(
  bytes: Uint8Array,
  lineWidth: number | undefined,
  reserve: number,
): Uint8Array {
  const length = Math.ceil(bytes.length / 3) * 4;
  const width = lineWidth !== undefined && lineWidth > 0 ? lineWidth : length;
  const breaks = length === 0 ? 0 : Math.ceil(length / width) - 1;
  const out = new Uint8Array(length + breaks * 2 + reserve);
  const end = out.length - reserve;
  const codes = BASE64_CODES;

  // Encode without line breaks into the end of `out`, then move each line left to its place, the
  // first line first. A line moves by the room of the line breaks before it, so it never reaches
  // a line that has not moved yet.
  let o = end - length;
  const whole = bytes.length - (bytes.length % 3);
  for (let i = 0; i < whole; i += 3) {
    const triple =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = codes[triple >> 18] as number;
    out[o++] = codes[(triple >> 12) & 63] as number;
    out[o++] = codes[(triple >> 6) & 63] as number;
    out[o++] = codes[triple & 63] as number;
  }
  const rest = bytes.length - whole;
  if (rest > 0) {
    const second = rest === 2 ? (bytes[whole + 1] as number) : 0;
    const triple = ((bytes[whole] as number) << 16) | (second << 8);
    out[o++] = codes[triple >> 18] as number;
    out[o++] = codes[(triple >> 12) & 63] as number;
    out[o++] = rest === 2 ? (codes[(triple >> 6) & 63] as number) : 0x3d;
    out[o++] = 0x3d;
  }

  const start = end - length;
  for (let line = 0; line <= breaks; line++) {
    const from = start + line * width;
    const to = line * (width + 2);
    if (line > 0) {
      out[to - 2] = 0x0d;
      out[to - 1] = 0x0a;
    }
    if (from !== to) out.copyWithin(to, from, Math.min(from + width, end));
  }
  return out;
}

/**
 * Encodes bytes as base64. With `lineWidth`, the output is broken into lines of that many
 * characters separated by CRLF, with no line break after the last line.
 *
 * @param bytes - The bytes to encode.
 * @param lineWidth - Characters per line; one line without it.
 * @returns The base64 text, padded with `=`.
 */
export function base64Encode(bytes: Uint8Array, lineWidth?: number): string {
  return lenientDecoder.decode(base64EncodeToBytes(bytes, lineWidth));
}

/**
 * Decodes base64 given as ASCII bytes, of any line width. Whitespace (SP, HTAB, CR, LF) anywhere is
 * skipped, as RFC 2045 §6.8 asks of decoders. Any other byte outside the alphabet, misplaced
 * padding or a truncated final group raises `CmsParseError`.
 */
export function base64DecodeBytes(ascii: Uint8Array): Uint8Array {
  const view = base64DecodeView(ascii);
  return view.length === view.buffer.byteLength ? view : view.slice();
}

/**
 * Decodes like {@link base64DecodeBytes}, but returns a view of a buffer that may be longer than
 * the result, which saves a copy. Its `.buffer` must not leave the library, since the bytes after
 * the result are zeros that structured cloning or hashing would include.
 *
 * @internal
 */
export function base64DecodeView(ascii: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.floor((ascii.length * 3) / 4));
  let o = 0;
  let group = 0;
  let count = 0;
  let padding = 0;

  const values = BASE64_VALUES;
  const fastEnd = ascii.length - 4;
  // Lines whose width is a multiple of 4, as MIME and PEM write them, hold whole groups of four
  // alphabet characters, so they decode here without state. The loop below takes over at padding,
  // at whitespace within a group, and at anything invalid.
  let start = 0;
  while (start <= fastEnd) {
    const a = values[ascii[start] as number] as number;
    const b = values[ascii[start + 1] as number] as number;
    const c = values[ascii[start + 2] as number] as number;
    const d = values[ascii[start + 3] as number] as number;
    if ((a | b | c | d) >= 0) {
      const triple = (a << 18) | (b << 12) | (c << 6) | d;
      // A Uint8Array keeps the low 8 bits of what is stored.
      out[o] = triple >> 16;
      out[o + 1] = triple >> 8;
      out[o + 2] = triple;
      o += 3;
      start += 4;
    } else if (a === WHITESPACE) {
      start++;
    } else {
      break;
    }
  }
  for (let i = start; i < ascii.length; i++) {
    // Four alphabet characters in a row, the common case, are decoded at once without the
    // per-character checks.
    if (count === 0 && i <= fastEnd) {
      const a = values[ascii[i] as number] as number;
      const b = values[ascii[i + 1] as number] as number;
      const c = values[ascii[i + 2] as number] as number;
      const d = values[ascii[i + 3] as number] as number;
      if ((a | b | c | d) >= 0 && padding === 0) {
        out[o++] = (a << 2) | (b >> 4);
        out[o++] = ((b << 4) | (c >> 2)) & 0xff;
        out[o++] = ((c << 6) | d) & 0xff;
        i += 3;
        continue;
      }
    }
    const value = values[ascii[i] as number] as number;
    if (value === WHITESPACE) continue;
    if (value === PADDING) {
      padding++;
      continue;
    }
    if (value < 0 || padding > 0) throw new CmsParseError('invalid base64 character');
    group = (group << 6) | value;
    if (++count === 4) {
      out[o++] = (group >> 16) & 0xff;
      out[o++] = (group >> 8) & 0xff;
      out[o++] = group & 0xff;
      group = 0;
      count = 0;
    }
  }

  // Padding is required: a final group of 2 or 3 characters ends with 2 or 1 `=`.
  if (padding > 2 || (count === 0 && padding > 0) || (count > 0 && count + padding !== 4)) {
    throw new CmsParseError('invalid base64 length');
  }
  if (count === 2) {
    out[o++] = (group >> 4) & 0xff;
  } else if (count === 3) {
    out[o++] = (group >> 10) & 0xff;
    out[o++] = (group >> 2) & 0xff;
  }
  return out.subarray(0, o);
}

/**
 * Decodes base64 of any line width. Whitespace (SP, HTAB, CR, LF) anywhere is skipped, as
 * RFC 2045 §6.8 asks of decoders. Any other character outside the alphabet, misplaced padding or a
 * truncated final group raises `CmsParseError`.
 *
 * @param text - The base64 text.
 * @returns The decoded bytes.
 */
export function base64Decode(text: string): Uint8Array {
  // Characters outside ASCII become bytes of 0x80 and above, which the alphabet check rejects.
  return base64DecodeBytes(utf8Encode(text));
}

/** Bytes per call of String.fromCharCode in {@link hexEncode}, well below argument limits. */
const HEX_CHUNK = 4096;

/** The two character codes of each byte's lowercase hexadecimal form, at 2 × byte. */
const HEX_CODES = Uint16Array.from({ length: 512 }, (_, index) =>
  '0123456789abcdef'.charCodeAt(index % 2 === 0 ? index >> 5 : (index >> 1) & 0x0f),
);

/**
 * Encodes bytes as lowercase hexadecimal.
 *
 * @param bytes - The bytes to encode.
 * @returns Two lowercase hexadecimal digits per byte.
 */
export function hexEncode(bytes: Uint8Array): string {
  // For a megabyte, such as the serial numbers of a hostile CRL, appending a string per byte
  // took about 300 ms and chunks of character codes about 60 ms (estimates from Node 20 runs).
  const codes = new Uint16Array(Math.min(bytes.length, HEX_CHUNK) * 2);
  let out = '';
  for (let start = 0; start < bytes.length; start += HEX_CHUNK) {
    const end = Math.min(bytes.length, start + HEX_CHUNK);
    let length = 0;
    for (let index = start; index < end; index++) {
      const at = (bytes[index] as number) * 2;
      codes[length++] = HEX_CODES[at] as number;
      codes[length++] = HEX_CODES[at + 1] as number;
    }
    out += String.fromCharCode(...codes.subarray(0, length));
  }
  return out;
}
