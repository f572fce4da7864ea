/**
 * Loading of the PEM keys and certificates given on the command line. Every problem with these
 * files raises SetupError naming the option and the file, before any message is read, so that a
 * local mistake is never reported as a fault of the message.
 *
 * @module
 */

import { bytesEqual } from '../bytes.js';
import { parseCertificate, trustAnchorProblem } from '../cms/certificate.js';
import type { ParsedCertificate } from '../cms/certificate.js';
import { parseBer, readIntegerBytes, readSequence } from '../cms/der.js';
import { certificateSipUris, importPrivateKey, pemDecode, prepareEnvelope } from '../cms/index.js';
import type { IdentityKeys } from '../cms/index.js';
import { NotSupportedError, isMcpttError } from '../errors.js';
import type { LocalIdentity } from '../smime/key-store.js';
import { SetupError } from './cli-io.js';
import { notPemReason, optionFile, readOptionText } from './option-files.js';

/**
 * Reads every certificate of the PEM file given with `--option`, the first one being the end
 * entity. Each one is parsed here, so that a bad file is reported as such.
 */
export function readCertificates(option: string, path: string): Uint8Array[] {
  const where = optionFile(option, path);
  const text = readOptionText(option, path);
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new SetupError(`${where}: ${notPemReason('PEM certificate', 'CERTIFICATE', text)}`);
  }
  let certificates: Uint8Array[];
  try {
    certificates = pemDecode(text, 'CERTIFICATE');
  } catch (error) {
    if (isMcpttError(error)) throw new SetupError(`${where}: invalid PEM (${error.message})`);
    throw error;
  }
  for (const [index, der] of certificates.entries()) {
    try {
      parseCertificate(der);
    } catch (error) {
      if (!isMcpttError(error)) throw error;
      const label = certificates.length === 1 ? 'certificate' : `certificate ${index + 1}`;
      throw new SetupError(`${where}: invalid ${label} (${error.message})`);
    }
  }
  return certificates;
}

/**
 * Reads the trust anchors of the PEM file given with `--option`. Each must be a CA certificate,
 * as `trustAnchorProblem` checks.
 */
export function readTrustAnchors(option: string, path: string): Uint8Array[] {
  const certificates = readCertificates(option, path);
  for (const [index, der] of certificates.entries()) {
    const reason = trustAnchorProblem(der);
    if (reason !== undefined) {
      const label = certificates.length === 1 ? 'certificate' : `certificate ${index + 1}`;
      throw new SetupError(
        `${optionFile(option, path)}: ${label} is not a CA certificate (${reason})`,
      );
    }
  }
  return certificates;
}

/** Reads the first certificate of the PEM file given with `--option`. */
export function readCertificate(option: string, path: string): Uint8Array {
  const [certificate] = readCertificates(option, path);
  // readCertificates returns at least one certificate or raises.
  if (certificate === undefined) {
    throw new SetupError(`${optionFile(option, path)}: no certificate`);
  }
  return certificate;
}

/**
 * Loads a local identity from the PEM PKCS#8 key given with `--key` and the PEM certificate file
 * given with `--cert` (end entity first, then intermediates). The keys are imported
 * non-extractable. Raises SetupError when a file is missing or invalid, and when the key does
 * not match the certificate.
 */
export async function loadIdentity(
  crypto: Crypto,
  keyPath: string,
  certPath: string,
  rsaSignature: 'pss' | 'pkcs1' = 'pss',
): Promise<LocalIdentity> {
  const pkcs8 = readPrivateKey(keyPath);
  const [certificate, ...chain] = readCertificates('cert', certPath);
  if (certificate === undefined) throw new SetupError(`--cert ${certPath}: no certificate`);
  const keys = await importKeys(crypto, keyPath, pkcs8, { rsaSignature });

  if (!(await keyMatchesCertificate(crypto, keyPath, pkcs8, parseCertificate(certificate)))) {
    throw new SetupError(
      `${optionFile('key', keyPath)} does not match ${optionFile('cert', certPath)}`,
    );
  }
  const uri = certificateSipUris(certificate)[0] ?? '';
  return { uri, certificate, chain, ...keys };
}

/**
 * Reads the certificate given with `--recipient` and checks that a message can be encrypted to
 * it: an end-entity certificate with a key type the library supports and a keyUsage that allows
 * key agreement (EC) or key encipherment (RSA). The check prepares a throwaway envelope for this
 * recipient alone, so that it applies the same rules as the encryption.
 */
