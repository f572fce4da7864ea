/**
 * The keystore class: the core's KeyStore interface on IndexedDB, plus enrolment, imports,
 * trust management and expiry reports.
 *
 * @module
 */

import type { IDBPDatabase } from 'idb';
import type { KeyStore, LocalIdentity, ReplayStore } from '@mcptt-smime/smime';

import { canonicalAddressOfRecord } from './address-of-record.js';
import type { StoreContext } from './context.js';
import { exportPkcs12, importPem, importPkcs12 } from './credentials.js';
import type { ImportOptions, PemCredential } from './credentials.js';
import { openKeystoreDatabase } from './database.js';
import {
  cancelEnrolment,
  completeEnrolment,
  createCertificateRequest,
  getPendingRequest,
} from './enrolment.js';
import type {
  CertificateRequest,
  CertificateRequestOptions,
  CompleteEnrolmentOptions,
} from './enrolment.js';
import { expiringCertificates } from './expiry.js';
import type { ExpiringCertificate, ExpiringCertificatesOptions } from './expiry.js';
import { deleteIdentity, getIdentity, listIdentities } from './identities.js';
import type { IdentityInfo } from './identities.js';
import { ReadCache } from './read-cache.js';
import { replayStoreOf } from './replay-records.js';
import { STORE_NAMES } from './schema.js';
import type { KeystoreSchema } from './schema.js';
import { storageStep } from './storage-error.js';
import * as trust from './trust-store.js';
import type { SetPeerCertificateOptions } from './trust-store.js';

/** Default IndexedDB database name. */
export const DEFAULT_DATABASE_NAME = 'mcptt-smime-keystore';

/** Options of {@link IndexedDbKeyStore.open}. */
export interface IndexedDbKeyStoreOptions {
  /** WebCrypto for every key operation, usually `globalThis.crypto`. */
  readonly crypto: Crypto;
  /** IndexedDB factory. Default `globalThis.indexedDB`. */
  readonly indexedDB?: IDBFactory;
  /** Database name. Default {@link DEFAULT_DATABASE_NAME}. */
  readonly databaseName?: string;
  /** Clock for validity checks and timestamps. Default `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * Called after this keystore closed its connection because another tab opened a newer schema
   * version. Later calls reopen the database and fail with StorageError until the page reloads.
   */
  readonly onVersionChange?: () => void;
}

/**
 * Identities with non-extractable private keys, trust anchors and a peer keyring, stored in
 * IndexedDB. No method returns private key material: {@link IndexedDbKeyStore.getIdentity}
 * returns non-extractable CryptoKeys, and only identities imported with `exportable: true` can
 * be written out, encrypted, by {@link IndexedDbKeyStore.exportPkcs12}.
 *
 * @example
 * ```ts
 * // context: issuedPem: string
 * const store = await IndexedDbKeyStore.open({ crypto: globalThis.crypto });
 * const request = await store.createCertificateRequest({ uri: 'sip:alice@example.org' });
 * // ... send request.pem to the CA, receive the certificate ...
 * await store.completeEnrolment({ uri: request.uri, certificate: issuedPem });
 * const identity = await store.getIdentity('sip:alice@example.org');
 * ```
 */
export class IndexedDbKeyStore implements KeyStore {
  readonly #options: IndexedDbKeyStoreOptions;
  readonly #factory: IDBFactory;
  readonly #context: StoreContext;
  readonly #cache: ReadCache;
  #connection: Promise<IDBPDatabase<KeystoreSchema>> | undefined;

