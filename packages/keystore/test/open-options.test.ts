import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';

import { IndexedDbKeyStore } from '../src/index.js';
import type { IndexedDbKeyStoreOptions } from '../src/index.js';
import { openTestStore, testCrypto } from './store.js';

describe('open options', () => {
  it.each([
    ['crypto undefined', { crypto: undefined }, 'options.crypto'],
    ['crypto null', { crypto: null }, 'options.crypto'],
    ['crypto without subtle', { crypto: { getRandomValues: () => undefined } }, 'options.crypto'],
    ['crypto without getRandomValues', { crypto: { subtle: testCrypto.subtle } }, 'options.crypto'],
    ['empty databaseName', { databaseName: '' }, 'options.databaseName'],
    ['numeric databaseName', { databaseName: 7 }, 'options.databaseName'],
    ['now not a function', { now: new Date() }, 'options.now'],
    ['onVersionChange not a function', { onVersionChange: 'reload' }, 'options.onVersionChange'],
    ['indexedDB without open', { indexedDB: {} }, 'options.indexedDB'],
  ])('rejects %s', async (_name, options, option) => {
    const failure = openTestStore(options as unknown as Partial<IndexedDbKeyStoreOptions>);

    await expect(failure).rejects.toThrow(TypeError);
    await expect(failure).rejects.toThrow(option);
  });

  it('rejects missing options', async () => {
    const failure = IndexedDbKeyStore.open(undefined as unknown as IndexedDbKeyStoreOptions);

    await expect(failure).rejects.toThrow(TypeError);
  });

  it('opens with the required options only', async () => {
    const store = await IndexedDbKeyStore.open({ crypto: testCrypto, indexedDB: new IDBFactory() });

    expect(await store.listIdentities()).toEqual([]);
  });
});
