/**
 * Creation of the non-extractable CryptoKeys of an identity.
 *
 * An identity needs two private key objects, because WebCrypto binds a key to one algorithm:
 * ECDSA (or RSA-PSS) for signing and ECDH (or RSA-OAEP) for decryption. Both are created
 * non-extractable, so no script can read the key material afterwards.
 *
 * @module
 */

import { importPrivateKey } from '@mcptt-smime/smime';

/** The two private keys of an identity. */
export interface IdentityKeys {
  /** ECDSA or RSA-PSS private key, non-extractable. */
  readonly signingKey: CryptoKey;
  /** ECDH (deriveBits) or RSA-OAEP private key, non-extractable. */
  readonly decryptionKey: CryptoKey;
}

/** Keys of a freshly generated identity, with its public key for the certification request. */
export interface GeneratedIdentityKeys extends IdentityKeys {
  /** DER of the SubjectPublicKeyInfo. */
  readonly publicKey: Uint8Array;
}

/**
 * Generates a P-256 key pair and returns it as two non-extractable private keys.
 *
 * WebCrypto cannot derive an ECDH key from a non-extractable ECDSA key, and a key generated for
 * ECDSA cannot be used for ECDH. So the pair is generated extractable, exported once as PKCS#8,
 * imported twice as non-extractable ECDSA and ECDH keys, and the PKCS#8 buffer is overwritten with
 * zeros. This function is the one moment the private key material exists in script memory. The
 * extractable key objects go out of scope when it returns.
 */
export async function generateIdentityKeys(crypto: Crypto): Promise<GeneratedIdentityKeys> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  try {
    const keys = await importIdentityKeys(crypto, pkcs8);
    return { ...keys, publicKey };
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * Imports a PKCS#8 private key as the two non-extractable keys of an identity. The caller owns
 * `pkcs8` and should overwrite it with zeros afterwards. Raises NotSupportedError for key types
 * other than EC P-256, P-384 and RSA.
 */
export async function importIdentityKeys(crypto: Crypto, pkcs8: Uint8Array): Promise<IdentityKeys> {
  const { signingKey, decryptionKey } = await importPrivateKey(crypto, pkcs8, {
    extractable: false,
  });
  return { signingKey, decryptionKey };
}

/**
 * Imports the extractable copy of a private key that an identity keeps only when its owner opted
 * in to encrypted backups. Only `exportKey('pkcs8', ...)` ever reads it, to build the backup.
 */
export async function importBackupKey(crypto: Crypto, pkcs8: Uint8Array): Promise<CryptoKey> {
  const { signingKey } = await importPrivateKey(crypto, pkcs8, { extractable: true });
  return signingKey;
}
