/**
 * Import of existing credentials (PKCS#12, PEM) and the encrypted backup of identities that were
 * imported as exportable.
 *
 * Importing is the second moment, after key generation, when private key material exists in
 * script memory: the PKCS#8 bytes are decrypted or decoded, imported as non-extractable keys and
 * overwritten with zeros before the import returns.
 *
 * @module
 */

import {
  CredentialInvalidError,
  KeyNotFoundError,
  NotExportableError,
  NotSupportedError,
  certificateSipUris,
  pemDecode,
} from '@mcptt-smime/smime';

import { canonicalAddressOfRecord, requireAddressOfRecord } from './address-of-record.js';
import {
  trustedChain,
  keyMatchesCertificate,
  parseCertificate,
  summarizeCertificate,
  usageProblem,
  validityProblem,
} from './certificate.js';
import type { StoreContext } from './context.js';
import { identityInfo, putIdentity } from './identities.js';
import type { IdentityInfo } from './identities.js';
import { importBackupKey, importIdentityKeys } from './identity-keys.js';
import { damagedRecordError, isSoundIdentity } from './record-shape.js';
import { buildPkcs12, parsePkcs12, requireBackupPassword } from './pkcs12.js';
import type { IdentityRecord } from './schema.js';
import { storageStep } from './storage-error.js';
import { getTrustAnchors } from './trust-store.js';

/** Options shared by the imports. */
export interface ImportOptions {
  /**
   * SIP URI of the identity. Default: the one SIP URI of the certificate's subjectAltName. It
   * must be one of the certificate's URIs.
   */
  readonly uri?: string;
  /**
   * Keeps an extractable copy of the private key so that {@link exportPkcs12} can write an
   * encrypted backup. Default false. The signing and decryption keys stay non-extractable either
   * way, but with this option a script on the page can read the key through the copy.
   */
  readonly exportable?: boolean;
  /**
   * Requires the certificate to chain to a stored trust anchor at the keystore's current time,
   * through the chain certificates that come with it, as {@link completeEnrolment} requires of an
   * issued one. Default true. Pass false to import before the anchors are stored.
   */
  readonly requireTrustAnchor?: boolean;
}

/** Input of {@link importPem}. */
export interface PemCredential extends ImportOptions {
  /** Unencrypted PKCS#8 private key (`PRIVATE KEY`). */
  readonly privateKey: string;
  /** PEM text with the end-entity certificate and, optionally, its chain. */
  readonly certificate: string;
  /** PEM text with more chain certificates. */
  readonly chain?: string;
}

/**
 * Imports a PKCS#12 file protected with PBES2 (AES-CBC and PBKDF2) and an HMAC. Raises
 * CredentialInvalidError on a wrong password, when no certificate matches the key, or when the
 * certificate does not chain to a stored trust anchor (see {@link ImportOptions}),
 * NotSupportedError for legacy RC2 or 3DES encryption, and CmsParseError for a file that is not
 * PKCS#12. The password may be empty but must be a string, else TypeError.
 */
export async function importPkcs12(
  context: StoreContext,
  file: Uint8Array,
  password: string,
  options: ImportOptions = {},
): Promise<IdentityInfo> {
  const contents = await parsePkcs12(context.crypto, file, password);
  return importCredential(context, contents.privateKey, contents.certificates, options);
}

/** Imports an unencrypted PEM PKCS#8 key with its certificate. Same errors as the PKCS#12 import. */
export async function importPem(
  context: StoreContext,
  credential: PemCredential,
): Promise<IdentityInfo> {
  if (credential.privateKey.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw new NotSupportedError('encrypted PEM private keys are not supported: import PKCS#12');
  }
  const [privateKey] = pemDecode(credential.privateKey, 'PRIVATE KEY');
  const certificates = [
    ...pemDecode(credential.certificate, 'CERTIFICATE'),
    ...(credential.chain === undefined ? [] : pemDecode(credential.chain, 'CERTIFICATE')),
  ];
  return importCredential(context, privateKey as Uint8Array, certificates, credential);
}

/**
 * Imports PKCS#8 bytes with candidate certificates, then overwrites the bytes with zeros. The
 * end-entity certificate is the one whose public key the private key signs for. The others form
 * the chain.
 */
async function importCredential(
  context: StoreContext,
  pkcs8: Uint8Array,
  certificates: readonly Uint8Array[],
  options: ImportOptions,
): Promise<IdentityInfo> {
  let record: IdentityRecord;
  try {
    const keys = await importIdentityKeys(context.crypto, pkcs8);
    const certificate = await findCertificate(context.crypto, keys.signingKey, certificates);
    const uri = identityUri(certificate, options.uri);
    const unusable = usageProblem(certificate, 'certificate');
    if (unusable !== undefined) throw new CredentialInvalidError(unusable);
    const summary = summarizeCertificate(certificate);
    const others = certificates.filter((other) => other !== certificate);
    const chain =
      options.requireTrustAnchor === false
        ? linkedChain(certificate, others)
        : await requireTrusted(context, certificate, others);
    const backupKey =
      options.exportable === true ? await importBackupKey(context.crypto, pkcs8) : undefined;
    record = {
      uri,
      certificate,
      chain,
      publicKey: summary.publicKey,
      notAfter: summary.notAfter,
      ...keys,
      ...(backupKey === undefined ? {} : { backupKey }),
      storedAt: context.now(),
    };
  } finally {
    pkcs8.fill(0);
  }

  await putIdentity(context, record);
  return identityInfo(record);
}

