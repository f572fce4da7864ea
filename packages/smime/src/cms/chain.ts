/**
 * Certificate path validation (RFC 5280 §6, reduced to what S/MIME signer and recipient checks need):
 * names chained by exact DER match, signatures, validity at a given time, CA flags, key usage,
 * critical extensions and pathLenConstraint, and revocation against the caller's CRLs
 * (`revocation.ts`). Policies are not checked, and a CA with nameConstraints is rejected because
 * they are not enforced.
 *
 * @module
 */

import { bytesEqual } from '../bytes.js';
import { checkCertificateList, checkedDate } from '../option-checks.js';
import { CertificateUntrustedError, NotSupportedError } from '../errors.js';
import { MAX_CHAIN_LENGTH } from '../limits.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { BoundedCache } from './bounded-cache.js';
import { OID_ANY_EXTENDED_KEY_USAGE, OID_KP_EMAIL_PROTECTION } from './oids.js';
import type { RevocationList } from './revocation-list.js';
import {
  type RevocationMode,
  type RevocationPolicy,
  checkRevocation,
  describeCertificate,
  revocationPolicy,
} from './revocation.js';
import { resolveSignatureScheme, verifyBytes } from './signature.js';

interface ValidatedChain {
  /** The path found: signer first, trust anchor last. */
  readonly path: readonly ParsedCertificate[];
  /** Interval in which every certificate of the path is valid. */
  readonly notBefore: number;
  readonly notAfter: number;
}

// Successful path validations, keyed by signer, anchors and intermediates. A path stays valid while `now` lies
// in every certificate's validity period. Revocation also depends on time and on the lists, so
// it is not cached here: it is checked on every call, on the cached path as well.
const validatedChains = new BoundedCache<string, ValidatedChain>(128);

/**
 * Purpose of a checked certificate. `signing` checks the keyUsage and extKeyUsage that S/MIME
 * signing needs, and `encryption` those that key agreement (EC) or key transport (RSA) needs.
 */
export type CertificatePurpose = 'signing' | 'encryption';

/** Short keys of parsed certificates, so that a chain's cache key does not repeat their DER. */
const certificateIds = new WeakMap<ParsedCertificate, number>();
let lastCertificateId = 0;

/**
 * Returns a number that stands for this parsed certificate. A parse cache keeps one object per
 * DER and never changes it, so equal numbers mean equal certificates.
 */
function certificateId(certificate: ParsedCertificate): number {
  let id = certificateIds.get(certificate);
  if (id === undefined) {
    id = ++lastCertificateId;
    certificateIds.set(certificate, id);
  }
  return id;
}

/**
 * Validates the signer certificate at `now` and searches a path from it to one of `anchors`
 * through `intermediates`. Returns true when a path exists and false when the issuer of some
 * certificate on the way is unknown. An expired or not yet valid certificate, a signer whose
 * keyUsage or extKeyUsage forbids S/MIME signing (or, with `purpose` `encryption`, the key
 * agreement or key transport of its key type), an issuer that is no CA, a certificate signature
 * that does not verify, or a path longer than MAX_CHAIN_LENGTH raises CertificateUntrustedError.
 * So do an unhandled critical extension, a broken pathLenConstraint and a CA with nameConstraints.
 *
 * With `revocation`, every certificate of the path but the trust anchor is checked against the
 * lists (see `checkRevocation`): a revoked one raises CertificateRevokedError. A signer without a
 * path then raises CertificateUntrustedError instead of returning false, because no issuer key can
 * verify a list for it.
 */
