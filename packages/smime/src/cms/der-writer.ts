/**
 * A small DER writer (X.690 §10 and §11), enough for the CMS structures this library emits.
 *
 * @module
 */

import { copyBytes, latin1Encode } from '../bytes.js';

/** Number of length octets that X.690 §10.1 definite form needs after the first one. */
function lengthOctets(length: number): number {
  let count = 0;
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) count++;
  return count;
}

/** Size of an element's identifier and length octets around `contentLength` content octets. */
function headerLength(contentLength: number): number {
  return contentLength < 0x80 ? 2 : 2 + lengthOctets(contentLength);
}

/**
 * An element built by this writer and not yet encoded. Its encoding is written once, by
 * {@link derEncode} on the outermost element, so that nesting copies nothing.
 */
export class DerElement {
  /** Identifier octet. */
  readonly tag: number;
  /** Content, in order: encoded bytes or elements. */
  readonly items: readonly DerInput[];
  /** Number of content octets. */
  readonly contentLength: number;
  /** Length of the encoding, identifier and length octets included. */
  readonly encodedLength: number;

  constructor(tag: number, items: readonly DerInput[], contentLength: number) {
    this.tag = tag;
    this.items = items;
    this.contentLength = contentLength;
    this.encodedLength = headerLength(contentLength) + contentLength;
  }
}

/** Encoded DER bytes, or an element still to be encoded. */
export type DerInput = Uint8Array | DerElement;

/** Builds one element from its identifier octet and content. */
export function derTlv(tag: number, ...content: readonly DerInput[]): DerElement {
  let length = 0;
  for (const item of content) {
    length += item instanceof DerElement ? item.encodedLength : item.length;
  }
  return new DerElement(tag, content, length);
}

/** Returns the DER bytes of an element, in one new array. Bytes are returned as they are. */
export function derEncode(input: DerInput): Uint8Array {
  if (!(input instanceof DerElement)) return input;
  const out = new Uint8Array(input.encodedLength);
  writeElement(out, input, 0);
  return out;
}

function writeElement(out: Uint8Array, element: DerElement, at: number): number {
  const length = element.contentLength;
  out[at] = element.tag;
  let offset = at + headerLength(length);
  if (length < 0x80) {
    out[at + 1] = length;
  } else {
    const extra = offset - at - 2;
    out[at + 1] = 0x80 | extra;
    for (let i = extra, rest = length; i > 0; i--, rest = Math.floor(rest / 256)) {
      out[at + 1 + i] = rest & 0xff;
    }
  }
  for (const item of element.items) {
    if (item instanceof DerElement) {
      offset = writeElement(out, item, offset);
    } else {
      copyBytes(out, item, offset);
      offset += item.length;
    }
  }
  return offset;
}

/** Builds a SEQUENCE. */
export function derSequence(...items: readonly DerInput[]): DerElement {
  return derTlv(0x30, ...items);
}

/** Builds a SET OF, its elements sorted by their encodings as DER requires (X.690 §11.6). */
export function derSetOf(...items: readonly DerInput[]): DerElement {
  return derTlv(0x31, ...sortedEncodings(items));
}

/**
 * Builds a `[n] IMPLICIT SET OF`, such as the certificates of a SignedData, its elements sorted
 * like those of {@link derSetOf}.
 */
export function derImplicitSetOf(tagNumber: number, ...items: readonly DerInput[]): DerElement {
  return derTlv(0xa0 | tagNumber, ...sortedEncodings(items));
}

function sortedEncodings(items: readonly DerInput[]): readonly DerInput[] {
  return items.length < 2 ? items : items.map(derEncode).sort(compareBytes);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

/** Builds `[n] EXPLICIT` around the given elements. */
export function derExplicit(tagNumber: number, ...items: readonly DerInput[]): DerElement {
  return derTlv(0xa0 | tagNumber, ...items);
}

/** Builds a primitive `[n] IMPLICIT` value, such as an IMPLICIT OCTET STRING. */
export function derImplicitPrimitive(tagNumber: number, value: Uint8Array): DerElement {
  return derTlv(0x80 | tagNumber, value);
}

/** Builds an OCTET STRING. */
export function derOctetString(value: Uint8Array): DerElement {
  return derTlv(0x04, value);
}

/** Builds a BIT STRING with no unused bits. */
export function derBitString(value: Uint8Array): DerElement {
  return derTlv(0x03, Uint8Array.of(0), value);
}

/** Encodes NULL. */
export const DER_NULL = Uint8Array.of(0x05, 0x00);

/** Builds a non-negative INTEGER from a number. */
export function derSmallInteger(value: number): DerElement {
  const octets: number[] = [];
  let rest = value;
  do {
    octets.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  if ((octets[0] ?? 0) & 0x80) octets.unshift(0);
  return derTlv(0x02, Uint8Array.from(octets));
}

const oidCache = new Map<string, Uint8Array>();

/** Encodes an OBJECT IDENTIFIER from its dotted form. */
export function derOid(dotted: string): Uint8Array {
  const cached = oidCache.get(dotted);
  if (cached !== undefined) return cached;

  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const octets: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      groups.unshift(0x80 | (value & 0x7f));
    }
    octets.push(...groups);
  }
  const encoded = derEncode(derTlv(0x06, Uint8Array.from(octets)));
  oidCache.set(dotted, encoded);
  return encoded;
}

/** Builds an AlgorithmIdentifier, with parameters only when given. */
export function derAlgorithm(oid: string, parameters?: DerInput): DerElement {
  return parameters === undefined ? derSequence(derOid(oid)) : derSequence(derOid(oid), parameters);
}

/**
 * Builds a Time (RFC 5652 §11.3, RFC 5280 §4.1.2.5): UTCTime for the years 1950 to 2049 and
 * GeneralizedTime otherwise, to the second, in UTC.
 */
export function derTime(date: Date): DerElement {
  const year = date.getUTCFullYear();
  const pad = (value: number): string => String(value).padStart(2, '0');
  const rest =
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z';
  if (year >= 1950 && year < 2050) return derTlv(0x17, latin1Encode(pad(year % 100) + rest));
  return derTlv(0x18, latin1Encode(String(year).padStart(4, '0') + rest));
}
