/**
 * Shape checks of the records read back from IndexedDB. Another script of the origin, a hand
 * edit in the developer tools or an old bug can leave a record of another shape, and a read must
 * not hand it on as an identity, a trust anchor or a pin.
 *
 * @module
 */

import { StorageError } from '@mcptt-smime/smime';

import { summarizeCertificate } from './certificate.js';
import type {
  IdentityRecord,
  PeerRecord,
  PendingIdentityRecord,
  TrustAnchorRecord,
} from './schema.js';

/**
 * Tells whether a stored identity can be used: bytes where certificates belong, a valid expiry,
 * and two private keys that no script can export.
 */
export function isSoundIdentity(record: unknown): record is IdentityRecord {
  if (typeof record !== 'object' || record === null) return false;
  const value = record as Partial<Record<keyof IdentityRecord, unknown>>;
  return (
    typeof value.uri === 'string' &&
    value.certificate instanceof Uint8Array &&
    Array.isArray(value.chain) &&
    value.chain.every((certificate) => certificate instanceof Uint8Array) &&
    value.publicKey instanceof Uint8Array &&
    isValidDate(value.notAfter) &&
    isNonExtractablePrivateKey(value.signingKey) &&
    isNonExtractablePrivateKey(value.decryptionKey) &&
    (value.backupKey === undefined || value.backupKey instanceof CryptoKey)
  );
}

/** Tells whether a pending enrolment has its public key, its request and two private keys. */
export function isSoundPending(record: unknown): record is PendingIdentityRecord {
  if (typeof record !== 'object' || record === null) return false;
  const value = record as Partial<Record<keyof PendingIdentityRecord, unknown>>;
  return (
    typeof value.uri === 'string' &&
    value.publicKey instanceof Uint8Array &&
    value.request instanceof Uint8Array &&
    isNonExtractablePrivateKey(value.signingKey) &&
    isNonExtractablePrivateKey(value.decryptionKey)
  );
}

/** Tells whether a stored trust anchor contains a certificate that parses. */
export function isSoundTrustAnchor(record: unknown): record is TrustAnchorRecord {
  if (typeof record !== 'object' || record === null) return false;
  const { certificate } = record as Partial<TrustAnchorRecord>;
  if (!(certificate instanceof Uint8Array)) return false;
  try {
    summarizeCertificate(certificate);
    return true;
  } catch {
    return false;
  }
}

/** Tells whether a stored peer pin contains certificate bytes. */
export function isSoundPeer(record: unknown): record is PeerRecord {
  return (
    typeof record === 'object' &&
    record !== null &&
    (record as Partial<PeerRecord>).certificate instanceof Uint8Array
  );
}

/** Returns the expiry of a record, or the start of 1970 when it is not a valid date. */
export function storedExpiry(value: unknown): Date {
  return isValidDate(value) ? value : new Date(0);
}

/**
 * Returns the error for a record that a lookup found damaged. The record stays, so that nothing is
 * lost before the user decides, and the message names the remedy.
 */
export function damagedRecordError(description: string, remedy: string): StorageError {
  return new StorageError(`stored ${description} is invalid: ${remedy}`, {
    code: 'ERR_STORAGE_FAILED',
  });
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && Number.isFinite(value.getTime());
}

function isNonExtractablePrivateKey(value: unknown): boolean {
  return value instanceof CryptoKey && value.type === 'private' && !value.extractable;
}
