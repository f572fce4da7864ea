/**
 * The requests that a client's replay guard remembers, kept across page reloads.
 *
 * @module
 */

import type { ReplayRecord, ReplayStore } from '@mcptt-smime/smime';

import type { StoreContext } from './context.js';
import { storageStep } from './storage-error.js';

/** Returns a {@link ReplayStore} on the keystore's `replayRecords` store. */
export function replayStoreOf(context: StoreContext): ReplayStore {
  return {
    load: () => loadReplayRecords(context),
    add: (record) => addReplayRecord(context, record),
  };
}

/**
 * Returns the records that have not expired, in the order they arrived, and deletes the expired
 * ones and any that another script stored in another shape. It keeps every other record: dropping
 * one would let the SIP core send that request again, and only the replay guard can mark a
 * dropped request's signer. With a finite window, expiry bounds the store.
 *
 * NOTE: with a window of Infinity, as a client without `maxSignatureAge` has, the store grows with
 * every bound request received.
 */
async function loadReplayRecords(context: StoreContext): Promise<ReplayRecord[]> {
  const db = await context.database();
  return storageStep('load replay records', async () => {
    const now = context.now().getTime();
    const transaction = db.transaction('replayRecords', 'readwrite');
    const store = transaction.objectStore('replayRecords');
    const live: ReplayRecord[] = [];
    const dropped: IDBValidKey[] = [];
    let cursor = await store.openCursor();
    while (cursor !== null) {
      const record: unknown = cursor.value;
      if (isStoredRecord(record) && record.expiry >= now) live.push(record);
      else dropped.push(cursor.primaryKey);
      cursor = await cursor.continue();
    }
    await Promise.all(dropped.map((key) => store.delete(key as string)));
    await transaction.done;
    return live.sort((a, b) => a.arrivedAt - b.arrivedAt);
  });
}

/** Tells whether a stored value has the fields and types of a {@link ReplayRecord}. */
function isStoredRecord(value: unknown): value is ReplayRecord {
  if (typeof value !== 'object' || value === null) return false;
  const { key, signer, expiry, signedAt, arrivedAt } = value as Record<string, unknown>;
  return (
    typeof key === 'string' &&
    typeof signer === 'string' &&
    typeof expiry === 'number' &&
    !Number.isNaN(expiry) &&
    (signedAt === undefined || typeof signedAt === 'number') &&
    typeof arrivedAt === 'number' &&
    Number.isFinite(arrivedAt)
  );
}

async function addReplayRecord(context: StoreContext, record: ReplayRecord): Promise<void> {
  const db = await context.database();
  await storageStep('add a replay record', async () => {
    const { key, signer, expiry, signedAt, arrivedAt } = record;
    await db.put('replayRecords', { key, signer, expiry, signedAt, arrivedAt });
  });
}
