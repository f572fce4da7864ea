/**
 * Trust anchors and the peer keyring.
 *
 * A peer's first certificate is recorded as it arrives. A different certificate for the same
 * address-of-record is never stored silently (RFC 3261 §23.2): it raises CertificateChangedError
 * until the caller accepts the change explicitly.
 *
 * @module
 */

import { CertificateChangedError, pemDecode } from '@mcptt-smime/smime';

import { canonicalAddressOfRecord, requireAddressOfRecord } from './address-of-record.js';
import { bytesEqual } from './bytes.js';
import { certificateFingerprint, summarizeCertificate } from './certificate.js';
import type { StoreContext } from './context.js';
import { storageStep } from './storage-error.js';

/** Options of {@link setPeerCertificate}. */
export interface SetPeerCertificateOptions {
  /** Replaces a different stored certificate instead of raising CertificateChangedError. */
  readonly replace?: boolean;
}

/** Decodes a certificate given as DER or as PEM text. Raises CmsParseError on bad input. */
export function certificateBytes(certificate: Uint8Array | string): Uint8Array {
  if (typeof certificate !== 'string') return certificate;
  const [der] = pemDecode(certificate, 'CERTIFICATE');
  return der as Uint8Array;
}

/** Stores a trust anchor and returns its SHA-256 fingerprint, the key to remove it by. */
export async function addTrustAnchor(
  context: StoreContext,
  certificate: Uint8Array | string,
): Promise<string> {
  const der = certificateBytes(certificate);
  const { notAfter } = summarizeCertificate(der);
  const fingerprint = await certificateFingerprint(context.crypto, der);

  const db = await context.database();
  await storageStep('trust anchor write', () =>
    db.put('trustAnchors', { fingerprint, certificate: der, notAfter }),
  );
  return fingerprint;
}

/** Removes a trust anchor by its SHA-256 fingerprint (lowercase hex). */
export async function removeTrustAnchor(context: StoreContext, fingerprint: string): Promise<void> {
  const db = await context.database();
  await storageStep('trust anchor delete', () => db.delete('trustAnchors', fingerprint));
}

/** Returns the DER of every trust anchor. */
export async function getTrustAnchors(context: StoreContext): Promise<Uint8Array[]> {
  const db = await context.database();
  const records = await storageStep('trust anchor read', () => db.getAll('trustAnchors'));
  return records.map((record) => record.certificate);
}

/** Returns the stored certificate of a peer, or undefined, also for a URI that is not SIP. */
export async function getPeerCertificate(
  context: StoreContext,
  addressOfRecord: string,
): Promise<Uint8Array | undefined> {
  const key = canonicalAddressOfRecord(addressOfRecord);
  if (key === undefined) return undefined;
  const db = await context.database();
  const record = await storageStep('peer read', () => db.get('peers', key));
  return record?.certificate;
}

/**
 * Stores a peer certificate. A first certificate, or the same one again, is stored. A different
 * one raises CertificateChangedError unless `options.replace` is set, and the stored one stays.
 */
export async function setPeerCertificate(
  context: StoreContext,
  addressOfRecord: string,
  certificate: Uint8Array,
  options: SetPeerCertificateOptions = {},
): Promise<void> {
  const key = requireAddressOfRecord(addressOfRecord);
  const { notAfter } = summarizeCertificate(certificate);
  const record = { addressOfRecord: key, certificate, notAfter, storedAt: context.now() };

  const db = await context.database();
  await storageStep('peer write', async () => {
    const transaction = db.transaction('peers', 'readwrite');
    const previous = await transaction.store.get(key);
    if (previous !== undefined && !bytesEqual(previous.certificate, certificate)) {
      if (options.replace !== true) {
        transaction.abort();
        await transaction.done.catch(() => undefined);
        throw new CertificateChangedError(
          `certificate for ${key} differs from the stored one: accept the change explicitly`,
        );
      }
    }
    if (previous === undefined || !bytesEqual(previous.certificate, certificate)) {
      await transaction.store.put(record);
    }
    await transaction.done;
  });
}

/** Removes the stored certificate of a peer. */
export async function removePeerCertificate(
  context: StoreContext,
  addressOfRecord: string,
): Promise<void> {
  const key = requireAddressOfRecord(addressOfRecord);
  const db = await context.database();
  await storageStep('peer delete', () => db.delete('peers', key));
}
