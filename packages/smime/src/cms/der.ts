/**
 * A small strict BER reader and DER writer (X.690).
 *
 * Reading accepts BER (indefinite lengths, constructed OCTET STRINGs) because OpenSSL's `-stream`
 * output uses it, but rejects trailing bytes after the top-level element, which asn1js 4 accepts.
 * Writing emits DER only (RFC 5652 §5.3 requires DER for signed attributes). PKIjs and asn1js
 * are used for certificates (parsed once and cached) and for issuing certificates.
 *
 * @module
 */

import { bytesEqual, cloneBytes, concatBytes } from '../bytes.js';
import { CmsParseError, LimitExceededError } from '../errors.js';
import { MAX_DER_DEPTH, MAX_DER_ELEMENTS, MAX_OCTET_STRING_DEPTH } from '../limits.js';

/**
 * One parsed BER element. It stores offsets and makes views into the parsed buffer only when a
 * reader asks, because creating typed-array views dominates the cost of a parse.
 */
export class Asn1Node {
  /** 0 universal, 1 application, 2 context-specific, 3 private (X.690 §8.1.2.2). */
  readonly tagClass: number;
  readonly tagNumber: number;
  readonly constructed: boolean;
  /** Children of a constructed element; empty for a primitive one. */
  readonly children: readonly Asn1Node[];
  readonly #bytes: Uint8Array;
  readonly #start: number;
  readonly #contentStart: number;
  readonly #contentEnd: number;
  readonly #end: number;

  constructor(
    tagClass: number,
    tagNumber: number,
    constructed: boolean,
    bytes: Uint8Array,
    start: number,
    contentStart: number,
    contentEnd: number,
    end: number,
    children: readonly Asn1Node[],
  ) {
    this.tagClass = tagClass;
    this.tagNumber = tagNumber;
    this.constructed = constructed;
    this.children = children;
    this.#bytes = bytes;
    this.#start = start;
    this.#contentStart = contentStart;
    this.#contentEnd = contentEnd;
    this.#end = end;
  }

  /** The whole element: identifier, length and contents (and end-of-contents, for BER). */
  get encoded(): Uint8Array {
    return this.#bytes.subarray(this.#start, this.#end);
  }

  /** Content octets; for an indefinite length, without the end-of-contents octets. */
  get value(): Uint8Array {
    return this.#bytes.subarray(this.#contentStart, this.#contentEnd);
  }

  /** Number of content octets. */
  get valueLength(): number {
    return this.#contentEnd - this.#contentStart;
  }
}

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

const UNIVERSAL = 0;
const CONTEXT = 2;

interface ParseState {
  readonly bytes: Uint8Array;
  readonly maxNodes: number;
  readonly definiteOnly: boolean;
  nodes: number;
  /** Offset after the element that `parseElement` returned last. */
  next: number;
}

/** Children of every primitive element, shared so that a parse allocates no array for them. */
const NO_CHILDREN: readonly Asn1Node[] = Object.freeze([]);

/** Options of {@link parseBer} for inputs other than CMS bodies. */
export interface BerParseOptions {
  /**
   * Maximum number of elements in place of the default for CMS bodies. Past it, parseBer raises
   * LimitExceededError instead of CmsParseError.
   */
  readonly maxElements?: number;
  /** Rejects the indefinite length form, which DER forbids (X.690 §10.1). */
  readonly definiteOnly?: boolean;
}

/** Raised inside the reader when the element count passes a caller's `maxElements`. */
class ElementLimitError extends RangeError {}

/**
 * Parses one BER element (X.690 §8) that must span `bytes` exactly: definite and indefinite
 * lengths, constructed strings. Raises CmsParseError naming `what` on a decoding error or on
 * trailing bytes, which asn1js would accept.
 */
