/**
 * Trust anchors and the peer keyring.
 *
 * A peer's first certificate is recorded as it arrives. A different certificate for the same
 * address-of-record is never stored silently (RFC 3261 §23.2): it raises CertificateChangedError
 * until the caller accepts the change explicitly.
 *
 * @module
 */

import {
  CertificateChangedError,
  IdentityMismatchError,
  certificateSipUris,
  pemDecode,
  trustAnchorProblem,
} from '@mcptt-smime/smime';

import { canonicalAddressOfRecord, requireAddressOfRecord } from './address-of-record.js';
import { bytesEqual } from './bytes.js';
import { certificateFingerprint, summarizeCertificate } from './certificate.js';
import type { StoreContext } from './context.js';
import { damagedRecordError, isSoundPeer, isSoundTrustAnchor } from './record-shape.js';
import type { TrustAnchorRecord } from './schema.js';
import { storageStep } from './storage-error.js';

/** Options of {@link setPeerCertificate}. */
export interface SetPeerCertificateOptions {
  /** Replaces a different stored certificate instead of raising CertificateChangedError. */
  readonly replace?: boolean;
}

/**
 * Decodes one certificate given as DER or as PEM text, the first of a PEM text. Raises
 * CmsParseError on a PEM text without a certificate, and TypeError on a value that is neither
 * bytes nor text.
 */
export function certificateBytes(certificate: Uint8Array | string): Uint8Array {
  const [der] = certificateList(certificate);
  return der as Uint8Array;
}

/**
 * Decodes every certificate of a DER certificate or a PEM text. Raises CmsParseError on a PEM text
 * without a certificate, and TypeError on a value that is neither bytes nor text.
 */
export function certificateList(certificate: Uint8Array | string): Uint8Array[] {
  if (typeof certificate === 'string') return pemDecode(certificate, 'CERTIFICATE');
  if (certificate instanceof Uint8Array) return [certificate];
  throw new TypeError('certificate must be DER bytes (Uint8Array) or PEM text');
}

/**
 * Stores trust anchors and returns the SHA-256 fingerprint of the first, the key to remove it by.
 * A PEM text may contain several certificates: each is checked, then all are stored in one
 * transaction, or none when one fails. Raises TypeError for a certificate that is not a CA
 * certificate (see `trustAnchorProblem` of `@mcptt-smime/smime`) and CmsParseError for one that does not parse.
 */
export async function addTrustAnchor(
  context: StoreContext,
  certificate: Uint8Array | string,
): Promise<string> {
  const certificates = certificateList(certificate);
  const records: TrustAnchorRecord[] = [];
  for (const [index, der] of certificates.entries()) {
    const { notAfter } = summarizeCertificate(der);
    const reason = trustAnchorProblem(der);
    if (reason !== undefined) {
      const position = certificates.length === 1 ? '' : ` ${index + 1} of ${certificates.length}`;
      throw new TypeError(`trust anchor${position} is not a CA certificate: ${reason}`);
    }
    const fingerprint = await certificateFingerprint(context.crypto, der);
    records.push({ fingerprint, certificate: der, notAfter });
  }

  const db = await context.database();
  await storageStep('trust anchor write', async () => {
    const transaction = db.transaction('trustAnchors', 'readwrite');
    await Promise.all([
      ...records.map((record) => transaction.store.put(record)),
      transaction.done,
    ]);
  });
  return (records[0] as TrustAnchorRecord).fingerprint;
}

/**
 * Returns a SHA-256 fingerprint as the lowercase hex key of the store. Accepts upper or lower
 * case, with or without colons or spaces between the bytes, and raises TypeError for anything
 * else.
 */
export function normalizeFingerprint(fingerprint: string): string {
  const hex = typeof fingerprint === 'string' ? fingerprint.replace(/[:\s]/g, '') : '';
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new TypeError('fingerprint must be a SHA-256 fingerprint: 64 hex digits');
  }
  return hex.toLowerCase();
}

/**
 * Removes a trust anchor by its SHA-256 fingerprint (see {@link normalizeFingerprint}) and
 * returns whether one was stored.
 */
export async function removeTrustAnchor(
  context: StoreContext,
  fingerprint: string,
): Promise<boolean> {
  const key = normalizeFingerprint(fingerprint);
  const db = await context.database();
  return storageStep('trust anchor delete', async () => {
    const transaction = db.transaction('trustAnchors', 'readwrite');
    const found = (await transaction.store.count(key)) > 0;
    if (found) await transaction.store.delete(key);
    await transaction.done;
    return found;
  });
}

/**
 * Returns the DER of every trust anchor. A damaged record, one whose certificate does not parse,
 * is left out, so that it cannot make every chain check fail.
 */
export async function getTrustAnchors(context: StoreContext): Promise<Uint8Array[]> {
  const db = await context.database();
  const records: unknown[] = await storageStep('trust anchor read', () =>
    db.getAll('trustAnchors'),
  );
  return records.filter(isSoundTrustAnchor).map((record) => record.certificate);
}

/**
 * Returns the stored certificate of a peer, or undefined, also for a URI that is not SIP. Raises
 * StorageError when the stored pin is not certificate bytes, rather than taking it for no pin.
 */
export async function getPeerCertificate(
  context: StoreContext,
  addressOfRecord: string,
): Promise<Uint8Array | undefined> {
  const key = canonicalAddressOfRecord(addressOfRecord);
  if (key === undefined) return undefined;
  const db = await context.database();
  const record: unknown = await storageStep('peer read', () => db.get('peers', key));
  if (record === undefined) return undefined;
  if (!isSoundPeer(record)) throw damagedRecordError(`certificate of peer ${key}`, 'remove it');
  return record.certificate;
}

/**
 * Stores a peer certificate. A first certificate, or the same one again, is stored. A different
 * one raises CertificateChangedError unless `options.replace` is set, and the stored one stays.
 * Raises IdentityMismatchError when no SIP URI of the certificate's subjectAltName is the
 * address-of-record, and TypeError when the certificate is not a Uint8Array. A damaged stored
 * pin raises StorageError and stays, unless `options.replace` is set.
 */
export async function setPeerCertificate(
  context: StoreContext,
  addressOfRecord: string,
  certificate: Uint8Array,
  options: SetPeerCertificateOptions = {},
): Promise<void> {
  const key = requireAddressOfRecord(addressOfRecord);
  if (!(certificate instanceof Uint8Array)) {
    throw new TypeError('certificate must be DER bytes (Uint8Array)');
  }
  const { notAfter } = summarizeCertificate(certificate);
  if (!certificateSipUris(certificate).some((uri) => canonicalAddressOfRecord(uri) === key)) {
    throw new IdentityMismatchError(`certificate subjectAltName lacks ${key}`);
  }
  const record = { addressOfRecord: key, certificate, notAfter, storedAt: context.now() };

  const db = await context.database();
  await storageStep('peer write', async () => {
    const transaction = db.transaction('peers', 'readwrite');
    const stored: unknown = await transaction.store.get(key);
    if (stored !== undefined && !isSoundPeer(stored) && options.replace !== true) {
      transaction.abort();
      await transaction.done.catch(() => undefined);
      throw damagedRecordError(`certificate of peer ${key}`, 'remove it');
    }
    const previous = isSoundPeer(stored) ? stored : undefined;
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
