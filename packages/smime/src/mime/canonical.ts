/**
 * Canonical line ends for content that is signed (RFC 8551 §3.1.1).
 *
 * @module
 */

const LF = 0x0a;
const CR = 0x0d;

/**
 * Converts every bare LF to CRLF, the canonical form of text that RFC 8551 §3.1.1 requires before
 * signing. CRLF pairs stay as they are, and so does a lone CR. Returns `bytes` itself when it has
 * no bare LF, otherwise a new array. Apply it to text parts only: it would corrupt binary data.
 */
export function canonicalizeLineEnds(bytes: Uint8Array): Uint8Array {
  let bareLineFeeds = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === LF && bytes[i - 1] !== CR) bareLineFeeds++;
  }
  if (bareLineFeeds === 0) return bytes;

  const out = new Uint8Array(bytes.length + bareLineFeeds);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte === LF && bytes[i - 1] !== CR) out[o++] = CR;
    out[o++] = byte;
  }
  return out;
}
