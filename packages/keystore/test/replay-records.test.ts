import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import { describe, expect, it, vi } from 'vitest';
import { ReplayGuard, SipMessage, type ReplayRecord, type SecurityInfo } from '@mcptt-smime/smime';

import { sipMessageBytes } from './sip-message.js';
import { openTestStore } from './store.js';

const NOW = new Date('2026-06-01T00:00:00Z');

/**
 * Returns a record of `signer` that arrived `index` milliseconds before NOW and expires
 * `expiresIn` milliseconds after it.
 */
function record(index: number, expiresIn: number, signer = 'sip:alice@example.org'): ReplayRecord {
  return {
    key: index.toString(16).padStart(32, '0'),
    signer,
    expiry: NOW.getTime() + expiresIn,
    signedAt: NOW.getTime() - 1000,
    arrivedAt: NOW.getTime() - 100_000 + index,
  };
}

const message = SipMessage.parse(sipMessageBytes());

/** Returns the security of a MESSAGE that a stored record's signer bound and signed when it was. */
function boundBy(stored: ReplayRecord): SecurityInfo {
  return {
    signed: true,
    signerUri: stored.signer,
    signingTime: new Date(stored.signedAt ?? 0),
    protectedHeaders: [
      { name: 'Call-ID', value: 'sent-again@client.invalid' },
      { name: 'CSeq', value: '1 MESSAGE' },
    ],
  } as unknown as SecurityInfo;
}

/** Counts the records in the database of `factory`, read as another script would read them. */
async function storedRecordCount(factory: IDBFactory): Promise<number> {
  vi.stubGlobal('indexedDB', factory);
  try {
    const raw = await openDB('mcptt-smime-keystore', 3);
    const count = await raw.count('replayRecords');
    raw.close();
    return count;
  } finally {
    vi.unstubAllGlobals();
  }
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

  it('returns the records in the order they arrived', async () => {
    const store = await openTestStore({ now: () => NOW });
    const replays = store.replayStore();
    // Their keys sort in another order, and a window of Infinity gives them all one expiry.
    for (const index of [3, 1, 2]) {
      await replays.add({ ...record(index, Infinity), key: `${4 - index}`.padStart(32, 'f') });
    }

    const loaded = await replays.load();

    expect(loaded.map((loadedRecord) => loadedRecord.arrivedAt - NOW.getTime() + 100_000)).toEqual([
      1, 2, 3,
    ]);
  });

  it('deletes records of another shape', async () => {
    const factory = new IDBFactory();
    const store = await openTestStore({ indexedDB: factory, now: () => NOW });
    await store.replayStore().add(record(1, 1000));
    await store.close();
    // Another script writes to the same database, as idb's openDB does through the global factory.
    vi.stubGlobal('indexedDB', factory);
    try {
      const raw = await openDB('mcptt-smime-keystore', 3);
      await raw.put('replayRecords', { ...record(2, 1000), expiry: 10n });
      await raw.put('replayRecords', { ...record(3, 1000), arrivedAt: 'yesterday' });
      await raw.put('replayRecords', { key: record(4, 1000).key });
      // Shapes that a replay guard would not restore either.
      await raw.put('replayRecords', { ...record(5, 1000), key: 'short' });
      await raw.put('replayRecords', { ...record(6, 1000), signer: '' });
      await raw.put('replayRecords', { ...record(7, 1000), signedAt: Number.NaN });
      await raw.put('replayRecords', { ...record(8, 1000), signedAt: Infinity });
      raw.close();
    } finally {
      vi.unstubAllGlobals();
    }

    const reopened = await openTestStore({ indexedDB: factory, now: () => NOW });

    expect(await reopened.replayStore().load()).toEqual([record(1, 1000)]);
    expect(await reopened.replayStore().load()).toEqual([record(1, 1000)]);
    await reopened.close();
    expect(await storedRecordCount(factory)).toBe(1);
  });

  it('keeps what a replay guard needs of a long history', async () => {
    const factory = new IDBFactory();
    const store = await openTestStore({ indexedDB: factory, now: () => NOW });
    const replays = store.replayStore();
    const history = Array.from({ length: 2500 }, (_, index) => ({
      ...record(index, Infinity),
      signedAt: NOW.getTime() - 100_000 + index,
    }));
    for (const stored of history) await replays.add(stored);

    const loaded = await replays.load();
    const guard = new ReplayGuard({ windowMs: Infinity });
    guard.restore(loaded, NOW);

    // The newest 1,000 and one summary of the 1,500 before them.
    expect(loaded).toHaveLength(1001);
    expect(loaded.slice(1)).toEqual(history.slice(-1000));
    expect(await replays.load()).toEqual(loaded);
    expect(guard.size).toBe(1000);
    // The summary marks the signer, so the oldest request is still refused after the reload.
    expect(() => guard.check(message, boundBy(history[0] as ReplayRecord), NOW)).toThrow(
      expect.objectContaining({
        code: 'ERR_REPLAYED',
        sipStatus: 403,
        message: 'request too old to check for a replay',
      }) as Error,
    );
    await store.close();
    expect(await storedRecordCount(factory)).toBe(1001);
  });

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
