/**
 * Loads the server's identity from PEM files, such as those of `mcptt-smime pki init`.
 *
 * @module
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  certificateSipUris,
  importPrivateKey,
  isMcpttError,
  parseRevocationList,
  pemDecode,
  trustAnchorProblem,
  type LocalIdentity,
  type RevocationList,
} from '@mcptt-smime/smime';
import type { IdentityConfig } from './config.js';

/** The server's keys, and the trust anchors and revocation lists of client signatures. */
export interface ServerCredentials {
  readonly identity: LocalIdentity;
  readonly trustAnchors: readonly Uint8Array[];
  readonly revocationLists: readonly RevocationList[];
}

/**
 * Reads the key, certificate chain, trust anchors and revocation lists. The keys are imported as
 * non-extractable CryptoKeys. Raises CmsParseError for malformed PEM and NotSupportedError for
 * other key types, and TypeError naming the file for a trust anchor that is not a CA certificate
 * or a revocation list that cannot be used.
 */
export async function loadCredentials(
  crypto: Crypto,
  serverUri: string,
  files: IdentityConfig,
): Promise<ServerCredentials> {
  const [pkcs8] = pemDecode(await readFile(files.key, 'utf8'), 'PRIVATE KEY');
  const [certificate, ...chain] = pemDecode(
    await readFile(files.certificate, 'utf8'),
    'CERTIFICATE',
  );
  if (pkcs8 === undefined || certificate === undefined) {
    throw new TypeError(
      `identity: no key in ${files.key} or no certificate in ${files.certificate}`,
    );
  }
  if (!certificateSipUris(certificate).includes(serverUri)) {
    throw new TypeError(`identity: certificate ${files.certificate} does not name ${serverUri}`);
  }

  const { signingKey, decryptionKey } = await importPrivateKey(crypto, pkcs8);
  const trustAnchors: Uint8Array[] = [];
  for (const file of files.trustAnchors) {
    for (const anchor of pemDecode(await readFile(file, 'utf8'), 'CERTIFICATE')) {
      const problem = trustAnchorProblem(anchor);
      if (problem !== undefined) {
        throw new TypeError(`identity: trust anchor ${file} is not a CA certificate (${problem})`);
      }
      trustAnchors.push(anchor);
    }
  }
  const revocationLists: RevocationList[] = [];
  for (const file of files.revocationLists ?? []) {
    revocationLists.push(...(await loadRevocationLists(file)));
  }
  return {
    identity: { uri: serverUri, certificate, chain, signingKey, decryptionKey },
    trustAnchors,
    revocationLists,
  };
}

/**
 * Reads the CRLs of a file: every PEM `X509 CRL` block of a text file, or else the file as one
 * DER list. Raises TypeError naming the file when a list is malformed, not supported or too large.
 */
export async function loadRevocationLists(file: string): Promise<RevocationList[]> {
  const bytes = new Uint8Array(await readFile(file));
  try {
    const text = Buffer.from(bytes).toString('latin1');
    const lists = text.includes('-----BEGIN X509 CRL-----') ? pemDecode(text, 'X509 CRL') : [bytes];
    return lists.map((der) => parseRevocationList(der));
  } catch (error) {
    if (!isMcpttError(error)) throw error;
    throw new TypeError(`identity.revocationLists: ${file}: ${error.message}`, { cause: error });
  }
}

/**
 * Reads every `*.cert.pem` in a folder and returns the certificates by the SIP URIs they name.
 * Files that name no SIP URI are skipped.
 */
export async function loadPeerCertificates(folder: string): Promise<Map<string, Uint8Array>> {
  const certificates = new Map<string, Uint8Array>();
  for (const name of await readdir(folder)) {
    if (!name.endsWith('.cert.pem')) {
      continue;
    }
    for (const der of pemDecode(await readFile(join(folder, name), 'utf8'), 'CERTIFICATE')) {
      for (const uri of certificateSipUris(der)) {
        certificates.set(uri, der);
      }
    }
  }
  return certificates;
}
