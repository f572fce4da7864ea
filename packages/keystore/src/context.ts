/**
 * Dependencies shared by the keystore operations: the caller's crypto, the clock and the database.
 *
 * @module
 */

import type { IDBPDatabase } from 'idb';

import type { KeystoreSchema } from './schema.js';

/** Dependencies of every keystore operation. */
export interface StoreContext {
  readonly crypto: Crypto;
  readonly now: () => Date;
  /** Returns the open database, opening it again after another tab closed it. */
  database(): Promise<IDBPDatabase<KeystoreSchema>>;
}