export async function validateSignerChain(
  crypto: Crypto,
  signer: ParsedCertificate,
  intermediates: readonly ParsedCertificate[],
  anchors: readonly ParsedCertificate[],
  now: Date,
  revocation?: RevocationPolicy,
  purpose: CertificatePurpose = 'signing',
): Promise<boolean> {
  const time = now.getTime();
  // The intermediates are part of the key: a path built from a replayed message's old, revoked
  // intermediate must not stand in for the path of the signer's own messages. The groups stay
  // apart, so that a certificate sent as an intermediate never matches one given as an anchor.
  const cacheKey = [
    purpose === 'signing' ? certificateId(signer) : `${certificateId(signer)} ${purpose}`,
    anchors.map(certificateId).join(' '),
    intermediates.map(certificateId).join(' '),
  ].join('|');
  const cached = validatedChains.get(cacheKey);
  let path: readonly ParsedCertificate[] | undefined;
  if (cached !== undefined && time >= cached.notBefore && time <= cached.notAfter) {
    path = cached.path;
  } else {
    path = await validatePath(crypto, signer, intermediates, anchors, time, purpose);
    if (path !== undefined) validatedChains.set(cacheKey, validityOf(path));
  }

  if (path === undefined) {
    // With lists, a signer without a path is rejected in either mode: no issuer key can verify a
    // list for it, so a pinned certificate or the decision hook would let a revoked one through.
    if (revocation !== undefined) {
      throw new CertificateUntrustedError(
        `revocation status unknown: signer certificate ${describeCertificate(signer)} ` +
          'has no path to a trust anchor',
      );
    }
    return false;
  }
  if (revocation !== undefined) await checkRevocation(crypto, path, revocation, time);
  return true;
}

async function validatePath(
  crypto: Crypto,
  signer: ParsedCertificate,
  intermediates: readonly ParsedCertificate[],
  anchors: readonly ParsedCertificate[],
  time: number,
  purpose: CertificatePurpose,
): Promise<ParsedCertificate[] | undefined> {
  checkValidity(signer, time);
  if (purpose === 'signing') checkSignerUsage(signer);
  else checkRecipientUsage(signer);
  checkCriticalExtensions(signer);
  return findPath(crypto, signer, intermediates, anchors, time);
}

function validityOf(path: readonly ParsedCertificate[]): ValidatedChain {
  return {
    path,
    notBefore: Math.max(...path.map((certificate) => certificate.notBefore.getTime())),
    notAfter: Math.min(...path.map((certificate) => certificate.notAfter.getTime())),
  };
}

/**
 * Searches a path from `signer` to one of `anchors` through `intermediates`, depth first. At each
 * step the anchors come first, then each intermediate whose subject is the issuer. So an expired
 * copy of a renewed CA, or an unrelated anchor of the same name, cannot hide a valid path.
 * Returns undefined when no certificate names the issuer of some certificate on the way. When
 * candidates matched by name but none completed a path, raises the first of their failures, such
 * as an invalid signature or an expired issuer.
 */
async function findPath(
  crypto: Crypto,
  signer: ParsedCertificate,
  intermediates: readonly ParsedCertificate[],
  anchors: readonly ParsedCertificate[],
  time: number,
): Promise<ParsedCertificate[] | undefined> {
  if (anchors.some((anchor) => anchor.cacheKey === signer.cacheKey)) return [signer];
  const search: PathSearch = {
    crypto,
    intermediates,
    anchors,
    time,
    dead: new Map(),
    checked: new Map(),
    cutShort: false,
  };
  const path = await extendPath(search, [signer]);
  if (path !== undefined) return path;
  if (search.failure !== undefined) throw search.failure;
  return undefined;
}

/** State of one path search. */
interface PathSearch {
  readonly crypto: Crypto;
  readonly intermediates: readonly ParsedCertificate[];
  readonly anchors: readonly ParsedCertificate[];
  readonly time: number;
  /**
   * Intermediates from which no path was found, with the length of the path that reached them.
   * Reached again by a path at least as long, one is skipped, so that certificates that name one
   * another cannot make the search try every ordering of them. A search that failed without
   * reaching MAX_CHAIN_LENGTH is recorded at length 0, which skips the intermediate for good.
   */
  readonly dead: Map<ParsedCertificate, number>;
  /** Outcome of {@link issuerProblem} by pair of certificates, so that each pair is checked once. */
  readonly checked: Map<string, CertificateUntrustedError | undefined>;
  /** The first reason a candidate that matched by name was not taken. */
  failure?: CertificateUntrustedError;
  /** True when the search below the current certificate stopped at MAX_CHAIN_LENGTH. */
  cutShort: boolean;
}

