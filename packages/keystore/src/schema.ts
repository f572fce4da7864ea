/**
 * The IndexedDB layout of the keystore and its upgrades.
 *
 * Version 1 was the first layout: one `keys` store of identities keyed by the URI as given, and
 * one `certificates` store with trust anchors under `anchor:<SHA-256 hex>` and peer certificates
 * under `peer:<address-of-record>`. Version 2 gives identities, pending enrolments, trust
 * anchors and peers a store each. It keys identities and peers by the canonical
 * address-of-record, and stores the public key and the expiry beside each certificate, so that
 * lookups and expiry reports parse nothing. Version 3, the current one, adds `replayRecords`:
 * the requests that a client's replay guard remembers, by their key.
 *
 * @module
 */

import type { DBSchema, IDBPDatabase, IDBPTransaction } from 'idb';
import type { ReplayRecord } from '@mcptt-smime/smime';

import { canonicalAddressOfRecord } from './address-of-record.js';
import { summarizeCertificate } from './certificate.js';

/** Current schema version. */
export const SCHEMA_VERSION = 3;

/** A local identity with its issued certificate (version 2). */
export interface IdentityRecord {
  /** Canonical address-of-record, the key. */
  readonly uri: string;
  readonly certificate: Uint8Array;
  readonly chain: readonly Uint8Array[];
  /** DER of the SubjectPublicKeyInfo of the certificate. */
  readonly publicKey: Uint8Array;
  readonly notAfter: Date;
  readonly signingKey: CryptoKey;
  readonly decryptionKey: CryptoKey;
  /** Extractable copy of the private key, present only after an explicit exportable import. */
  readonly backupKey?: CryptoKey;
  readonly storedAt: Date;
}

/** An enrolment between the certification request and the issued certificate (version 2). */
export interface PendingIdentityRecord {
  readonly uri: string;
  readonly publicKey: Uint8Array;
  readonly signingKey: CryptoKey;
  readonly decryptionKey: CryptoKey;
  /** DER of the CertificationRequest. */
  readonly request: Uint8Array;
  readonly createdAt: Date;
}

/** A CA certificate that signer and enrolment chains must reach (version 2). */
export interface TrustAnchorRecord {
  /** SHA-256 of the DER as lowercase hex, the key. */
  readonly fingerprint: string;
  readonly certificate: Uint8Array;
  readonly notAfter: Date;
}

/** The certificate of a peer address-of-record (version 2). */
export interface PeerRecord {
  readonly addressOfRecord: string;
  readonly certificate: Uint8Array;
  readonly notAfter: Date;
  readonly storedAt: Date;
}

/** The version 2 layout, as idb types it. */
export interface KeystoreSchema extends DBSchema {
  identities: { key: string; value: IdentityRecord };
  pendingIdentities: { key: string; value: PendingIdentityRecord };
  trustAnchors: { key: string; value: TrustAnchorRecord };
  peers: { key: string; value: PeerRecord };
  replayRecords: { key: string; value: ReplayRecord };
}

/** Names of the version 2 stores. */
export const STORE_NAMES = [
  'identities',
  'pendingIdentities',
  'trustAnchors',
  'peers',
  'replayRecords',
] as const;

/** An identity record of version 1. */
export interface IdentityRecordV1 {
  readonly uri: string;
  readonly signingKey: CryptoKey;
  readonly decryptionKey: CryptoKey;
  readonly certificate: Uint8Array;
  readonly chain: readonly Uint8Array[];
}

/** Creates the version 1 stores. Exported so that tests can build a version 1 database. */
export function createVersion1Stores(db: IDBPDatabase<unknown>): void {
  db.createObjectStore('keys', { keyPath: 'uri' });
  db.createObjectStore('certificates');
}

/**
 * Brings a database from `oldVersion` to {@link SCHEMA_VERSION} inside the versionchange
 * transaction. Only IndexedDB requests are awaited here, because any other pending promise
 * lets the upgrade transaction commit before the migration has written its records.
 */
