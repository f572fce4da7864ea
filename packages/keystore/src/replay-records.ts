/**
 * The requests that a client's replay guard remembers, kept across page reloads.
 *
 * @module
 */

import {
  DEFAULT_REPLAY_GUARD_ENTRIES,
  type ReplayRecord,
  type ReplayStore,
} from '@mcptt-smime/smime';

import type { StoreContext } from './context.js';
import { storageStep } from './storage-error.js';

/**
 * Largest number of records kept, as many as a replay guard remembers by default. Past it the
 * records that expire first are deleted when the store is loaded.
 */
export const MAX_REPLAY_RECORDS = DEFAULT_REPLAY_GUARD_ENTRIES;

/** Returns a {@link ReplayStore} on the keystore's `replayRecords` store. */
export function replayStoreOf(context: StoreContext): ReplayStore {
  return {
    load: () => loadReplayRecords(context),
    add: (record) => addReplayRecord(context, record),
  };
}

/**
 * Returns the records that have not expired, and deletes the expired ones and those past
 * {@link MAX_REPLAY_RECORDS}, the earliest to expire first.
 */
async function loadReplayRecords(context: StoreContext): Promise<ReplayRecord[]> {
  const db = await context.database();
  return storageStep('load replay records', async () => {
    const now = context.now().getTime();
    const transaction = db.transaction('replayRecords', 'readwrite');
    const store = transaction.objectStore('replayRecords');
    const records = await store.getAll();
    const live = records.filter((record) => record.expiry >= now);
    live.sort((a, b) => a.expiry - b.expiry);
    const kept = live.slice(Math.max(0, live.length - MAX_REPLAY_RECORDS));
    const keptKeys = new Set(kept.map((record) => record.key));
    await Promise.all(
      records
        .filter((record) => !keptKeys.has(record.key))
        .map((record) => store.delete(record.key)),
    );
    await transaction.done;
    return kept;
  });
}

async function addReplayRecord(context: StoreContext, record: ReplayRecord): Promise<void> {
  const db = await context.database();
  await storageStep('add a replay record', async () => {
    const { key, signer, expiry, signedAt } = record;
    await db.put('replayRecords', { key, signer, expiry, signedAt });
  });
}
