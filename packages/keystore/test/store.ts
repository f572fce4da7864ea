/** Opens keystores on a fresh fake-indexeddb factory, so that no test shares a database. */
import 'fake-indexeddb/auto';
import { webcrypto } from 'node:crypto';

import { IDBFactory } from 'fake-indexeddb';

import { IndexedDbKeyStore } from '../src/index.js';
import type { IndexedDbKeyStoreOptions } from '../src/index.js';

export const testCrypto = webcrypto as unknown as Crypto;

/** Opens a keystore on `factory` (a new one by default) with the test crypto. */
export function openTestStore(
  options: Partial<IndexedDbKeyStoreOptions> & { indexedDB?: IDBFactory } = {},
): Promise<IndexedDbKeyStore> {
  return IndexedDbKeyStore.open({
    crypto: testCrypto,
    indexedDB: options.indexedDB ?? new IDBFactory(),
    ...options,
  });
}

/**
 * Tries exportKey('pkcs8') on every key and returns, per key, whether it rejected with an
 * invalid-access DOMException. Node 20 names it `InvalidAccessException`, browsers
 * `InvalidAccessError`.
 */
export async function exportRejections(keys: readonly CryptoKey[]): Promise<boolean[]> {
  const results: boolean[] = [];
  for (const key of keys) {
    try {
      await testCrypto.subtle.exportKey('pkcs8', key);
      results.push(false);
    } catch (error) {
      results.push((error as Error).name.startsWith('InvalidAccess'));
    }
  }
  return results;
}

let sharedDatabases = 0;

/** Opens two keystores on one new database with the given clock, as two tabs would. */
export async function openTwoTabs(
  now: () => Date,
): Promise<[IndexedDbKeyStore, IndexedDbKeyStore]> {
  const indexedDB = new IDBFactory();
  const databaseName = `two-tabs-${String(sharedDatabases++)}`;
  const first = await openTestStore({ indexedDB, databaseName, now });
  const second = await openTestStore({ indexedDB, databaseName, now });
  return [first, second];
}

/** Waits until `check` passes, for a BroadcastChannel message that arrives on another task. */
export async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}