export async function upgradeSchema(
  db: IDBPDatabase<unknown>,
  oldVersion: number,
  transaction: IDBPTransaction<unknown, string[], 'versionchange'>,
  now: Date,
): Promise<void> {
  if (oldVersion < 1) createVersion1Stores(db);
  if (oldVersion < 2) await migrateToVersion2(db, transaction, now);
  // Version 3 adds the requests that a client's replay guard remembers, kept across reloads.
  if (oldVersion < 3) db.createObjectStore('replayRecords', { keyPath: 'key' });
}

async function migrateToVersion2(
  db: IDBPDatabase<unknown>,
  transaction: IDBPTransaction<unknown, string[], 'versionchange'>,
  now: Date,
): Promise<void> {
  db.createObjectStore('identities', { keyPath: 'uri' });
  db.createObjectStore('pendingIdentities', { keyPath: 'uri' });
  db.createObjectStore('trustAnchors', { keyPath: 'fingerprint' });
  db.createObjectStore('peers', { keyPath: 'addressOfRecord' });

  const identities = transaction.objectStore('identities');
  // Version 1 kept each URI as given, so two spellings of one address-of-record, such as a host
  // in another case, were two records. Both map to one key here, and the one whose certificate
  // expires last, the latest enrolment, keeps it.
  // NOTE: the other record's key pair is dropped, since one address-of-record has one identity.
  for (const record of (await transaction.objectStore('keys').getAll()) as IdentityRecordV1[]) {
    const migrated = migrateIdentity(record, now);
    const kept = (await identities.get(migrated.uri)) as IdentityRecord | undefined;
    if (kept === undefined || kept.notAfter.getTime() < migrated.notAfter.getTime()) {
      await identities.put(migrated);
    }
  }

  const certificates = transaction.objectStore('certificates');
  let cursor = await certificates.openCursor();
  while (cursor !== null) {
    const key = typeof cursor.key === 'string' ? cursor.key : '';
    const certificate = cursor.value as Uint8Array;
    if (key.startsWith('anchor:')) {
      const fingerprint = key.slice('anchor:'.length);
      await transaction
        .objectStore('trustAnchors')
        .put({ fingerprint, certificate, notAfter: expiryOf(certificate) });
    } else if (key.startsWith('peer:')) {
      const addressOfRecord =
        canonicalAddressOfRecord(key.slice('peer:'.length)) ?? key.slice('peer:'.length);
      await transaction.objectStore('peers').put({
        addressOfRecord,
        certificate,
        notAfter: expiryOf(certificate),
        storedAt: now,
      });
    }
    cursor = await cursor.continue();
  }

  db.deleteObjectStore('keys');
  db.deleteObjectStore('certificates');
}

function migrateIdentity(record: IdentityRecordV1, now: Date): IdentityRecord {
  let publicKey: Uint8Array = new Uint8Array(0);
  let notAfter = new Date(0);
  try {
    ({ publicKey, notAfter } = summarizeCertificate(record.certificate));
  } catch {
    // NOTE: a certificate that no longer parses keeps its keys, with an expiry in 1970 so that
    // the expiry report lists it for a new enrolment. Dropping the keys would lose the identity.
  }
  return {
    // A URI that is not a string, left by a hand edit, keeps its key, so that the upgrade does
    // not abort on every open. Reads then leave the record out as damaged.
    uri:
      typeof record.uri === 'string'
        ? (canonicalAddressOfRecord(record.uri) ?? record.uri)
        : record.uri,
    certificate: record.certificate,
    chain: record.chain,
    publicKey,
    notAfter,
    signingKey: record.signingKey,
    decryptionKey: record.decryptionKey,
    storedAt: now,
  };
}

function expiryOf(certificate: Uint8Array): Date {
  try {
    return summarizeCertificate(certificate).notAfter;
  } catch {
    return new Date(0);
  }
}
