/**
 * Loading of PEM keys and certificates given on the command line.
 *
 * @module
 */

import { readFileSync } from 'node:fs';

import { certificateSipUris, importPrivateKey, pemDecode } from '../cms/index.js';
import { isMcpttError } from '../errors.js';
import type { LocalIdentity } from '../smime/key-store.js';
import { CliError } from './cli-io.js';

/** Reads a text file, raising CliError with the path when it cannot be read. */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new CliError(`cannot read ${path} (${code})`);
  }
}

/** Reads every certificate of a PEM file, the first one being the end entity. */
export function readCertificates(path: string): Uint8Array[] {
  const text = readTextFile(path);
  try {
    return pemDecode(text, 'CERTIFICATE');
  } catch (error) {
    if (isMcpttError(error)) throw new CliError(`${path}: no valid PEM CERTIFICATE block`);
    throw error;
  }
}

/** Reads one certificate, the first of the file. */
export function readCertificate(path: string): Uint8Array {
  const [certificate] = readCertificates(path);
  if (certificate === undefined) throw new CliError(`${path}: no PEM CERTIFICATE block`);
  return certificate;
}

/**
 * Loads a local identity from a PEM PKCS#8 key and a PEM certificate file (end entity first,
 * then intermediates). The keys are imported non-extractable.
 */
export async function loadIdentity(
  crypto: Crypto,
  keyPath: string,
  certPath: string,
  rsaSignature: 'pss' | 'pkcs1' = 'pss',
): Promise<LocalIdentity> {
  const [certificate, ...chain] = readCertificates(certPath);
  if (certificate === undefined) throw new CliError(`${certPath}: no PEM CERTIFICATE block`);

  const keyText = readTextFile(keyPath);
  if (/-----BEGIN (EC|RSA|ENCRYPTED) PRIVATE KEY-----/.test(keyText)) {
    throw new CliError(
      `${keyPath}: not an unencrypted PKCS#8 key (convert it with openssl pkcs8 -topk8 -nocrypt)`,
    );
  }
  let pkcs8: Uint8Array | undefined;
  try {
    [pkcs8] = pemDecode(keyText, 'PRIVATE KEY');
  } catch (error) {
    if (isMcpttError(error)) throw new CliError(`${keyPath}: no valid PEM PRIVATE KEY block`);
    throw error;
  }
  if (pkcs8 === undefined) throw new CliError(`${keyPath}: no PEM PRIVATE KEY block`);

  let keys;
  try {
    keys = await importPrivateKey(crypto, pkcs8, { rsaSignature });
  } catch (error) {
    if (isMcpttError(error)) throw new CliError(`${keyPath}: ${error.message}`);
    throw error;
  }
  const uri = certificateSipUris(certificate)[0] ?? '';
  return { uri, certificate, chain, ...keys };
}
