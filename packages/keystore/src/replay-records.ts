/**
 * The requests that a client's replay guard remembers, kept across page reloads.
 *
 * @module
 */

import {
  compactReplayRecords,
  DEFAULT_REPLAY_GUARD_ENTRIES_PER_SIGNER,
  isReplayRecord,
  type ReplayRecord,
  type ReplayStore,
} from '@mcptt-smime/smime';

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
 * ones and any that another script stored in another shape. Of each signer it keeps the newest
 * {@link DEFAULT_REPLAY_GUARD_ENTRIES_PER_SIGNER}, as many as the SDK's replay guard remembers,
 * and replaces the older ones by one summary record that keeps the guard's mark of them (see
 * `compactReplayRecords`). Dropping a record without that mark would let the SIP core send the
 * request again. So the store stays bounded without a window too, and a load reads at most one
 * session's records more than that.
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
      if (isReplayRecord(record) && record.expiry >= now) live.push(record);
      else dropped.push(cursor.primaryKey);
      cursor = await cursor.continue();
    }

    const compacted = compactReplayRecords(live, {
      maxEntriesPerSigner: DEFAULT_REPLAY_GUARD_ENTRIES_PER_SIGNER,
    });
    const compactedKeys = new Set(compacted.map((record) => record.key));
    const liveByKey = new Map(live.map((record) => [record.key, record]));
    for (const record of live) if (!compactedKeys.has(record.key)) dropped.push(record.key);
    // Only summaries are new or changed, so the other records need no write.
    const written = compacted.filter((record) => liveByKey.get(record.key) !== record);
    await Promise.all([
      ...dropped.map((key) => store.delete(key as string)),
      ...written.map((record) => store.put(storedForm(record))),
    ]);
    await transaction.done;
    return compacted;
  });
}

/** Returns the fields of a record, and nothing else that the object may carry. */
function storedForm(record: ReplayRecord): ReplayRecord {
  const { key, signer, expiry, signedAt, arrivedAt } = record;
  return { key, signer, expiry, signedAt, arrivedAt };
}

async function addReplayRecord(context: StoreContext, record: ReplayRecord): Promise<void> {
  const db = await context.database();
  await storageStep('add a replay record', async () => {
    await db.put('replayRecords', storedForm(record));
  });
}
