/**
 * Private key import (PKCS#8, RFC 5208 and RFC 5958) into the WebCrypto keys an identity needs.
 *
 * @module
 */

import { toArrayBuffer } from '../bytes.js';
import { CmsParseError, NotSupportedError } from '../errors.js';
import {
  parseBer,
  readAlgorithm,
  readIntegerBytes,
  readOctets,
  readOid,
  readSequence,
} from './der.js';
import { OID_EC_PUBLIC_KEY, OID_P256, OID_P384, OID_RSA_ENCRYPTION, oidName } from './oids.js';

/** Options of {@link importPrivateKey}. */
export interface ImportPrivateKeyOptions {
  /** Makes both keys extractable. Default false: the keys never leave WebCrypto. */
  readonly extractable?: boolean;
  /** Signature scheme of an RSA key. Default `pss` (RSASSA-PSS, RFC 8551 §2.2). */
  readonly rsaSignature?: 'pss' | 'pkcs1';
}

/** The two keys of an identity, made from one private key. */
export interface IdentityKeys {
  /** ECDSA, RSA-PSS or RSASSA-PKCS1-v1_5 key with usage `sign`. */
  signingKey: CryptoKey;
  /** ECDH key with usage `deriveBits`, or RSA-OAEP key with usage `decrypt`. */
  decryptionKey: CryptoKey;
}

/** Smallest RSA modulus in bits that keys and recipient certificates may have. */
export const RSA_MIN_BITS = 2048;
/** Largest RSA modulus in bits that keys and recipient certificates may have. */
export const RSA_MAX_BITS = 4096;

/**
 * Imports a PKCS#8 private key as the two CryptoKeys an identity needs: signing (ECDSA, or RSA-PSS
 * or RSASSA-PKCS1-v1_5 with SHA-256) and decryption (ECDH deriveBits, or RSA-OAEP SHA-256 decrypt).
 * EC keys must be on P-256 or P-384 and RSA keys 2048 to 4096 bits long. Other key types raise
 * NotSupportedError, and malformed input raises CmsParseError.
 *
 * @example
 * ```ts
 * // context: keyPem: string
 * const [pkcs8] = pemDecode(keyPem, 'PRIVATE KEY');
 * if (pkcs8 === undefined) throw new Error('no PRIVATE KEY block');
 * const { signingKey, decryptionKey } = await importPrivateKey(crypto, pkcs8);
 * ```
 *
 * @param crypto - The WebCrypto implementation.
 * @param pkcs8 - DER of an unencrypted PKCS#8 PrivateKeyInfo. The caller owns it and may overwrite
 *   it afterwards.
 * @param options - `extractable` (false by default) and `rsaSignature` (`pss` by default).
 * @returns The signing key and the decryption key.
 */
export async function importPrivateKey(
  crypto: Crypto,
  pkcs8: Uint8Array,
  options: ImportPrivateKeyOptions = {},
): Promise<IdentityKeys> {
  const extractable = options.extractable ?? false;
  const fields = readSequence(parseBer(pkcs8, 'private key'), 'PrivateKeyInfo');
  const algorithm = readAlgorithm(fields[1], 'privateKeyAlgorithm');
  const data = toArrayBuffer(pkcs8);

  if (algorithm.oid === OID_EC_PUBLIC_KEY) {
    const curveOid =
      algorithm.parameters === undefined ? '' : readOid(algorithm.parameters, 'namedCurve');
    const namedCurve =
      curveOid === OID_P256 ? 'P-256' : curveOid === OID_P384 ? 'P-384' : undefined;
    if (namedCurve === undefined) throw new NotSupportedError('EC private key curve not supported');
    return {
      signingKey: await importKey(crypto, data, { name: 'ECDSA', namedCurve }, extractable, 'sign'),
      decryptionKey: await importKey(
        crypto,
        data,
        { name: 'ECDH', namedCurve },
        extractable,
        'deriveBits',
      ),
    };
  }
  if (algorithm.oid === OID_RSA_ENCRYPTION) {
    const privateKey = fields[2];
    if (privateKey === undefined) throw new CmsParseError('private key is missing');
    checkRsaModulus(readOctets(privateKey, 'privateKey'));
    const signature = options.rsaSignature === 'pkcs1' ? 'RSASSA-PKCS1-v1_5' : 'RSA-PSS';
    return {
      signingKey: await importKey(
        crypto,
        data,
        { name: signature, hash: 'SHA-256' },
        extractable,
        'sign',
      ),
      decryptionKey: await importKey(
        crypto,
        data,
        { name: 'RSA-OAEP', hash: 'SHA-256' },
        extractable,
        'decrypt',
      ),
    };
  }
  throw new NotSupportedError(`private key algorithm ${oidName(algorithm.oid)} not supported`);
}

function checkRsaModulus(rsaPrivateKey: Uint8Array): void {
  const modulus = readIntegerBytes(
    readSequence(parseBer(rsaPrivateKey, 'RSA private key'), 'RSAPrivateKey')[1],
    'modulus',
  );
  const bits = (modulus[0] === 0 ? modulus.length - 1 : modulus.length) * 8;
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    throw new NotSupportedError(`RSA key size ${bits} not supported (2048 to 4096 bits)`);
  }
}

async function importKey(
  crypto: Crypto,
  pkcs8: ArrayBuffer,
  algorithm: EcKeyImportParams | RsaHashedImportParams,
  extractable: boolean,
  usage: KeyUsage,
): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey('pkcs8', pkcs8, algorithm, extractable, [usage]);
  } catch (cause) {
    throw new CmsParseError('private key is malformed', { cause });
  }
}
