/**
 * Revocation check of a signer path against certificate revocation lists that the caller supplies
 * (RFC 5280 §6.3). Delta CRLs, indirect CRLs, OCSP and fetching lists from distribution points
 * are not implemented.
 *
 * @module
 */

import { bytesEqual, hexEncode } from '../bytes.js';
import {
  CertificateRevokedError,
  CertificateUntrustedError,
  CmsParseError,
  NotSupportedError,
} from '../errors.js';
import { BoundedCache } from './bounded-cache.js';
import type { ParsedCertificate } from './certificate.js';
import { readCertificateDistributionPointNames } from './revocation-list-extensions.js';
import {
  type RevocationList,
  type RevocationListData,
  type RevokedEntry,
  isRevocationList,
  revocationListData,
  serialNumberKey,
} from './revocation-list.js';
import { verifyBytes } from './signature.js';

/**
 * Treatment of a certificate that no current list covers: `if-available` accepts it, and
 * `require` rejects it with CertificateUntrustedError. Either way a listed certificate is
 * rejected with CertificateRevokedError.
 */
export type RevocationMode = 'if-available' | 'require';

/** The lists and the mode of one revocation check. */
export interface RevocationPolicy {
  readonly lists: readonly RevocationList[];
  readonly mode: RevocationMode;
}

/**
 * Checks the revocation options of `caller` and returns the policy to apply, or undefined when
 * nothing is to be checked: no lists and the `if-available` mode, the default. Raises TypeError
 * for lists not made by `parseRevocationList` and for an unknown mode.
 */
export function revocationPolicy(
  lists: readonly RevocationList[] | undefined,
  mode: RevocationMode | undefined,
  caller: string,
): RevocationPolicy | undefined {
  if (lists !== undefined && (!Array.isArray(lists) || !lists.every(isRevocationList))) {
    throw new TypeError(
      `${caller}: options.revocationLists must be an array of lists from parseRevocationList`,
    );
  }
  if (mode !== undefined && mode !== 'if-available' && mode !== 'require') {
    throw new TypeError(`${caller}: options.revocation must be 'if-available' or 'require'`);
  }
  const effective = mode ?? 'if-available';
  if (effective === 'if-available' && (lists === undefined || lists.length === 0)) {
    return undefined;
  }
  return { lists: [...(lists ?? [])], mode: effective };
}

/** Revocation status of one certificate of the path. */
interface CertificateStatus {
  readonly certificate: ParsedCertificate;
  readonly issuer: ParsedCertificate;
  /** The entry that revokes the certificate at the time of the check, if any. */
  readonly revocation: RevokedEntry | undefined;
  /** True when a verified list covers the certificate and its nextUpdate has not passed. */
  readonly current: boolean;
}

// Signature checks of lists, by list and issuer certificate. Both outcomes are kept, so that a
// list with a bad signature costs one verification, not one per message.
const listSignatures = new BoundedCache<string, boolean>(256);

/**
 * Checks every certificate of `path` (signer first, trust anchor last) except the trust anchor
 * against the lists of its issuer, the next certificate of the path. A list counts for a
 * certificate only when all of these hold:
 *
 * - its issuer Name equals the certificate's issuer Name byte for byte;
 * - its thisUpdate is not after `time`;
 * - the issuer certificate permits cRLSign, when it has a keyUsage extension;
 * - its scope (issuingDistributionPoint) covers the certificate;
 * - its signature verifies with the issuer's key.
 *
 * Other lists are skipped and never used.
 * A listed certificate raises CertificateRevokedError, unless the entry is dated after `time`
 * or has the reason removeFromCRL. With `require`, a certificate that no counting list with a
 * nextUpdate at or after `time` covers raises CertificateUntrustedError. Revocation is reported
 * first when both apply.
 */
export async function checkRevocation(
  crypto: Crypto,
  path: readonly ParsedCertificate[],
  policy: RevocationPolicy,
  time: number,
): Promise<void> {
  const statuses: CertificateStatus[] = [];
  for (const [index, certificate] of path.entries()) {
    const issuer = path[index + 1];
    if (issuer === undefined) break;
    statuses.push(await statusOf(crypto, certificate, issuer, policy.lists, time));
  }

  for (const { certificate, revocation } of statuses) {
    if (revocation !== undefined) {
      throw new CertificateRevokedError(revokedMessage(certificate, revocation));
    }
  }
  if (policy.mode !== 'require') return;
  const unknown = statuses.find((status) => !status.current);
  if (unknown !== undefined) {
    throw new CertificateUntrustedError(
      'revocation status unknown: no current verified CRL for certificate ' +
        `${describeCertificate(unknown.certificate)} from issuer ${unknown.issuer.subject}`,
    );
  }
}

/**
 * Names a certificate in an error message by subject and serial number. The subject comes
 * from `formatName`, which has replaced control characters.
 */
export function describeCertificate(certificate: ParsedCertificate): string {
  const subject = certificate.subject === '' ? 'with an empty subject' : certificate.subject;
  return `${subject} (serial ${hexEncode(certificate.serialNumber)})`;
}

