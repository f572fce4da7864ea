/**
 * Multipart boundaries (RFC 2046 §5.1.1): validity, and random generation.
 *
 * ```abnf
 * boundary      := 0*69<bchars> bcharsnospace
 * bchars        := bcharsnospace / " "
 * bcharsnospace := DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" / ":" / "=" / "?"
 * ```
 *
 * @module
 */

import { indexOfBytes, utf8Encode } from '../bytes.js';

const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** 64 characters that are bchars and RFC 3261 token characters, so one random byte maps to one. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BOUNDARY_PREFIX = 'mcptt-';
/** 24 characters of 6 bits each: 144 random bits. */
const RANDOM_LENGTH = 24;
const MAX_ATTEMPTS = 8;

/** Checks whether `boundary` is 1 to 70 bchars that do not end in a space (RFC 2046 §5.1.1). */
export function isValidBoundary(boundary: string): boolean {
  return BOUNDARY.test(boundary);
}

/**
 * Checks whether `--boundary` occurs in `content`. Any occurrence counts, not only one at the start
 * of a line, so a boundary that passes cannot end a part early however the part is framed.
 */
export function boundaryOccursIn(content: Uint8Array, boundary: string): boolean {
  return indexOfBytes(content, utf8Encode(`--${boundary}`)) >= 0;
}

/** Random bytes fetched ahead, per random source, so that a boundary costs no native call. */
interface RandomPool {
  bytes: Uint8Array;
  offset: number;
}

/** Enough for 64 boundaries per call of `getRandomValues`. */
const POOL_BYTES = RANDOM_LENGTH * 64;
const pools = new WeakMap<object, RandomPool>();

function randomBytes(random: Pick<Crypto, 'getRandomValues'>, length: number): Uint8Array {
  let pool = pools.get(random);
  if (pool === undefined || pool.offset + length > pool.bytes.length) {
    pool = { bytes: random.getRandomValues(new Uint8Array(POOL_BYTES)), offset: 0 };
    pools.set(random, pool);
  }
  const bytes = pool.bytes.subarray(pool.offset, pool.offset + length);
  pool.offset += length;
  return bytes;
}

/**
 * Returns a boundary of random characters from `crypto.getRandomValues`, such as
 * `mcptt-3fZ0q_Lk9-…`. With `contents`, a boundary that occurs in one of them is drawn again.
 * The boundary is a token, so Content-Type needs no quotes around it: some SIP stacks keep the
 * quotes of a quoted boundary and then fail to find it. Raises `TypeError` when the random source
 * keeps returning colliding values.
 *
 * Random bytes are fetched in blocks and kept per random source. A boundary needs to be unlikely
 * to collide, not secret, and the block saves a native call per boundary.
 *
 * @param random - source of randomness, usually the `Crypto` passed in by the caller
 * @param contents - serialised parts the boundary must not occur in
 */
export function createBoundary(
  random: Pick<Crypto, 'getRandomValues'>,
  contents: readonly Uint8Array[] = [],
): string {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const bytes = randomBytes(random, RANDOM_LENGTH);
    let boundary = BOUNDARY_PREFIX;
    for (const byte of bytes) boundary += ALPHABET[byte & 63];
    const dash = utf8Encode(`--${boundary}`);
    if (!contents.some((content) => indexOfBytes(content, dash) >= 0)) return boundary;
  }
  throw new TypeError('createBoundary: the random source keeps returning colliding values');
}
