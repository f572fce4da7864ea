import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { ReplayRecord } from '@mcptt-smime/smime';

import { MAX_REPLAY_RECORDS } from '../src/index.js';
import { openTestStore } from './store.js';

const NOW = new Date('2026-06-01T00:00:00Z');

/** Returns a record of `signer` that expires `expiresIn` milliseconds after NOW. */
function record(index: number, expiresIn: number, signer = 'sip:alice@example.org'): ReplayRecord {
  return {
    key: index.toString(16).padStart(32, '0'),
    signer,
    expiry: NOW.getTime() + expiresIn,
    signedAt: NOW.getTime() - 1000,
  };
}

describe('IndexedDbKeyStore replayStore', () => {
  it('loads what it stored, across reopening', async () => {
    const factory = new IDBFactory();
    const first = await openTestStore({ indexedDB: factory, now: () => NOW });
    await first.replayStore().add(record(1, 60_000));
    await first.replayStore().add(record(2, Infinity, 'sip:server@example.org'));
    await first.close();

    const reopened = await openTestStore({ indexedDB: factory, now: () => NOW });
    const loaded = await reopened.replayStore().load();

    expect(loaded).toEqual([record(1, 60_000), record(2, Infinity, 'sip:server@example.org')]);
  });

  it('deletes expired records when loading', async () => {
    let now = NOW;
    const store = await openTestStore({ now: () => now });
    await store.replayStore().add(record(1, 1000));
    await store.replayStore().add(record(2, 5000));

    now = new Date(NOW.getTime() + 2000);
    expect(await store.replayStore().load()).toEqual([record(2, 5000)]);
    now = NOW;
    expect(await store.replayStore().load()).toEqual([record(2, 5000)]);
  });

  it('keeps the records that expire last past its limit', async () => {
    const store = await openTestStore({ now: () => NOW });
    const replays = store.replayStore();
    for (let index = 0; index < MAX_REPLAY_RECORDS + 2; index++) {
      await replays.add(record(index, 1000 + index));
    }

    const loaded = await replays.load();

    expect(loaded).toHaveLength(MAX_REPLAY_RECORDS);
    expect(loaded[0]).toEqual(record(2, 1002));
    expect(await replays.load()).toHaveLength(MAX_REPLAY_RECORDS);
  }, 120_000);

  it('stores only the record fields', async () => {
    const store = await openTestStore({ now: () => NOW });
    const extra = { ...record(1, 1000), note: 'not stored' } as ReplayRecord;
    await store.replayStore().add(extra);

    expect(await store.replayStore().load()).toEqual([record(1, 1000)]);
  });

  it('wipes the records with the rest', async () => {
    const store = await openTestStore({ now: () => NOW });
    await store.replayStore().add(record(1, 1000));

    await store.wipe();

    expect(await store.replayStore().load()).toEqual([]);
  });
});
