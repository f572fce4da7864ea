/**
 * Byte comparison for public data such as certificates and public keys.
 *
 * @module
 */

/** Compares two byte arrays. Not constant-time: use it only on public data. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