export async function readRecipient(crypto: Crypto, path: string): Promise<Uint8Array> {
  const where = optionFile('recipient', path);
  const certificate = readCertificate('recipient', path);
  if (parseCertificate(certificate).isCa) {
    throw new SetupError(
      `${where}: cannot encrypt to a CA certificate (give the recipient's own certificate)`,
    );
  }
  try {
    await prepareEnvelope({ crypto, recipients: [certificate], algorithm: 'aes-128-gcm' });
  } catch (error) {
    if (isMcpttError(error)) {
      throw new SetupError(`${where}: cannot encrypt to this certificate (${error.message})`);
    }
    if (error instanceof DOMException) {
      throw new SetupError(
        `${where}: cannot encrypt to this certificate (its public key cannot be imported for encryption)`,
      );
    }
    throw error;
  }
  return certificate;
}

function readPrivateKey(path: string): Uint8Array {
  const where = optionFile('key', path);
  const text = readOptionText('key', path);
  if (/-----BEGIN (EC|RSA|ENCRYPTED) PRIVATE KEY-----/.test(text)) {
    throw new SetupError(
      `${where}: not an unencrypted PKCS#8 key (convert it with openssl pkcs8 -topk8 -nocrypt)`,
    );
  }
  if (!text.includes('-----BEGIN PRIVATE KEY-----')) {
    throw new SetupError(`${where}: ${notPemReason('PEM private key', 'PRIVATE KEY', text)}`);
  }
  let pkcs8: Uint8Array | undefined;
  try {
    [pkcs8] = pemDecode(text, 'PRIVATE KEY');
  } catch (error) {
    if (isMcpttError(error)) throw new SetupError(`${where}: invalid PEM (${error.message})`);
    throw error;
  }
  if (pkcs8 === undefined) throw new SetupError(`${where}: no private key`);
  return pkcs8;
}

async function importKeys(
  crypto: Crypto,
  path: string,
  pkcs8: Uint8Array,
  options: { extractable?: boolean; rsaSignature?: 'pss' | 'pkcs1' },
): Promise<IdentityKeys> {
  try {
    return await importPrivateKey(crypto, pkcs8, options);
  } catch (error) {
    if (!isMcpttError(error)) throw error;
    const kind = error instanceof NotSupportedError ? 'unsupported' : 'invalid';
    throw new SetupError(`${optionFile('key', path)}: ${kind} private key (${error.message})`);
  }
}

/**
 * Returns true when the public key derived from a PKCS#8 private key is the subject public key
 * of a certificate. The key is imported once more, extractable, only to read its public part as
 * a JWK. That copy is dropped on return.
 */
async function keyMatchesCertificate(
  crypto: Crypto,
  path: string,
  pkcs8: Uint8Array,
  certificate: ParsedCertificate,
): Promise<boolean> {
  const { signingKey } = await importKeys(crypto, path, pkcs8, { extractable: true });
  const jwk = await crypto.subtle.exportKey('jwk', signingKey);
  const algorithm = certificate.publicKeyAlgorithm;
  if (algorithm.kind === 'ec') {
    return (
      jwk.kty === 'EC' &&
      jwk.crv === algorithm.namedCurve &&
      ecPointMatches(certificate.publicKey, base64Url(jwk.x), base64Url(jwk.y))
    );
  }
  if (algorithm.kind === 'rsa') {
    return jwk.kty === 'RSA' && rsaKeyMatches(certificate.publicKey, jwk);
  }
  return false;
}

/** Compares an uncompressed or compressed EC point (SEC 1 §2.3.3) with the coordinates x, y. */
function ecPointMatches(point: Uint8Array, x: Uint8Array, y: Uint8Array): boolean {
  if (x.length === 0 || y.length === 0) return false;
  const prefix = point[0];
  if (prefix === 0x04 && point.length === 1 + x.length + y.length) {
    return (
      bytesEqual(point.subarray(1, 1 + x.length), x) && bytesEqual(point.subarray(1 + x.length), y)
    );
  }
  if ((prefix === 0x02 || prefix === 0x03) && point.length === 1 + x.length) {
    // A compressed point carries x and the parity of y.
    return bytesEqual(point.subarray(1), x) && ((y[y.length - 1] ?? 0) & 1) === (prefix & 1);
  }
  return false;
}

/** Compares the RSAPublicKey of a certificate (RFC 8017 §A.1.1) with the n and e of a JWK. */
function rsaKeyMatches(publicKey: Uint8Array, jwk: JsonWebKey): boolean {
  const [modulus, exponent] = readSequence(parseBer(publicKey, 'RSA public key'), 'RSAPublicKey');
  return (
    bytesEqual(unsigned(readIntegerBytes(modulus, 'modulus')), unsigned(base64Url(jwk.n))) &&
    bytesEqual(unsigned(readIntegerBytes(exponent, 'publicExponent')), unsigned(base64Url(jwk.e)))
  );
}

function base64Url(value: string | undefined): Uint8Array {
  return new Uint8Array(Buffer.from(value ?? '', 'base64url'));
}

/** Drops the leading zero bytes of a big-endian integer. */
function unsigned(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  return bytes.subarray(start);
}
