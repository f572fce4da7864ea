/**
 * Enrolment: a key pair generated in the browser, a PKCS#10 request for a CA, and the issued
 * certificate stored only once it matches the key and chains to a trust anchor.
 *
 * Between the request and the issuance, the non-extractable keys wait in the
 * `pendingIdentities` store, so that the enrolment survives a page reload.
 *
 * @module
 */

import {
  CredentialInvalidError,
  KeyNotFoundError,
  certificateSipUris,
  pemEncode,
} from '@mcptt-smime/smime';

import { canonicalAddressOfRecord, requireAddressOfRecord } from './address-of-record.js';
import { bytesEqual } from './bytes.js';
import {
  summarizeCertificate,
  trustedChain,
  usageProblem,
  validityProblem,
} from './certificate.js';
import { buildCertificationRequest } from './certification-request.js';
import type { StoreContext } from './context.js';
import { identityInfo } from './identities.js';
import type { IdentityInfo } from './identities.js';
import { generateIdentityKeys } from './identity-keys.js';
import { damagedRecordError, isSoundPending } from './record-shape.js';
import type { IdentityRecord } from './schema.js';
import { storageStep } from './storage-error.js';
import { certificateBytes, getTrustAnchors } from './trust-store.js';

/** Options of {@link createCertificateRequest}. */
export interface CertificateRequestOptions {
  /** SIP URI of the identity, placed in the subjectAltName. */
  readonly uri: string;
  /** Subject common name. Default: the canonical URI. */
  readonly commonName?: string;
}

/** A certification request waiting for its certificate. */
export interface CertificateRequest {
  /** Canonical URI under which the pending keys are stored. */
  readonly uri: string;
  /** DER of the PKCS#10 CertificationRequest. */
  readonly der: Uint8Array;
  /** The same request as PEM (`CERTIFICATE REQUEST`). */
  readonly pem: string;
}

/**
 * Generates a P-256 key pair, stores it non-extractable as a pending enrolment, and returns a
 * PKCS#10 request signed with ECDSA and SHA-256. A new request for the same URI replaces the
 * pending one, and an existing identity of that URI stays usable until the new certificate
 * arrives.
 */
export async function createCertificateRequest(
  context: StoreContext,
  options: CertificateRequestOptions,
): Promise<CertificateRequest> {
  const uri = requireAddressOfRecord(options.uri);
  const keys = await generateIdentityKeys(context.crypto);
  const der = await buildCertificationRequest(context.crypto, {
    uri,
    commonName: options.commonName ?? uri,
    publicKey: keys.publicKey,
    signingKey: keys.signingKey,
  });

  const db = await context.database();
  await storageStep('pending identity write', () =>
    db.put('pendingIdentities', {
      uri,
      publicKey: keys.publicKey,
      signingKey: keys.signingKey,
      decryptionKey: keys.decryptionKey,
      request: der,
      createdAt: context.now(),
    }),
  );
  return { uri, der, pem: pemEncode(der, 'CERTIFICATE REQUEST') };
}

/**
 * Returns the pending request of a URI, for a resubmission, or undefined. Raises StorageError
 * when the stored enrolment is damaged.
 */
export async function getPendingRequest(
  context: StoreContext,
  uri: string,
): Promise<CertificateRequest | undefined> {
  const key = canonicalAddressOfRecord(uri);
  if (key === undefined) return undefined;
  const db = await context.database();
  const record = await storageStep('pending identity read', () => db.get('pendingIdentities', key));
  if (record === undefined) return undefined;
  if (!isSoundPending(record)) {
    throw damagedRecordError(`enrolment of ${key}`, 'request a certificate again');
  }
  return { uri: key, der: record.request, pem: pemEncode(record.request, 'CERTIFICATE REQUEST') };
}

/** Options of {@link completeEnrolment}. */
export interface CompleteEnrolmentOptions {
  readonly uri: string;
  /** The issued certificate, DER or PEM. */
  readonly certificate: Uint8Array | string;
  /**
   * Intermediate certificates, DER or PEM, in any order. Only those on the path to a trust anchor
   * are stored, from the end entity's issuer upwards.
   */
  readonly chain?: readonly (Uint8Array | string)[];
}