/**
 * Returns the certificates of `chain` on the validated path from the certificate to a stored
 * trust anchor, from its issuer upwards. Raises CredentialInvalidError unless the certificate is
 * valid now and chains to a stored trust anchor.
 */
async function requireTrusted(
  context: StoreContext,
  certificate: Uint8Array,
  chain: readonly Uint8Array[],
): Promise<Uint8Array[]> {
  const now = context.now();
  const invalid = validityProblem(certificate, now, 'certificate');
  if (invalid !== undefined) throw new CredentialInvalidError(invalid);
  const trustAnchors = await getTrustAnchors(context);
  const path = await trustedChain(context.crypto, { certificate, chain, trustAnchors, now });
  if (path === undefined) {
    throw new CredentialInvalidError(
      trustAnchors.length === 0
        ? 'certificate not trusted: no trust anchor is stored, so add one before the import'
        : 'certificate does not chain to a stored trust anchor',
    );
  }
  return path;
}

async function findCertificate(
  crypto: Crypto,
  signingKey: CryptoKey,
  certificates: readonly Uint8Array[],
): Promise<Uint8Array> {
  for (const certificate of certificates) {
    if (await keyMatchesCertificate(crypto, signingKey, certificate)) return certificate;
  }
  throw new CredentialInvalidError('no certificate matches the private key');
}

function identityUri(certificate: Uint8Array, requested: string | undefined): string {
  const uris = certificateSipUris(certificate).flatMap((value) => {
    const canonical = canonicalAddressOfRecord(value);
    return canonical === undefined ? [] : [canonical];
  });
  if (requested !== undefined) {
    const uri = requireAddressOfRecord(requested);
    if (!uris.includes(uri)) {
      throw new CredentialInvalidError(`certificate subjectAltName lacks ${uri}`);
    }
    return uri;
  }
  const [first, ...others] = uris;
  if (first === undefined) {
    throw new CredentialInvalidError('certificate has no SIP URI in its subjectAltName');
  }
  if (others.length > 0) {
    throw new CredentialInvalidError(
      'certificate has several SIP URIs: choose one with options.uri',
    );
  }
  return first;
}

/**
 * Returns the certificates that link the end entity to its issuers by name, from its issuer
 * upwards, and leaves out the others, so that unrelated certificates in a file do not travel with
 * every later signature.
 */
function linkedChain(leaf: Uint8Array, others: readonly Uint8Array[]): Uint8Array[] {
  const remaining = others.map((der) => ({ der, parsed: parseCertificate(der) }));
  const ordered: Uint8Array[] = [];
  let current = parseCertificate(leaf);
  for (;;) {
    const issuer = current.issuer;
    const index = remaining.findIndex((entry) => entry.parsed.subject.isEqual(issuer));
    const next = remaining[index];
    if (next === undefined || current.subject.isEqual(issuer)) break;
    ordered.push(next.der);
    remaining.splice(index, 1);
    current = next.parsed;
  }
  return ordered;
}

/**
 * Writes an encrypted PKCS#12 backup (PBES2 with AES-256-CBC and PBKDF2-SHA-256, HMAC-SHA-256
 * MAC) of an identity imported with `exportable: true`. Raises KeyNotFoundError for an unknown
 * URI and NotExportableError for any other identity. The password must be a non-empty string,
 * else TypeError. Nothing stronger is enforced, but anyone with a copy of the file can try
 * passwords offline, so choose a long passphrase.
 */
export async function exportPkcs12(
  context: StoreContext,
  uri: string,
  password: string,
): Promise<Uint8Array> {
  requireBackupPassword(password);
  const key = requireAddressOfRecord(uri);
  const db = await context.database();
  const record = await storageStep('identity read', () => db.get('identities', key));
  if (record === undefined) throw new KeyNotFoundError(`no identity for ${key}`);
  if (!isSoundIdentity(record)) {
    throw damagedRecordError(`identity of ${key}`, 'delete it and enrol again');
  }
  if (record.backupKey === undefined) {
    throw new NotExportableError(`identity ${key} was not imported as exportable`);
  }

  const pkcs8 = new Uint8Array(await context.crypto.subtle.exportKey('pkcs8', record.backupKey));
  try {
    return await buildPkcs12(context.crypto, {
      privateKey: pkcs8,
      certificates: [record.certificate, ...record.chain],
      password,
    });
  } finally {
    pkcs8.fill(0);
  }
}