function revokedMessage(certificate: ParsedCertificate, entry: RevokedEntry): string {
  const date = new Date(entry.revocationDate).toISOString();
  const name = describeCertificate(certificate);
  if (entry.reason === 'certificateHold') return `certificate ${name} is on hold since ${date}`;
  const reason = entry.reason === undefined ? '' : `, reason ${entry.reason}`;
  return `certificate ${name} was revoked on ${date}${reason}`;
}

async function statusOf(
  crypto: Crypto,
  certificate: ParsedCertificate,
  issuer: ParsedCertificate,
  lists: readonly RevocationList[],
  time: number,
): Promise<CertificateStatus> {
  const verified: RevocationListData[] = [];
  for (const list of lists) {
    const data = revocationListData(list);
    if (countsFor(data, certificate, issuer, time) && (await isSignedBy(crypto, data, issuer))) {
      verified.push(data);
    }
  }
  const serial = serialNumberKey(certificate.serialNumber);
  return {
    certificate,
    issuer,
    revocation: findRevocation(verified, serial, time),
    current: verified.some((list) => list.nextUpdate !== undefined && time <= list.nextUpdate),
  };
}

/** Applies the checks of {@link checkRevocation} that need no signature verification. */
function countsFor(
  list: RevocationListData,
  certificate: ParsedCertificate,
  issuer: ParsedCertificate,
  time: number,
): boolean {
  if (!bytesEqual(list.issuerName, certificate.issuerName) || list.thisUpdate > time) return false;
  // RFC 5280 §6.3.3 (f): the key that signs a list must be allowed to sign lists.
  if (issuer.keyUsage !== undefined && !issuer.keyUsage.has('cRLSign')) return false;
  // A list whose authorityKeyIdentifier names another key of the issuer cannot verify here.
  const authorityKey = list.authorityKeyIdentifier;
  const issuerKey = issuer.subjectKeyIdentifier;
  if (
    authorityKey !== undefined &&
    issuerKey !== undefined &&
    !bytesEqual(authorityKey, issuerKey)
  ) {
    return false;
  }
  return coversCertificate(list, certificate);
}

/** Checks the scope of a list's issuingDistributionPoint (RFC 5280 §6.3.3 (b)(2)). */
function coversCertificate(list: RevocationListData, certificate: ParsedCertificate): boolean {
  const { distributionPointNames, onlyUserCertificates, onlyCaCertificates } = list.scope;
  if (onlyUserCertificates && certificate.isCa) return false;
  if (onlyCaCertificates && !certificate.isCa) return false;
  if (distributionPointNames === undefined) return true;
  // A list of one distribution point covers the certificates that name that point.
  const named = distributionPointsOf(certificate);
  return distributionPointNames.some((name) => named.some((other) => bytesEqual(name, other)));
}

function distributionPointsOf(certificate: ParsedCertificate): readonly Uint8Array[] {
  if (certificate.crlDistributionPoints === undefined) return [];
  try {
    return readCertificateDistributionPointNames(certificate.crlDistributionPoints);
  } catch (error) {
    // An unreadable extension names no point, so scoped lists do not cover the certificate.
    if (error instanceof CmsParseError) return [];
    throw error;
  }
}

// NOTE: a list counts only when the key of the certificate's issuer signed it. RFC 5280 §6.3.3
// (f) also allows another key of the same CA, with its own path, which is not implemented.
async function isSignedBy(
  crypto: Crypto,
  list: RevocationListData,
  issuer: ParsedCertificate,
): Promise<boolean> {
  // The list key has a fixed length, so the joined key is unambiguous.
  const cacheKey = list.cacheKey + issuer.cacheKey;
  const known = listSignatures.get(cacheKey);
  if (known !== undefined) return known;

  let verified: boolean;
  try {
    verified = await verifyBytes(crypto, issuer, list.scheme, list.signatureValue, list.tbs);
  } catch (error) {
    // A key of another type than the signature algorithm, or one WebCrypto cannot import,
    // cannot have made the signature.
    if (!(error instanceof NotSupportedError)) throw error;
    verified = false;
  }
  listSignatures.set(cacheKey, verified);
  return verified;
}

/**
 * Returns the entry that revokes `serial` at `time`. Revocation is final for every reason but
 * certificateHold, so such an entry counts in any list. A hold counts only in the newest lists,
 * because a later list that leaves the serial out releases it (RFC 5280 §5.3.1). An entry with
 * removeFromCRL, or dated after `time`, revokes nothing.
 */
function findRevocation(
  lists: readonly RevocationListData[],
  serial: string,
  time: number,
): RevokedEntry | undefined {
  const newest = Math.max(...lists.map((list) => list.thisUpdate));
  for (const list of lists) {
    const entry = list.revoked.get(serial);
    if (entry === undefined || entry.revocationDate > time) continue;
    if (entry.reason === 'removeFromCRL') continue;
    if (entry.reason === 'certificateHold' && list.thisUpdate < newest) continue;
    return entry;
  }
  return undefined;
}