  private constructor(options: IndexedDbKeyStoreOptions, factory: IDBFactory) {
    this.#options = options;
    this.#factory = factory;
    this.#cache = new ReadCache(options.databaseName ?? DEFAULT_DATABASE_NAME);
    this.#context = {
      crypto: options.crypto,
      now: options.now ?? (() => new Date()),
      database: () => this.#database(),
    };
  }

  /**
   * Opens the keystore, creating or upgrading its database. Raises TypeError naming the option
   * when an option has the wrong type, for instance a `crypto` without `subtle` or
   * `getRandomValues`. Raises StorageError with `ERR_STORAGE_BLOCKED` when another tab keeps an
   * older version open, and `ERR_STORAGE_FAILED` when IndexedDB is unavailable or the database is
   * newer than this code.
   */
  static async open(options: IndexedDbKeyStoreOptions): Promise<IndexedDbKeyStore> {
    const factory = checkOpenOptions(options);
    const store = new IndexedDbKeyStore(options, factory);
    await store.#database();
    return store;
  }

  #database(): Promise<IDBPDatabase<KeystoreSchema>> {
    if (this.#connection !== undefined) return this.#connection;
    const opening = openKeystoreDatabase({
      factory: this.#factory,
      name: this.#options.databaseName ?? DEFAULT_DATABASE_NAME,
      now: this.#context.now(),
      onClose: () => {
        this.#cache.clear();
        if (this.#connection === opening) this.#connection = undefined;
      },
      ...(this.#options.onVersionChange === undefined
        ? {}
        : { onVersionChange: this.#options.onVersionChange }),
    });
    this.#connection = opening;
    opening.catch(() => {
      if (this.#connection === opening) this.#connection = undefined;
    });
    return opening;
  }

  /**
   * Returns the identity of a SIP URI with its non-extractable keys, or undefined. After the first
   * read it comes from memory until a write to the database, by this keystore or another.
   */
  getIdentity(uri: string): Promise<LocalIdentity | undefined> {
    return this.#cache.identity(uri, () => getIdentity(this.#context, uri));
  }

  /** Runs a write, then drops the cached reads here and in the other keystores of the database. */
  async #write<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } finally {
      this.#cache.changed();
    }
  }

  /** Lists the stored identities without their keys. */
  listIdentities(): Promise<IdentityInfo[]> {
    return listIdentities(this.#context);
  }

  /** Removes an identity, its keys and any pending enrolment of its URI. */
  deleteIdentity(uri: string): Promise<void> {
    return this.#write(() => deleteIdentity(this.#context, uri));
  }

  /** Generates a key pair and returns a PKCS#10 request for it; see {@link createCertificateRequest}. */
  createCertificateRequest(options: CertificateRequestOptions): Promise<CertificateRequest> {
    return createCertificateRequest(this.#context, options);
  }

  /** Returns the pending certification request of a URI, or undefined. */
  getPendingRequest(uri: string): Promise<CertificateRequest | undefined> {
    return getPendingRequest(this.#context, uri);
  }

  /** Stores the issued certificate with the pending keys; see {@link completeEnrolment}. */
  completeEnrolment(options: CompleteEnrolmentOptions): Promise<IdentityInfo> {
    return this.#write(() => completeEnrolment(this.#context, options));
  }

  /** Drops a pending enrolment and its keys. */
  cancelEnrolment(uri: string): Promise<void> {
    return cancelEnrolment(this.#context, uri);
  }

  /** Imports a PBES2 PKCS#12 file; see {@link importPkcs12}. */
  importPkcs12(file: Uint8Array, password: string, options?: ImportOptions): Promise<IdentityInfo> {
    return this.#write(() => importPkcs12(this.#context, file, password, options));
  }

  /** Imports a PEM PKCS#8 key with its certificate; see {@link importPem}. */
  importPem(credential: PemCredential): Promise<IdentityInfo> {
    return this.#write(() => importPem(this.#context, credential));
  }

  /**
   * Writes an encrypted PKCS#12 backup of an exportable identity, as {@link exportPkcs12}
   * describes. The password must be a non-empty string.
   */
  exportPkcs12(uri: string, password: string): Promise<Uint8Array> {
    return exportPkcs12(this.#context, uri, password);
  }

  /**
   * Stores CA certificates (DER, or PEM with one or more) as trust anchors and returns the
   * SHA-256 fingerprint of the first. Raises TypeError, and stores none, when one of them is not
   * a CA certificate.
   */
  addTrustAnchor(certificate: Uint8Array | string): Promise<string> {
    return this.#write(() => trust.addTrustAnchor(this.#context, certificate));
  }

  /**
   * Removes a trust anchor by its SHA-256 fingerprint, in hex of either case with optional colons
   * or spaces, and returns whether one was stored. Raises TypeError for any other string.
   */
  removeTrustAnchor(fingerprint: string): Promise<boolean> {
    return this.#write(() => trust.removeTrustAnchor(this.#context, fingerprint));
  }

  /** Returns the DER of every trust anchor, from memory after the first read like identities. */
  getTrustAnchors(): Promise<readonly Uint8Array[]> {
    return this.#cache.trustAnchors(() => trust.getTrustAnchors(this.#context));
  }

  /**
   * Returns the stored certificate of a peer address-of-record, or undefined, also for a URI that
   * is not SIP. After the first read it comes from memory until a write, like identities.
   */
  async getPeerCertificate(addressOfRecord: string): Promise<Uint8Array | undefined> {
    const key = canonicalAddressOfRecord(addressOfRecord);
    if (key === undefined) return undefined;
    return this.#cache.peerCertificate(key, () =>
      trust.getPeerCertificate(this.#context, addressOfRecord),
    );
  }

  /**
   * Stores a peer certificate. A different certificate for a known address-of-record raises
   * CertificateChangedError unless `options.replace` is set. Raises IdentityMismatchError when
   * the certificate's subjectAltName does not list the address-of-record.
   */
  setPeerCertificate(
    addressOfRecord: string,
    certificate: Uint8Array,
    options?: SetPeerCertificateOptions,
  ): Promise<void> {
    return this.#write(() =>
      trust.setPeerCertificate(this.#context, addressOfRecord, certificate, options),
    );
  }

  /** Replaces a peer's stored certificate after the user accepted the change. */
  acceptChangedCertificate(addressOfRecord: string, certificate: Uint8Array): Promise<void> {
    return this.setPeerCertificate(addressOfRecord, certificate, { replace: true });
  }

  /** Removes a peer's stored certificate. */
  removePeerCertificate(addressOfRecord: string): Promise<void> {
    return this.#write(() => trust.removePeerCertificate(this.#context, addressOfRecord));
  }

  /** Lists certificates that expire within the margin (default 30 days), soonest first. */
  expiringCertificates(options?: ExpiringCertificatesOptions): Promise<ExpiringCertificate[]> {
    return expiringCertificates(this.#context, options);
  }

  /**
   * Returns a store of the requests that a client's replay guard remembers, for the SDK's
   * `replayStore` option, so that a page reload does not let the SIP core send them again.
   * Loading it deletes the records that expired and any of another shape, and replaces each
   * signer's records older than the newest 1,000 by one summary, so that it stays bounded.
   */
  replayStore(): ReplayStore {
    return replayStoreOf(this.#context);
  }

  /**
   * Removes every identity, pending enrolment, trust anchor, peer certificate and replay record,
   * for a logout.
   * The database itself stays, so that no other tab blocks the call.
   */
  async wipe(): Promise<void> {
    const db = await this.#database();
    await this.#write(() =>
      storageStep('wipe', async () => {
        const transaction = db.transaction([...STORE_NAMES], 'readwrite');
        await Promise.all(STORE_NAMES.map((name) => transaction.objectStore(name).clear()));
        await transaction.done;
      }),
    );
  }

  /**
   * Closes the database connection. A later call reopens it, and reads no longer come from
   * memory.
   */
  async close(): Promise<void> {
    this.#cache.close();
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection !== undefined) (await connection).close();
  }
}

/**
 * Raises TypeError naming the first option of the wrong type, and returns the IndexedDB factory
 * to use. Optional options may be absent but not of another type.
 */
function checkOpenOptions(options: IndexedDbKeyStoreOptions): IDBFactory {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('IndexedDbKeyStore.open: options must be an object');
  }
  const crypto = options.crypto as Partial<Crypto> | undefined;
  if (
    typeof crypto !== 'object' ||
    crypto === null ||
    typeof crypto.subtle !== 'object' ||
    crypto.subtle === null
  ) {
    throw new TypeError('IndexedDbKeyStore.open: options.crypto must be a Crypto with subtle');
  }
  if (typeof crypto.getRandomValues !== 'function') {
    throw new TypeError('IndexedDbKeyStore.open: options.crypto lacks getRandomValues');
  }
  if (
    options.databaseName !== undefined &&
    (typeof options.databaseName !== 'string' || options.databaseName === '')
  ) {
    throw new TypeError('IndexedDbKeyStore.open: options.databaseName must be a non-empty string');
  }
  for (const name of ['now', 'onVersionChange'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`IndexedDbKeyStore.open: options.${name} must be a function`);
    }
  }
  if (options.indexedDB !== undefined && typeof options.indexedDB?.open !== 'function') {
    throw new TypeError('IndexedDbKeyStore.open: options.indexedDB must be an IDBFactory');
  }
  const factory = options.indexedDB ?? globalThis.indexedDB;
  if (typeof factory?.open !== 'function') {
    throw new TypeError('IndexedDbKeyStore.open: no IndexedDB factory, pass options.indexedDB');
  }
  return factory;
}
