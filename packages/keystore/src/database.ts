/**
 * Opening the keystore database, with the upgrade, `blocked` and `versionchange` handling that
 * several tabs of the same origin need.
 *
 * @module
 */

import { wrap } from 'idb';
import type { IDBPDatabase, IDBPTransaction } from 'idb';
import { StorageError } from '@mcptt-smime/smime';

import { SCHEMA_VERSION, upgradeSchema } from './schema.js';
import type { KeystoreSchema } from './schema.js';
import { toStorageError } from './storage-error.js';

/** Options of {@link openKeystoreDatabase}. */
export interface OpenDatabaseOptions {
  readonly factory: IDBFactory;
  readonly name: string;
  /** Time written into records that a migration creates. */
  readonly now: Date;
  /**
   * Called after this connection closed itself because another tab opened a newer schema
   * version. The page should reload to pick up the new code.
   */
  readonly onVersionChange?: () => void;
  /** Called when the connection closed for any reason, including the browser ending it. */
  readonly onClose?: () => void;
}

/**
 * Opens (and creates or upgrades) the keystore database.
 *
 * When another tab holds an older version open and does not close it, the upgrade is blocked: the
 * returned promise then rejects with StorageError `ERR_STORAGE_BLOCKED` at once, rather than
 * hanging until that tab closes. A connection that opens later is closed straight away. This
 * module's own connections close themselves on `versionchange`, so that they do not block a
 * newer tab.
 */
export function openKeystoreDatabase(
  options: OpenDatabaseOptions,
): Promise<IDBPDatabase<KeystoreSchema>> {
  return new Promise((resolve, reject) => {
    let request: IDBOpenDBRequest;
    try {
      request = options.factory.open(options.name, SCHEMA_VERSION);
    } catch (error) {
      reject(toStorageError(error, 'open'));
      return;
    }

    let blocked = false;
    request.onupgradeneeded = (event) => runUpgrade(request, event.oldVersion, options.now);
    request.onblocked = () => {
      blocked = true;
      reject(
        new StorageError(
          'keystore upgrade blocked: another tab keeps an older version open, close that tab',
          { code: 'ERR_STORAGE_BLOCKED' },
        ),
      );
    };
    request.onerror = () => reject(toStorageError(request.error, 'open'));
    request.onsuccess = () => {
      const db = request.result;
      if (blocked) {
        db.close();
        return;
      }
      watchConnection(db, options);
      resolve(wrap(db) as IDBPDatabase<KeystoreSchema>);
    };
  });
}

function runUpgrade(request: IDBOpenDBRequest, oldVersion: number, now: Date): void {
  const rawTransaction = request.transaction;
  if (rawTransaction === null) return;
  const transaction = wrap(rawTransaction) as unknown as IDBPTransaction<
    unknown,
    string[],
    'versionchange'
  >;
  const db: IDBPDatabase<unknown> = wrap(request.result);

  upgradeSchema(db, oldVersion, transaction, now).catch(() => {
    // Aborting fails the open request with AbortError, and the database stays at its old
    // version with its old data.
    try {
      rawTransaction.abort();
    } catch {
      // The transaction already ended, so its own error reaches the open request.
    }
  });
}

function watchConnection(db: IDBDatabase, options: OpenDatabaseOptions): void {
  db.onversionchange = () => {
    db.close();
    options.onClose?.();
    options.onVersionChange?.();
  };
  db.onclose = () => options.onClose?.();
}
