/**
 * Reports of certificates that expire soon, so that an application can renew an identity or ask
 * a peer for a new certificate before messages start to fail.
 *
 * @module
 */

import type { StoreContext } from './context.js';
import { storedExpiry } from './record-shape.js';
import { storageStep } from './storage-error.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Options of {@link expiringCertificates}. */
export interface ExpiringCertificatesOptions {
  /** How many days ahead of expiry a certificate is reported. Default 30. */
  readonly marginDays?: number;
  /** The time to compare with. Default: the keystore's clock. */
  readonly now?: Date;
}

/** One certificate that expires within the margin, or has expired. */
export interface ExpiringCertificate {
  readonly kind: 'identity' | 'peer' | 'trust-anchor';
  /** The identity's URI, the peer's address-of-record or the anchor's SHA-256 fingerprint. */
  readonly id: string;
  readonly certificate: Uint8Array;
  readonly notAfter: Date;
  /** True when `notAfter` is already in the past. */
  readonly expired: boolean;
}

/**
 * Lists every stored certificate whose notAfter falls before `now` plus the margin, soonest first.
 * A record whose expiry is not a valid date is listed as expired at the start of 1970, so that
 * the application offers to renew it, as for a version 1 certificate that no longer parses.
 */
export async function expiringCertificates(
  context: StoreContext,
  options: ExpiringCertificatesOptions = {},
): Promise<ExpiringCertificate[]> {
  const marginDays = options.marginDays ?? 30;
  if (!Number.isFinite(marginDays) || marginDays < 0) {
    throw new TypeError('marginDays must be a finite number of days, 0 or more');
  }
  const now = (options.now ?? context.now()).getTime();
  const limit = now + marginDays * DAY_MS;

  const db = await context.database();
  const { identities, peers, anchors } = await storageStep('expiry read', async () => {
    const transaction = db.transaction(['identities', 'peers', 'trustAnchors']);
    return {
      identities: await transaction.objectStore('identities').getAll(),
      peers: await transaction.objectStore('peers').getAll(),
      anchors: await transaction.objectStore('trustAnchors').getAll(),
    };
  });

  const all: ExpiringCertificate[] = [
    ...identities.map((r) => entry('identity', r.uri, r.certificate, r.notAfter, now)),
    ...peers.map((r) => entry('peer', r.addressOfRecord, r.certificate, r.notAfter, now)),
    ...anchors.map((r) => entry('trust-anchor', r.fingerprint, r.certificate, r.notAfter, now)),
  ];
  return all
    .filter((item) => item.notAfter.getTime() <= limit)
    .sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime());
}

function entry(
  kind: ExpiringCertificate['kind'],
  id: string,
  certificate: Uint8Array,
  notAfter: Date,
  now: number,
): ExpiringCertificate {
  const expiry = storedExpiry(notAfter);
  return { kind, id, certificate, notAfter: expiry, expired: expiry.getTime() < now };
}