async function extendPath(
  search: PathSearch,
  path: readonly ParsedCertificate[],
): Promise<ParsedCertificate[] | undefined> {
  const current = path[path.length - 1] as ParsedCertificate;
  for (const anchor of issuersNamed(search.anchors, current)) {
    const complete = [...path, anchor];
    const problem =
      (await issuerProblem(search, anchor, current, false)) ?? pathConstraintProblem(complete);
    if (problem === undefined) return complete;
    search.failure ??= problem;
  }
  for (const issuer of issuersNamed(search.intermediates, current)) {
    if (path.includes(issuer) || path.length >= (search.dead.get(issuer) ?? Infinity)) continue;
    if (path.length >= MAX_CHAIN_LENGTH) {
      search.failure ??= new CertificateUntrustedError(
        'certificate chain exceeds MAX_CHAIN_LENGTH',
      );
      search.cutShort = true;
      return undefined;
    }
    const problem = await issuerProblem(search, issuer, current, true);
    if (problem !== undefined) {
      search.failure ??= problem;
      continue;
    }
    const cutShortBefore = search.cutShort;
    search.cutShort = false;
    const found = await extendPath(search, [...path, issuer]);
    if (found !== undefined) return found;
    // A search cut short by the length limit may still succeed from a shorter path.
    search.dead.set(issuer, search.cutShort ? path.length : 0);
    search.cutShort ||= cutShortBefore;
  }
  return undefined;
}

/** Returns the candidates whose subject is the certificate's issuer. */
function issuersNamed(
  candidates: readonly ParsedCertificate[],
  certificate: ParsedCertificate,
): ParsedCertificate[] {
  return candidates.filter((candidate) =>
    bytesEqual(candidate.subjectName, certificate.issuerName),
  );
}

/**
 * Returns why `issuer` cannot be the next certificate of the path above `certificate`, or
 * undefined when it can. The checks are its signature on the certificate and its validity at the
 * search's time. An intermediate must also be a CA allowed to sign certificates.
 */
async function issuerProblem(
  search: PathSearch,
  issuer: ParsedCertificate,
  certificate: ParsedCertificate,
  intermediate: boolean,
): Promise<CertificateUntrustedError | undefined> {
  const key = `${String(certificateId(issuer))} ${String(certificateId(certificate))} ${String(intermediate)}`;
  if (search.checked.has(key)) return search.checked.get(key);
  const problem = await findIssuerProblem(search, issuer, certificate, intermediate);
  search.checked.set(key, problem);
  return problem;
}

async function findIssuerProblem(
  search: PathSearch,
  issuer: ParsedCertificate,
  certificate: ParsedCertificate,
  intermediate: boolean,
): Promise<CertificateUntrustedError | undefined> {
  try {
    if (!(await verifiesCertificate(search.crypto, issuer, certificate))) {
      return new CertificateUntrustedError('certificate signature is invalid');
    }
    checkValidity(issuer, search.time);
    if (intermediate) checkIssuer(issuer);
    return undefined;
  } catch (error) {
    if (error instanceof CertificateUntrustedError) return error;
    throw error;
  }
}

/** Returns the failure of {@link checkPathConstraints} for a complete path, or undefined. */
function pathConstraintProblem(
  path: readonly ParsedCertificate[],
): CertificateUntrustedError | undefined {
  try {
    checkPathConstraints(path);
    return undefined;
  } catch (error) {
    if (error instanceof CertificateUntrustedError) return error;
    throw error;
  }
}

async function verifiesCertificate(
  crypto: Crypto,
  issuer: ParsedCertificate,
  certificate: ParsedCertificate,
): Promise<boolean> {
  try {
    const scheme = resolveSignatureScheme(certificate.signatureAlgorithm, undefined);
    return await verifyBytes(crypto, issuer, scheme, certificate.signatureValue, certificate.tbs);
  } catch (error) {
    if (error instanceof NotSupportedError) {
      throw new CertificateUntrustedError('certificate signature algorithm not supported', {
        cause: error,
      });
    }
    throw error;
  }
}

