/**
 * Message digests for CMS: the messageDigest attribute and the X9.63 KDF.
 *
 * @module
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { bufferSource } from '../bytes.js';

/**
 * Up to this many bytes, SHA-256 runs in script. That covers the X9.63 KDF input of a key
 * agreement, about 100 bytes, and no message content. Hashing it in script takes a few
 * microseconds, while a WebCrypto call waits for a worker thread, a wait that grows when the
 * machine is busy. The KDF sits on the critical path of both protect and unprotect.
 */
const SCRIPT_DIGEST_LIMIT = 256;

/**
 * Returns the digest of `data` with a WebCrypto hash name such as `SHA-256`. SHA-256 of a short
 * input is computed in script with `@noble/hashes`, anything else by `crypto.subtle.digest`.
 */
export async function digestBytes(
  crypto: Crypto,
  hash: string,
  data: Uint8Array,
): Promise<Uint8Array> {
  if (hash === 'SHA-256' && data.length <= SCRIPT_DIGEST_LIMIT) return sha256(data);
  return new Uint8Array(await crypto.subtle.digest(hash, bufferSource(data)));
}
