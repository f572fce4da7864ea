/**
 * Strict BER reading over asn1js and a small DER writer.
 *
 * Reading accepts BER (indefinite lengths, constructed OCTET STRINGs) because OpenSSL's `-stream`
 * output uses it, but rejects trailing bytes after the top-level element, which asn1js accepts.
 * Writing emits DER only (RFC 5652 §5.3 requires DER for signed attributes).
 *
 * @module
 */

import * as asn1js from 'asn1js';

import { concatBytes, latin1Encode } from '../bytes.js';
import { CmsParseError } from '../errors.js';

/** One parsed ASN.1 element. */
export type Asn1Node = asn1js.AsnType;

/** Universal tag numbers used by the readers. */
export const TAG = {
  integer: 2,
  bitString: 3,
  octetString: 4,
  null: 5,
  oid: 6,
  sequence: 16,
  set: 17,
  utcTime: 23,
  generalizedTime: 24,
} as const;

const UNIVERSAL = 1;
const CONTEXT = 3;

// Bounds for asn1js: a CMS body of at most MAX_BODY_BYTES never needs deeper nesting or more nodes.
const PARSE_LIMITS = { maxDepth: 64, maxNodes: 20_000 };

/**
 * Parses one BER element that must span `bytes` exactly. Raises CmsParseError naming `what` on a
 * decoding error or on trailing bytes.
 */
export function parseBer(bytes: Uint8Array, what: string): Asn1Node {
  if (bytes.length === 0) throw new CmsParseError(`${what} is empty`);
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(bytes, { ...PARSE_LIMITS, copyInput: false });
  } catch (cause) {
    // asn1js throws, rather than reporting an error, on some malformed time strings.
    throw new CmsParseError(`${what} is not valid BER`, { cause });
  }
  if (parsed.offset === -1 || parsed.result.error !== '') {
    throw new CmsParseError(`${what} is not valid BER`);
  }
  if (parsed.offset !== bytes.length) throw new CmsParseError(`${what} has trailing bytes`);
  return parsed.result;
}

/** Tells whether `node` has the given universal tag. */
export function isUniversal(node: Asn1Node, tagNumber: number): boolean {
  return node.idBlock.tagClass === UNIVERSAL && node.idBlock.tagNumber === tagNumber;
}

/** Tells whether `node` has the context-specific tag `[tagNumber]`. */
export function isContext(node: Asn1Node, tagNumber: number): boolean {
  return node.idBlock.tagClass === CONTEXT && node.idBlock.tagNumber === tagNumber;
}

/** Returns the children of a constructed element, or raises CmsParseError naming `what`. */
export function childrenOf(node: Asn1Node, what: string): Asn1Node[] {
  if (!node.idBlock.isConstructed) throw new CmsParseError(`${what} is not constructed`);
  return (node.valueBlock as unknown as { value: Asn1Node[] }).value;
}

/** Returns the children of a universal SEQUENCE (or SET with `tag`). */
export function readSequence(
  node: Asn1Node | undefined,
  what: string,
  tag: number = TAG.sequence,
): Asn1Node[] {
  if (node === undefined || !isUniversal(node, tag)) throw new CmsParseError(`${what} is missing`);
  return childrenOf(node, what);
}

/** Returns the single child of an EXPLICIT context tag. */
export function readExplicit(node: Asn1Node, what: string): Asn1Node {
  const children = childrenOf(node, what);
  const [inner] = children;
  if (children.length !== 1 || inner === undefined) throw new CmsParseError(`${what} is malformed`);
  return inner;
}

/** Reads an OBJECT IDENTIFIER in dotted form. */
export function readOid(node: Asn1Node | undefined, what: string): string {
  if (node === undefined || !isUniversal(node, TAG.oid)) {
    throw new CmsParseError(`${what} is missing`);
  }
  return (node as asn1js.ObjectIdentifier).getValue();
}