function checkValidity(certificate: ParsedCertificate, time: number): void {
  if (time < certificate.notBefore.getTime()) {
    throw new CertificateUntrustedError('certificate is not yet valid');
  }
  if (time > certificate.notAfter.getTime()) {
    throw new CertificateUntrustedError('certificate has expired');
  }
}

function checkIssuer(issuer: ParsedCertificate): void {
  if (!issuer.isCa) throw new CertificateUntrustedError('issuer certificate is not a CA');
  if (issuer.keyUsage !== undefined && !issuer.keyUsage.has('keyCertSign')) {
    throw new CertificateUntrustedError('issuer certificate keyUsage lacks keyCertSign');
  }
}

function checkCriticalExtensions(certificate: ParsedCertificate): void {
  // RFC 5280 §4.2: a certificate with a critical extension that is not processed must be rejected.
  if (certificate.unhandledCriticalExtensions.length > 0) {
    throw new CertificateUntrustedError('certificate has an unsupported critical extension');
  }
}

/**
 * Checks the constraints that span the path `[signer, ...issuers, anchor]`: critical extensions
 * on every certificate, nameConstraints and pathLenConstraint on every CA (RFC 5280 §6.1.4).
 */
function checkPathConstraints(path: readonly ParsedCertificate[]): void {
  let intermediatesBelow = 0;
  path.forEach((certificate, index) => {
    checkCriticalExtensions(certificate);
    if (index === 0) return;
    // NOTE: nameConstraints are not enforced, so a CA that has them is rejected (fail closed).
    if (certificate.hasNameConstraints) {
      throw new CertificateUntrustedError('CA certificate nameConstraints not supported');
    }
    const limit = certificate.pathLengthConstraint;
    if (limit !== undefined && intermediatesBelow > limit) {
      throw new CertificateUntrustedError('certificate chain exceeds a CA pathLenConstraint');
    }
    // RFC 5280 §4.2.1.9: self-issued intermediate certificates do not count against the limit.
    if (!bytesEqual(certificate.subjectName, certificate.issuerName)) intermediatesBelow += 1;
  });
}

/**
 * Returns why the usages of `signer` forbid S/MIME signing, as unprotect words it in
 * CertificateUntrustedError, or undefined when they allow it. RFC 8550 §4.4.2 and §4.4.4: a
 * keyUsage extension must allow digitalSignature or nonRepudiation, and an extKeyUsage extension
 * must list emailProtection or anyExtendedKeyUsage.
 *
 * NOTE: a certificate with basicConstraints cA true is accepted as a message signer, while the
 * CLI's `--recipient` rejects CA certificates.
 */
export function signerUsageProblem(signer: ParsedCertificate): string | undefined {
  const usage = signer.keyUsage;
  if (usage !== undefined && !usage.has('digitalSignature') && !usage.has('nonRepudiation')) {
    return 'signer certificate keyUsage forbids signing';
  }
  return emailProtectionProblem(signer, 'signer');
}

/** Raises CertificateUntrustedError when the usages of `signer` forbid S/MIME signing. */
function checkSignerUsage(signer: ParsedCertificate): void {
  const problem = signerUsageProblem(signer);
  if (problem !== undefined) throw new CertificateUntrustedError(problem);
}

/**
 * RFC 8550 §4.4.2 and §4.4.4 for a recipient: a keyUsage extension must allow keyAgreement for an
 * EC key and keyEncipherment for an RSA key, and an extKeyUsage extension must list
 * emailProtection or anyExtendedKeyUsage.
 */
function checkRecipientUsage(recipient: ParsedCertificate): void {
  const usage = recipient.keyUsage;
  const needed = recipient.publicKeyAlgorithm.kind === 'ec' ? 'keyAgreement' : 'keyEncipherment';
  if (usage !== undefined && !usage.has(needed)) {
    throw new CertificateUntrustedError(`recipient certificate keyUsage forbids ${needed}`);
  }
  checkEmailProtection(recipient, 'recipient');
}

