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
 * Besides the errors that each method names, every method rejects with StorageError when
 * IndexedDB fails: `ERR_STORAGE_QUOTA` when the storage quota is exceeded,
 * `ERR_STORAGE_DATA_CLONE` for a value that IndexedDB cannot clone, and `ERR_STORAGE_FAILED` for
 * any other failure. A method that takes a URI rejects with SipParseError (400) when it is not a
 * SIP or SIPS URI, except getIdentity, getPendingRequest and getPeerCertificate, which return
 * undefined for it.
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
   *
   * @param options - The WebCrypto `crypto`, and optionally the database name, a clock and a
   *   version-change callback.
   * @returns The open keystore.
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
   *
   * @param uri - SIP URI of the identity, compared as an address-of-record.
   * @throws StorageError (`ERR_STORAGE_FAILED`), leaving the record in place, when the stored
   *   record is damaged or one of its private keys is extractable.
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

  /**
   * Lists the stored identities without their keys, sorted by URI. A damaged record is left out.
   *
   * @returns The URI, certificate, chain, expiry and exportability of each identity.
   */
  listIdentities(): Promise<IdentityInfo[]> {
    return listIdentities(this.#context);
  }

  /**
   * Removes an identity, its keys and any pending enrolment of its URI. Nothing happens when the
   * URI has none.
   *
   * @param uri - SIP URI of the identity.
   */
  deleteIdentity(uri: string): Promise<void> {
    return this.#write(() => deleteIdentity(this.#context, uri));
  }

  /**
   * Generates a P-256 key pair, stores it non-extractable as a pending enrolment, and returns a
   * PKCS#10 request signed with ECDSA and SHA-256. A new request for the same URI replaces the
   * pending one, and an existing identity of that URI stays usable until the new certificate
   * arrives.
   *
   * @param options - SIP URI for the subjectAltName, and optionally the subject common name.
   * @returns The canonical URI, and the request as DER and as PEM for the CA.
   */
  createCertificateRequest(options: CertificateRequestOptions): Promise<CertificateRequest> {
    return createCertificateRequest(this.#context, options);
  }

  /**
   * Returns the pending certification request of a URI, for a resubmission, or undefined.
   *
   * @param uri - SIP URI of the enrolment.
   * @throws StorageError (`ERR_STORAGE_FAILED`) when the stored enrolment is damaged.
   */
  getPendingRequest(uri: string): Promise<CertificateRequest | undefined> {
    return getPendingRequest(this.#context, uri);
  }

  /**
   * Stores the issued certificate with the pending keys as the identity of the URI. The pending
   * keys stay in place after a failure. When `deleteIdentity`, `cancelEnrolment`, `wipe` or a
   * newer `createCertificateRequest` for the URI ran while the certificate was checked, nothing
   * is written.
   *
   * @param options - The URI, the issued certificate (DER or PEM) and optionally its chain.
   * @returns The stored identity, without its keys.
   * @throws KeyNotFoundError when no enrolment is pending for the URI, or it changed during the
   *   checks. CredentialInvalidError when the certificate's public key is not the pending one,
   *   its subjectAltName lacks the URI, it does not allow S/MIME by keyUsage and extKeyUsage, it
   *   is outside its validity period, or it does not chain to a trust anchor at the keystore's
   *   current time.
   */
  completeEnrolment(options: CompleteEnrolmentOptions): Promise<IdentityInfo> {
    return this.#write(() => completeEnrolment(this.#context, options));
  }

  /**
   * Drops a pending enrolment and its keys. Nothing happens when none is pending.
   *
   * @param uri - SIP URI of the enrolment.
   */
  cancelEnrolment(uri: string): Promise<void> {
    return cancelEnrolment(this.#context, uri);
  }

  /**
   * Imports a PKCS#12 file protected with PBES2 (AES-CBC and PBKDF2) and an HMAC, as the
   * identity of the URI in its certificate's subjectAltName.
   *
   * @param file - The DER bytes of the file.
   * @param password - The file's password, which may be empty.
   * @param options - `exportable: true` keeps an extractable copy of the key for
   *   {@link IndexedDbKeyStore.exportPkcs12}.
   * @returns The stored identity, without its keys.
   * @throws CredentialInvalidError for a wrong password, a file without exactly one private key,
   *   or a certificate that does not match the key or does not chain to a stored trust anchor.
   *   NotSupportedError for RC2 or 3DES encryption, or iteration counts past the limits in the
   *   README. CmsParseError for a file that is not PKCS#12, or that has bytes after its end.
   *   TypeError for a password that is not a string.
   */
  importPkcs12(file: Uint8Array, password: string, options?: ImportOptions): Promise<IdentityInfo> {
    return this.#write(() => importPkcs12(this.#context, file, password, options));
  }

  /**
   * Imports an unencrypted PEM PKCS#8 key with its certificate, as {@link
   * IndexedDbKeyStore.importPkcs12} does.
   *
   * @param credential - The key, the certificate and optional chain as PEM text, and the import
   *   options.
   * @returns The stored identity, without its keys.
   * @throws The errors of {@link IndexedDbKeyStore.importPkcs12}, and NotSupportedError for an
   *   encrypted PEM key.
   */
  importPem(credential: PemCredential): Promise<IdentityInfo> {
    return this.#write(() => importPem(this.#context, credential));
  }

  /**
   * Writes an encrypted PKCS#12 backup (PBES2 with AES-256-CBC and PBKDF2-SHA-256, HMAC-SHA-256
   * MAC) of an identity imported with `exportable: true`. Anyone with a copy of the file can try
   * passwords offline, so choose a long passphrase.
   *
   * @param uri - SIP URI of the identity.
   * @param password - A non-empty password.
   * @returns The DER bytes of the file.
   * @throws KeyNotFoundError for an unknown URI, NotExportableError for an identity imported
   *   without `exportable: true`, and TypeError for an empty password.
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
   *
   * @param addressOfRecord - SIP URI of the peer; parameters are ignored.
   * @throws StorageError (`ERR_STORAGE_FAILED`) when the stored pin is damaged.
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
   *
   * @param addressOfRecord - SIP URI of the peer.
   * @param certificate - DER of the peer's certificate.
   * @param options - `replace: true` replaces a different stored certificate.
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

  /**
   * Replaces a peer's stored certificate after the user accepted the change.
   *
   * @param addressOfRecord - SIP URI of the peer.
   * @param certificate - DER of the new certificate.
   * @throws IdentityMismatchError when its subjectAltName does not list the address-of-record.
   */
  acceptChangedCertificate(addressOfRecord: string, certificate: Uint8Array): Promise<void> {
    return this.setPeerCertificate(addressOfRecord, certificate, { replace: true });
  }

  /**
   * Removes a peer's stored certificate. Nothing happens when none is stored.
   *
   * @param addressOfRecord - SIP URI of the peer.
   */
  removePeerCertificate(addressOfRecord: string): Promise<void> {
    return this.#write(() => trust.removePeerCertificate(this.#context, addressOfRecord));
  }

  /**
   * Lists the stored certificates (identities, peers and trust anchors) that expire within the
   * margin or have expired, soonest first. A record whose expiry is not a valid date is listed as
   * expired at the start of 1970, so that the application offers to renew it.
   *
   * @param options - `marginDays` (30 by default) and `now` (the keystore's clock by default).
   * @returns One entry per certificate, with its kind, ID and expiry.
   */
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
