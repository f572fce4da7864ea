/**
 * Message digests for CMS: the messageDigest attribute and the X9.63 KDF.
 *
 * @module
 */

import { bufferSource } from '../bytes.js';

/** Returns the digest of `data` with a WebCrypto hash name such as `SHA-256`. */
export async function digestBytes(
  crypto: Crypto,
  hash: string,
  data: Uint8Array,
): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(hash, bufferSource(data)));
}