/**
 * Stores the issued certificate with the pending keys. Raises KeyNotFoundError when no enrolment
 * is pending for the URI. Raises CredentialInvalidError when the certificate's public key is not
 * the pending one, when its subjectAltName lacks the URI, or when it does not chain to a trust
 * anchor at the keystore's current time. The pending keys stay in place after a failure.
 *
 * The checks run first, and the write then happens only if the pending enrolment is still the one
 * that was checked. When `wipe`, `cancelEnrolment`, `deleteIdentity` or a newer
 * `createCertificateRequest` for the URI ran in the meantime, it raises KeyNotFoundError, writes
 * nothing, and leaves a newer request pending.
 */
export async function completeEnrolment(
  context: StoreContext,
  options: CompleteEnrolmentOptions,
): Promise<IdentityInfo> {
  const uri = requireAddressOfRecord(options.uri);
  // NOTE: no byte limit applies to the issued certificate and its chain.
  const certificate = certificateBytes(options.certificate);
  const chain = (options.chain ?? []).map(certificateBytes);
  const db = await context.database();
  const pending = await storageStep('pending identity read', () =>
    db.get('pendingIdentities', uri),
  );
  if (pending === undefined) throw new KeyNotFoundError(`no enrolment is pending for ${uri}`);
  if (!isSoundPending(pending)) {
    throw damagedRecordError(`enrolment of ${uri}`, 'request a certificate again');
  }

  const summary = summarizeCertificate(certificate);
  if (!bytesEqual(summary.publicKey, pending.publicKey)) {
    throw new CredentialInvalidError('issued certificate does not carry the pending public key');
  }
  if (!certificateSipUris(certificate).some((value) => canonicalAddressOfRecord(value) === uri)) {
    throw new CredentialInvalidError(`issued certificate subjectAltName lacks ${uri}`);
  }
  // Chain validation runs before the write transaction opens: an awaited WebCrypto call inside
  // it would let IndexedDB commit the transaction early.
  const unusable = usageProblem(certificate, 'issued certificate');
  if (unusable !== undefined) throw new CredentialInvalidError(unusable);
  const now = context.now();
  const invalid = validityProblem(certificate, now, 'issued certificate');
  if (invalid !== undefined) throw new CredentialInvalidError(invalid);
  const trustAnchors = await getTrustAnchors(context);
  const path = await trustedChain(context.crypto, { certificate, chain, trustAnchors, now });
  if (path === undefined) {
    throw new CredentialInvalidError('issued certificate does not chain to a trust anchor');
  }

  const record = await storeEnrolledIdentity(context, {
    uri,
    certificate,
    chain: path,
    publicKey: summary.publicKey,
    notAfter: summary.notAfter,
    storedAt: now,
  });
  return identityInfo(record);
}

/**
 * Moves the pending keys of `identity.uri` into an identity with the checked certificate, in one
 * transaction. It first reads the pending enrolment again and raises KeyNotFoundError, writing
 * nothing, unless it still has the certificate's public key. So a `wipe`, a cancellation or a
 * newer request that came during the checks wins, and a newer request stays pending.
 */
async function storeEnrolledIdentity(
  context: StoreContext,
  identity: Omit<IdentityRecord, 'signingKey' | 'decryptionKey'>,
): Promise<IdentityRecord> {
  const db = await context.database();
  return storageStep('identity write', async () => {
    const transaction = db.transaction(['identities', 'pendingIdentities'], 'readwrite');
    const pendingStore = transaction.objectStore('pendingIdentities');
    const pending = await pendingStore.get(identity.uri);
    if (!isSoundPending(pending) || !bytesEqual(pending.publicKey, identity.publicKey)) {
      transaction.abort();
      await transaction.done.catch(() => undefined);
      throw new KeyNotFoundError(
        `the enrolment of ${identity.uri} was cancelled or replaced while its certificate was checked`,
      );
    }
    const record: IdentityRecord = {
      ...identity,
      signingKey: pending.signingKey,
      decryptionKey: pending.decryptionKey,
    };
    await transaction.objectStore('identities').put(record);
    await pendingStore.delete(identity.uri);
    await transaction.done;
    return record;
  });
}

/** Drops the pending enrolment of a URI and its keys. */
export async function cancelEnrolment(context: StoreContext, uri: string): Promise<void> {
  const key = requireAddressOfRecord(uri);
  const db = await context.database();
  await storageStep('pending identity delete', () => db.delete('pendingIdentities', key));
}
