/**
 * A {@link KeyStore} in memory, for tests and for servers that load their keys from files.
 *
 * @module
 */

import { bytesEqual, cloneBytes } from '../bytes.js';
import { CertificateChangedError } from '../errors.js';
import { sameAddressOfRecord } from '../sip/address.js';
import type { KeyStore, LocalIdentity } from './key-store.js';

/** Options of {@link MemoryKeyStore.setPeerCertificate}. */
export interface SetPeerCertificateOptions {
  /** Replaces a different stored certificate. Set it only after the user or policy accepted the change. */
  readonly replace?: boolean;
}

/** Initial content of a {@link MemoryKeyStore}. */
export interface MemoryKeyStoreOptions {
  readonly identities?: readonly LocalIdentity[];
  /** DER of the trust anchors. */
  readonly trustAnchors?: readonly Uint8Array[];
}

interface PeerEntry {
  readonly addressOfRecord: string;
  certificate: Uint8Array;
}

/**
 * Keys, trust anchors and peer certificates held in memory. Peer certificates are pinned per
 * address-of-record (RFC 3261 §23.2): the first one is recorded, and a different one for the same
 * address-of-record raises `CertificateChangedError` unless the caller passes `{ replace: true }`.
 * Addresses-of-record are compared as RFC 3261 §19.1.4 compares URIs.
 *
 * @example
 * ```ts
 * // context: alice: LocalIdentity, caDer: Uint8Array, bobCertificateDer: Uint8Array
 * const store = new MemoryKeyStore({ identities: [alice], trustAnchors: [caDer] });
 * await store.setPeerCertificate('sip:bob@example.org', bobCertificateDer);
 * ```
 */
export class MemoryKeyStore implements KeyStore {
  readonly #identities: LocalIdentity[] = [];
  readonly #trustAnchors: Uint8Array[] = [];
  readonly #peers: PeerEntry[] = [];

  /**
   * @param options - Identities and trust anchors to add, as {@link MemoryKeyStore.addIdentity}
   *   and {@link MemoryKeyStore.addTrustAnchor} add them.
   */
  constructor(options: MemoryKeyStoreOptions = {}) {
    for (const identity of options.identities ?? []) this.addIdentity(identity);
    for (const anchor of options.trustAnchors ?? []) this.addTrustAnchor(anchor);
  }

  /** Adds or replaces the local identity of `identity.uri`. */
  addIdentity(identity: LocalIdentity): void {
    const index = this.#identities.findIndex((entry) =>
      sameAddressOfRecord(entry.uri, identity.uri),
    );
    if (index >= 0) this.#identities.splice(index, 1);
    this.#identities.push(identity);
  }

  /**
   * Adds a trust anchor (DER). Adding the same certificate twice keeps one copy.
   *
   * @param certificate - DER of a CA certificate.
   * @throws TypeError when `certificate` is not a Uint8Array.
   */
  addTrustAnchor(certificate: Uint8Array): void {
    if (!(certificate instanceof Uint8Array)) {
      throw new TypeError('certificate must be a Uint8Array');
    }
    if (this.#trustAnchors.some((anchor) => bytesEqual(anchor, certificate))) return;
    this.#trustAnchors.push(cloneBytes(certificate));
  }

  /** Returns the local identity whose URI has the same address-of-record as `uri`. */
  getIdentity(uri: string): Promise<LocalIdentity | undefined> {
    return Promise.resolve(this.#identities.find((entry) => sameAddressOfRecord(entry.uri, uri)));
  }

  /** Returns copies of the trust anchors. */
  getTrustAnchors(): Promise<readonly Uint8Array[]> {
    return Promise.resolve(this.#trustAnchors.map(cloneBytes));
  }

  /** Returns a copy of the certificate pinned for `addressOfRecord`, or undefined. */
  getPeerCertificate(addressOfRecord: string): Promise<Uint8Array | undefined> {
    const pinned = this.#findPeer(addressOfRecord)?.certificate;
    return Promise.resolve(pinned === undefined ? undefined : cloneBytes(pinned));
  }

  /**
   * Pins `certificate` for `addressOfRecord`. Storing the same certificate again does nothing.
   * A different certificate raises `CertificateChangedError` unless `options.replace` is set.
   */
  setPeerCertificate(
    addressOfRecord: string,
    certificate: Uint8Array,
    options: SetPeerCertificateOptions = {},
  ): Promise<void> {
    if (!(certificate instanceof Uint8Array)) {
      throw new TypeError('certificate must be a Uint8Array');
    }
    const entry = this.#findPeer(addressOfRecord);
    if (entry === undefined) {
      this.#peers.push({ addressOfRecord, certificate: cloneBytes(certificate) });
      return Promise.resolve();
    }
    if (bytesEqual(entry.certificate, certificate)) return Promise.resolve();
    if (options.replace !== true) {
      return Promise.reject(
        new CertificateChangedError(
          `certificate of ${addressOfRecord} differs from the stored one`,
        ),
      );
    }
    entry.certificate = cloneBytes(certificate);
    return Promise.resolve();
  }

  #findPeer(addressOfRecord: string): PeerEntry | undefined {
    return this.#peers.find((entry) => sameAddressOfRecord(entry.addressOfRecord, addressOfRecord));
  }
}