/** Reads the content octets of a primitive element, whatever its tag. */
export function primitiveBytes(node: Asn1Node, what: string): Uint8Array {
  if (node.idBlock.isConstructed) throw new CmsParseError(`${what} is not primitive`);
  return (node.valueBlock as unknown as { valueHexView: Uint8Array }).valueHexView;
}

/** Reads an INTEGER as its two's-complement content octets. */
export function readIntegerBytes(node: Asn1Node | undefined, what: string): Uint8Array {
  if (node === undefined || !isUniversal(node, TAG.integer)) {
    throw new CmsParseError(`${what} is missing`);
  }
  return primitiveBytes(node, what);
}

/** Reads a small non-negative INTEGER such as a version number. */
export function readSmallInteger(node: Asn1Node | undefined, what: string): number {
  const bytes = readIntegerBytes(node, what);
  if (bytes.length > 4 || (bytes[0] ?? 0) & 0x80) {
    throw new CmsParseError(`${what} is out of range`);
  }
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  return value;
}

/**
 * Reads the value of an OCTET STRING, or of an IMPLICIT-tagged one, joining the chunks of the
 * constructed BER form (RFC 5652 §5.2 allows it for eContent).
 */
export function readOctets(node: Asn1Node, what: string, depth = 0): Uint8Array {
  if (!node.idBlock.isConstructed) return primitiveBytes(node, what);
  if (depth > 4) throw new CmsParseError(`${what} is nested too deeply`);

  const chunks = childrenOf(node, what).map((chunk) => {
    if (!isUniversal(chunk, TAG.octetString)) throw new CmsParseError(`${what} is malformed`);
    return readOctets(chunk, what, depth + 1);
  });
  return concatBytes(...chunks);
}

/** Reads a BIT STRING with no unused bits. */
export function readBitString(node: Asn1Node | undefined, what: string): Uint8Array {
  if (node === undefined || !isUniversal(node, TAG.bitString) || node.idBlock.isConstructed) {
    throw new CmsParseError(`${what} is missing`);
  }
  const block = node.valueBlock as unknown as { unusedBits: number; valueHexView: Uint8Array };
  if (block.unusedBits !== 0) throw new CmsParseError(`${what} has unused bits`);
  return block.valueHexView;
}

/** Returns the exact encoded bytes of an element, tag and length included. */
export function encodedBytes(node: Asn1Node): Uint8Array {
  return node.valueBeforeDecodeView;
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL } */
export interface AlgorithmIdentifier {
  readonly oid: string;
  /** Parameters, absent when the field is missing (a NULL is kept as a node). */
  readonly parameters: Asn1Node | undefined;
}

/** Reads an AlgorithmIdentifier (RFC 5280 §4.1.1.2). */
export function readAlgorithm(node: Asn1Node | undefined, what: string): AlgorithmIdentifier {
  const fields = readSequence(node, what);
  if (fields.length < 1 || fields.length > 2) throw new CmsParseError(`${what} is malformed`);
  return { oid: readOid(fields[0], what), parameters: fields[1] };
}

/** Tells whether algorithm parameters are absent or NULL. */
export function hasNoParameters(algorithm: AlgorithmIdentifier): boolean {
  const { parameters } = algorithm;
  return parameters === undefined || isUniversal(parameters, TAG.null);
}

// DER writer.

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/** Encodes one element from its identifier octet and content octets. */
export function derTlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  const value = concatBytes(...content);
  return concatBytes(Uint8Array.of(tag), encodeLength(value.length), value);
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

/** Reads a UTCTime or GeneralizedTime. */
export function readTime(node: Asn1Node | undefined, what: string): Date {
  let date: Date | undefined;
  if (node !== undefined && isUniversal(node, TAG.utcTime)) {
    date = (node as asn1js.UTCTime).toDate();
  } else if (node !== undefined && isUniversal(node, TAG.generalizedTime)) {
    date = (node as asn1js.GeneralizedTime).toDate();
  }
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new CmsParseError(`${what} is invalid`);
  }
  return date;
}