/** Raises CertificateUntrustedError for an extKeyUsage without emailProtection or any purpose. */
function checkEmailProtection(certificate: ParsedCertificate, role: 'signer' | 'recipient'): void {
  const problem = emailProtectionProblem(certificate, role);
  if (problem !== undefined) throw new CertificateUntrustedError(problem);
}

/** Returns the reason to reject an extKeyUsage without emailProtection or any purpose. */
function emailProtectionProblem(
  certificate: ParsedCertificate,
  role: 'signer' | 'recipient',
): string | undefined {
  const purposes = certificate.extendedKeyUsage;
  if (
    purposes !== undefined &&
    !purposes.includes(OID_KP_EMAIL_PROTECTION) &&
    !purposes.includes(OID_ANY_EXTENDED_KEY_USAGE)
  ) {
    return `${role} certificate extKeyUsage lacks emailProtection`;
  }
  return undefined;
}

/** Options of {@link checkCertificate}. */
export interface CheckCertificateOptions {
  readonly crypto: Crypto;
  /** DER of the certificate to check, such as a peer's stored certificate. */
  readonly certificate: Uint8Array;
  /** DER certificates that may complete the path, as a SignedData carries them. */
  readonly intermediates?: readonly Uint8Array[];
  /** DER certificates of the trust anchors. */
  readonly trustAnchors: readonly Uint8Array[];
  /** Time of the check, by default the current time. */
  readonly now?: Date;
  /** Revocation lists from `parseRevocationList`, checked as unprotect checks a signer. */
  readonly revocationLists?: readonly RevocationList[];
  readonly revocation?: RevocationMode;
  /**
   * Purpose of the certificate, by default `signing`. With `encryption`, its keyUsage must allow
   * key agreement (EC) or key encipherment (RSA) instead, as for a recipient of protect.
   */
  readonly purpose?: CertificatePurpose;
}

/**
 * Checks a certificate as unprotect checks a signer's: validity at `now`, key usage for signing
 * (or, with `purpose` `encryption`, for a recipient),
 * a path to one of `trustAnchors`, and with lists, revocation. Resolves when it passes, for
 * example to find out whether a certificate stored earlier is still good after newer lists
 * arrived. Raises CertificateRevokedError for a revoked certificate, CmsParseError for one that
 * does not parse, and CertificateUntrustedError for any other failure, a missing path included.
 * Raises TypeError for invalid options.
 *
 * @example
 * ```ts
 * // context: stored: Uint8Array, caDer: Uint8Array, revocationLists: RevocationList[]
 * await checkCertificate({ crypto, certificate: stored, trustAnchors: [caDer], revocationLists });
 * ```
 */
export async function checkCertificate(options: CheckCertificateOptions): Promise<void> {
  if (typeof options?.crypto?.subtle !== 'object') {
    throw new TypeError('checkCertificate: options.crypto must be a WebCrypto Crypto');
  }
  if (!(options.certificate instanceof Uint8Array)) {
    throw new TypeError('checkCertificate: options.certificate must be a DER certificate');
  }
  checkCertificateList(options.trustAnchors, 'checkCertificate', 'options.trustAnchors');
  if (options.intermediates !== undefined) {
    checkCertificateList(options.intermediates, 'checkCertificate', 'options.intermediates');
  }
  const policy = revocationPolicy(options.revocationLists, options.revocation, 'checkCertificate');
  const purpose = options.purpose ?? 'signing';
  if (purpose !== 'signing' && purpose !== 'encryption') {
    throw new TypeError("checkCertificate: options.purpose must be 'signing' or 'encryption'");
  }
  const trusted = await validateSignerChain(
    options.crypto,
    parseCertificate(options.certificate),
    (options.intermediates ?? []).map(parseCertificate),
    options.trustAnchors.map(parseCertificate),
    options.now === undefined
      ? new Date()
      : checkedDate(options.now, 'checkCertificate', 'options.now'),
    policy,
    purpose,
  );
  if (!trusted) {
    throw new CertificateUntrustedError('certificate does not chain to a trust anchor');
  }
}