export function parseBer(bytes: Uint8Array, what: string, options?: BerParseOptions): Asn1Node {
  if (bytes.length === 0) throw new CmsParseError(`${what} is empty`);
  const maxElements = options?.maxElements;
  const state: ParseState = {
    bytes,
    maxNodes: maxElements ?? MAX_DER_ELEMENTS,
    definiteOnly: options?.definiteOnly ?? false,
    nodes: 0,
    next: 0,
  };
  let node: Asn1Node;
  try {
    node = parseElement(state, 0, bytes.length, 0);
  } catch (cause) {
    if (cause instanceof ElementLimitError && maxElements !== undefined) {
      throw new LimitExceededError(`${what} has more than ${maxElements} ASN.1 elements`);
    }
    if (cause instanceof RangeError) {
      const encoding = state.definiteOnly ? 'DER' : 'BER';
      throw new CmsParseError(`${what} is not valid ${encoding}`, { cause });
    }
    throw cause;
  }
  if (state.next !== bytes.length) throw new CmsParseError(`${what} has trailing bytes`);
  return node;
}

/**
 * Parses the element at `offset`, which must end by `end`, and sets `state.next` to the offset
 * after it. Malformed input raises RangeError, which {@link parseBer} turns into CmsParseError.
 */
function parseElement(state: ParseState, offset: number, end: number, depth: number): Asn1Node {
  const { bytes } = state;
  if (depth > MAX_DER_DEPTH) throw new RangeError('structure too deep');
  if (++state.nodes > state.maxNodes) throw new ElementLimitError('structure too large');
  let position = offset;

  if (position >= end) throw new RangeError('truncated');
  const first = bytes[position++] as number;
  const constructed = (first & 0x20) !== 0;
  let tagNumber = first & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    let byte: number;
    // X.690 §8.1.2.4.2 forbids a leading 0x80 octet, and §8.1.2.2 the long form below 31.
    if (bytes[position] === 0x80) throw new RangeError('tag number not in its fewest octets');
    do {
      if (position >= end) throw new RangeError('truncated');
      byte = bytes[position++] as number;
      tagNumber = tagNumber * 128 + (byte & 0x7f);
      if (tagNumber > 0x3fffffff) throw new RangeError('tag number too large');
    } while (byte & 0x80);
    if (tagNumber < 0x1f) throw new RangeError('tag number below 31 in the long form');
  }
  const tagClass = first >> 6;
  // Universal tag 0 is end-of-contents (X.690 §8.1.5). The indefinite-length loop below stops at
  // it before calling this function, so one met here is misplaced.
  if (tagClass === UNIVERSAL && tagNumber === 0) throw new RangeError('unexpected end-of-contents');

  if (position >= end) throw new RangeError('truncated');
  const lengthByte = bytes[position++] as number;
  if (lengthByte === 0x80) {
    // X.690 §8.1.3.6: the indefinite form is only for constructed encodings.
    if (!constructed) throw new RangeError('indefinite length on a primitive element');
    if (state.definiteOnly) throw new RangeError('indefinite length in DER');
    const contentStart = position;
    const children: Asn1Node[] = [];
    while (!(bytes[position] === 0 && bytes[position + 1] === 0 && position + 1 < end)) {
      children.push(parseElement(state, position, end, depth + 1));
      position = state.next;
    }
    state.next = position + 2;
    return new Asn1Node(
      tagClass,
      tagNumber,
      constructed,
      bytes,
      offset,
      contentStart,
      position,
      state.next,
      children,
    );
  }

  let length = lengthByte;
  if (lengthByte > 0x80) {
    const count = lengthByte & 0x7f;
    if (count > 4) throw new RangeError('length too large');
    length = 0;
    for (let i = 0; i < count; i++) {
      if (position >= end) throw new RangeError('truncated');
      length = length * 256 + (bytes[position++] as number);
    }
  }
  const contentStart = position;
  const contentEnd = contentStart + length;
  if (contentEnd > end) throw new RangeError('truncated');
  let children = NO_CHILDREN;
  if (constructed) {
    const list: Asn1Node[] = [];
    for (let cursor = contentStart; cursor < contentEnd; cursor = state.next) {
      list.push(parseElement(state, cursor, contentEnd, depth + 1));
    }
    children = list;
  }
  state.next = contentEnd;
  return new Asn1Node(
    tagClass,
    tagNumber,
    constructed,
    bytes,
    offset,
    contentStart,
    contentEnd,
    contentEnd,
    children,
  );
}

/** Tells whether `node` has the given universal tag. */
export function isUniversal(node: Asn1Node, tagNumber: number): boolean {
  return node.tagClass === UNIVERSAL && node.tagNumber === tagNumber;
}

