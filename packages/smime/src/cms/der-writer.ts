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

/** Encodes one element from its identifier octet and content octets. */
export function derTlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of content) length += chunk.length;
  const extra = length < 0x80 ? 0 : lengthOctets(length);

  // One allocation per element, the header written in place: nested structures would otherwise
  // copy their content twice.
  const out = new Uint8Array(2 + extra + length);
  out[0] = tag;
  if (extra === 0) {
    out[1] = length;
  } else {
    out[1] = 0x80 | extra;
    for (let i = extra, rest = length; i > 0; i--, rest = Math.floor(rest / 256)) {
      out[1 + i] = rest & 0xff;
    }
  }
  let offset = 2 + extra;
  for (const chunk of content) {
    copyBytes(out, chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Encodes a SEQUENCE. */
export function derSequence(...items: readonly Uint8Array[]): Uint8Array {
  return derTlv(0x30, ...items);
}

/** Encodes a SET OF, sorting the elements as DER requires (X.690 §11.6). */
export function derSetOf(...items: readonly Uint8Array[]): Uint8Array {
  const sorted = [...items].sort(compareBytes);
  return derTlv(0x31, ...sorted);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

/** Encodes `[n] EXPLICIT` around the given encoded elements. */
export function derExplicit(tagNumber: number, ...items: readonly Uint8Array[]): Uint8Array {
  return derTlv(0xa0 | tagNumber, ...items);
}

/** Encodes a primitive `[n] IMPLICIT` value, such as an IMPLICIT OCTET STRING. */
export function derImplicitPrimitive(tagNumber: number, value: Uint8Array): Uint8Array {
  return derTlv(0x80 | tagNumber, value);
}

/** Encodes an OCTET STRING. */
export function derOctetString(value: Uint8Array): Uint8Array {
  return derTlv(0x04, value);
}

/** Encodes a BIT STRING with no unused bits. */
export function derBitString(value: Uint8Array): Uint8Array {
  return derTlv(0x03, Uint8Array.of(0), value);
}

/** Encodes NULL. */
export const DER_NULL = Uint8Array.of(0x05, 0x00);

/** Encodes a non-negative INTEGER from a number. */
export function derSmallInteger(value: number): Uint8Array {
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
  const encoded = derTlv(0x06, Uint8Array.from(octets));
  oidCache.set(dotted, encoded);
  return encoded;
}

/** Encodes an AlgorithmIdentifier, with parameters only when given. */
export function derAlgorithm(oid: string, parameters?: Uint8Array): Uint8Array {
  return parameters === undefined ? derSequence(derOid(oid)) : derSequence(derOid(oid), parameters);
}

/**
 * Encodes a Time (RFC 5652 §11.3, RFC 5280 §4.1.2.5): UTCTime for the years 1950 to 2049 and
 * GeneralizedTime otherwise, to the second, in UTC.
 */
export function derTime(date: Date): Uint8Array {
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
