/**
 * Local identities: lookup, listing, storage and removal.
 *
 * @module
 */

import type { LocalIdentity } from '@mcptt-smime/smime';

import { canonicalAddressOfRecord, requireAddressOfRecord } from './address-of-record.js';
import type { StoreContext } from './context.js';
import { damagedRecordError, isSoundIdentity } from './record-shape.js';
import type { IdentityRecord } from './schema.js';
import { storageStep } from './storage-error.js';

/** Public facts about a stored identity, without any key. */
export interface IdentityInfo {
  readonly uri: string;
  /** DER of the end-entity certificate. */
  readonly certificate: Uint8Array;
  /** DER of the intermediate certificates, closest to the end entity first. */
  readonly chain: readonly Uint8Array[];
  readonly notAfter: Date;
  /** True when the identity was imported with `exportable: true` and can be backed up. */
  readonly exportable: boolean;
}

/** Describes a record without its keys. */
export function identityInfo(record: IdentityRecord): IdentityInfo {
  return {
    uri: record.uri,
    certificate: record.certificate,
    chain: record.chain,
    notAfter: record.notAfter,
    exportable: record.backupKey !== undefined,
  };
}

/**
 * Returns the identity of a SIP URI with its non-extractable keys, or undefined. Raises
 * StorageError, and leaves the record in place, when the stored record is damaged or one of its
 * private keys is extractable.
 */
export async function getIdentity(
  context: StoreContext,
  uri: string,
): Promise<LocalIdentity | undefined> {
  const key = canonicalAddressOfRecord(uri);
  if (key === undefined) return undefined;
  const db = await context.database();
  const record = await storageStep('identity read', () => db.get('identities', key));
  if (record === undefined) return undefined;
  if (!isSoundIdentity(record)) {
    throw damagedRecordError(`identity of ${key}`, 'delete it and enrol again');
  }

  return {
    uri: record.uri,
    certificate: record.certificate,
    chain: record.chain,
    signingKey: record.signingKey,
    decryptionKey: record.decryptionKey,
  };
}

/**
 * Lists every usable identity, sorted by URI. A damaged record, which {@link getIdentity} would
 * refuse, is left out.
 */
export async function listIdentities(context: StoreContext): Promise<IdentityInfo[]> {
  const db = await context.database();
  const records: unknown[] = await storageStep('identity read', () => db.getAll('identities'));
  return records.filter(isSoundIdentity).map(identityInfo);
}

/** Stores an identity, replacing the one of the same URI. */
export async function putIdentity(context: StoreContext, record: IdentityRecord): Promise<void> {
  const db = await context.database();
  await storageStep('identity write', () => db.put('identities', record));
}

/** Removes an identity and any pending enrolment of its URI. */
export async function deleteIdentity(context: StoreContext, uri: string): Promise<void> {
  const key = requireAddressOfRecord(uri);
  const db = await context.database();
  await storageStep('identity delete', async () => {
    const transaction = db.transaction(['identities', 'pendingIdentities'], 'readwrite');
    await transaction.objectStore('identities').delete(key);
    await transaction.objectStore('pendingIdentities').delete(key);
    await transaction.done;
  });
}