/** Tells whether `node` has the context-specific tag `[tagNumber]`. */
export function isContext(node: Asn1Node, tagNumber: number): boolean {
  return node.tagClass === CONTEXT && node.tagNumber === tagNumber;
}

/** Returns the children of a constructed element, or raises CmsParseError naming `what`. */
export function childrenOf(node: Asn1Node, what: string): readonly Asn1Node[] {
  if (!node.constructed) throw new CmsParseError(`${what} is not constructed`);
  return node.children;
}

/** Returns the children of a universal SEQUENCE (or SET with `tag`). */
export function readSequence(
  node: Asn1Node | undefined,
  what: string,
  tag: number = TAG.sequence,
): readonly Asn1Node[] {
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

/** Largest number of OBJECT IDENTIFIERs whose dotted form {@link readOid} keeps. */
const OID_CACHE_SIZE = 256;

/** Dotted forms of OBJECT IDENTIFIERs read before, by a hash of their content octets. */
const dottedOids = new Map<number, { readonly octets: Uint8Array; readonly dotted: string }>();

/** Reads an OBJECT IDENTIFIER in dotted form (X.690 §8.19). */
export function readOid(node: Asn1Node | undefined, what: string): string {
  if (
    node === undefined ||
    !isUniversal(node, TAG.oid) ||
    node.constructed ||
    node.valueLength === 0
  ) {
    throw new CmsParseError(`${what} is missing`);
  }
  const value = node.value;
  // The same few OIDs come in every message, and building the string costs more than this hash.
  let hash = 0x811c9dc5;
  for (let index = 0; index < value.length; index++) {
    hash = Math.imul(hash ^ (value[index] as number), 0x01000193);
  }
  const known = dottedOids.get(hash);
  if (known !== undefined && bytesEqual(known.octets, value)) return known.dotted;

  const dotted = dottedOid(value, what);
  if (dottedOids.size >= OID_CACHE_SIZE) dottedOids.clear();
  // A copy: the parsed buffer, maybe a Node.js Buffer whose slice() shares memory, may change.
  dottedOids.set(hash, { octets: cloneBytes(value), dotted });
  return dotted;
}

function dottedOid(value: Uint8Array, what: string): string {
  let dotted = '';
  let arc = 0;
  for (let index = 0; index < value.length; index++) {
    const byte = value[index] as number;
    if (arc === 0 && byte === 0x80) throw new CmsParseError(`${what} is malformed`);
    arc = arc * 128 + (byte & 0x7f);
    if (arc > Number.MAX_SAFE_INTEGER / 128) throw new CmsParseError(`${what} is malformed`);
    if (byte & 0x80) {
      if (index === value.length - 1) throw new CmsParseError(`${what} is malformed`);
      continue;
    }
    if (dotted === '') {
      dotted = arc < 80 ? `${Math.floor(arc / 40)}.${arc % 40}` : `2.${arc - 80}`;
    } else {
      dotted += `.${arc}`;
    }
    arc = 0;
  }
  return dotted;
}

/** Reads the content octets of a primitive element, whatever its tag. */
export function primitiveBytes(node: Asn1Node, what: string): Uint8Array {
  if (node.constructed) throw new CmsParseError(`${what} is not primitive`);
  return node.value;
}

/** Reads an INTEGER as its two's-complement content octets. */
export function readIntegerBytes(node: Asn1Node | undefined, what: string): Uint8Array {
  if (node === undefined || !isUniversal(node, TAG.integer) || node.valueLength === 0) {
    throw new CmsParseError(`${what} is missing`);
  }
  return primitiveBytes(node, what);
}

/**
 * Reads a small non-negative INTEGER such as a version number. Leading zero octets, which X.690
 * §8.3.2 forbids in BER too, raise CmsParseError.
 */
export function readSmallInteger(node: Asn1Node | undefined, what: string): number {
  const bytes = readIntegerBytes(node, what);
  if (bytes.length > 1 && bytes[0] === 0 && ((bytes[1] ?? 0) & 0x80) === 0) {
    throw new CmsParseError(`${what} is not in its fewest octets`);
  }
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
  if (!node.constructed) return node.value;
  if (depth > MAX_OCTET_STRING_DEPTH) throw new CmsParseError(`${what} is nested too deeply`);

  const chunks = node.children.map((chunk) => {
    if (!isUniversal(chunk, TAG.octetString)) throw new CmsParseError(`${what} is malformed`);
    return readOctets(chunk, what, depth + 1);
  });
  return concatBytes(...chunks);
}

/** Reads a primitive BIT STRING with no unused bits. */
export function readBitString(node: Asn1Node | undefined, what: string): Uint8Array {
  if (
    node === undefined ||
    !isUniversal(node, TAG.bitString) ||
    node.constructed ||
    node.value.length === 0
  ) {
    throw new CmsParseError(`${what} is missing`);
  }
  if (node.value[0] !== 0) throw new CmsParseError(`${what} has unused bits`);
  return node.value.subarray(1);
}

/** Returns the exact encoded bytes of an element, tag and length included. */
export function encodedBytes(node: Asn1Node): Uint8Array {
  return node.encoded;
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

/** Tells whether algorithm parameters are absent or NULL, which has no content (X.690 §8.8). */
export function hasNoParameters(algorithm: AlgorithmIdentifier): boolean {
  const { parameters } = algorithm;
  return (
    parameters === undefined ||
    (isUniversal(parameters, TAG.null) && !parameters.constructed && parameters.valueLength === 0)
  );
}

// The writer lives in its own file; importers of this module get both halves.
export {
  DER_NULL,
  derAlgorithm,
  derBitString,
  derExplicit,
  derImplicitPrimitive,
  derImplicitSetOf,
  derOctetString,
  derOid,
  derSequence,
  derSetOf,
  derSmallInteger,
  derTime,
  derTlv,
  derEncode,
  DerElement,
  type DerInput,
} from './der-writer.js';

/**
 * Reads a UTCTime (`YYMMDDHHMM[SS]Z`, years 1950 to 2049) or a GeneralizedTime
 * (`YYYYMMDDHHMMSS[.fff]Z`), in UTC as RFC 5280 §4.1.2.5 requires.
 */
export function readTime(node: Asn1Node | undefined, what: string): Date {
  const generalized = node !== undefined && isUniversal(node, TAG.generalizedTime);
  if (node === undefined || node.constructed || !(generalized || isUniversal(node, TAG.utcTime))) {
    throw new CmsParseError(`${what} is invalid`);
  }
  const text = node.value;
  // UTCTime is YYMMDDhhmm[ss]Z, GeneralizedTime YYYYMMDDhhmmss[.fff]Z; the fraction is dropped.
  let year: number;
  let at: number;
  if (generalized) {
    year = readDigits(text, 0, 4);
    at = 4;
  } else {
    const twoDigits = readDigits(text, 0, 2);
    if (twoDigits < 0) year = -1;
    else if (twoDigits < 50) year = 2000 + twoDigits;
    else year = 1900 + twoDigits;
    at = 2;
  }
  const month = readDigits(text, at, 2);
  const day = readDigits(text, at + 2, 2);
  const hour = readDigits(text, at + 4, 2);
  const minute = readDigits(text, at + 6, 2);
  at += 8;
  let second = 0;
  if (generalized || text.length - at === 3) {
    second = readDigits(text, at, 2);
    at += 2;
  }
  if (generalized && text[at] === DOT) {
    const fraction = at + 1;
    at = fraction;
    while (at < text.length && readDigits(text, at, 1) >= 0) at++;
    if (at === fraction || at - fraction > 3) at = -1;
  }
  if (
    Math.min(year, month, day, hour, minute, second) < 0 ||
    at !== text.length - 1 ||
    text[at] !== LETTER_Z ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new CmsParseError(`${what} is invalid`);
  }
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps the years 0 to 99 as they are. Both roll an impossible
  // day or month over into the next one.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new CmsParseError(`${what} is invalid`);
  }
  return date;
}

const DIGIT_ZERO = 0x30;
const DOT = 0x2e;
const LETTER_Z = 0x5a;

/** Reads `count` ASCII digits at `at` as a number, or returns -1 if any byte is not a digit. */
function readDigits(bytes: Uint8Array, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = (bytes[i] ?? 0) - DIGIT_ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
