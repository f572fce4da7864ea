/**
 * A key store whose pins the test can remove or overwrite behind the SDK's back, as an
 * application does with `IndexedDbKeyStore.removePeerCertificate` or `wipe()`.
 */
import {
  addressOfRecord,
  bytesEqual,
  CertificateChangedError,
  type KeyStore,
  type LocalIdentity,
} from '@mcptt-smime/smime';
import type { PinningKeyStore } from '../../src/core/smime-pipeline.js';

export class PinStore implements PinningKeyStore {
  readonly #keys: KeyStore;
  readonly #pins = new Map<string, Uint8Array>();

  /** Takes the identities and trust anchors from `keys`; the pins start empty. */
  constructor(keys: KeyStore) {
    this.#keys = keys;
  }

  getIdentity(uri: string): Promise<LocalIdentity | undefined> {
    return this.#keys.getIdentity(uri);
  }

  getTrustAnchors(): Promise<readonly Uint8Array[]> {
    return this.#keys.getTrustAnchors();
  }

  getPeerCertificate(aor: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.#pins.get(addressOfRecord(aor))?.slice());
  }

  setPeerCertificate(
    aor: string,
    certificate: Uint8Array,
    options: { readonly replace?: boolean } = {},
  ): Promise<void> {
    const key = addressOfRecord(aor);
    const pinned = this.#pins.get(key);
    if (pinned !== undefined && !bytesEqual(pinned, certificate) && options.replace !== true) {
      return Promise.reject(new CertificateChangedError('pinned certificate differs'));
    }
    this.#pins.set(key, certificate.slice());
    return Promise.resolve();
  }

  /** Removes the pin of `aor`, as the application does when the user withdraws trust. */
  removePeerCertificate(aor: string): void {
    this.#pins.delete(addressOfRecord(aor));
  }

  /** Pins `certificate` for `aor` whatever was pinned before, as an import by the application. */
  overwritePeerCertificate(aor: string, certificate: Uint8Array): void {
    this.#pins.set(addressOfRecord(aor), certificate.slice());
  }
}
