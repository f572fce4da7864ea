/**
 * Decrypts and verifies the S/MIME parts of a received SIP message (RFC 3261 §23.2, §23.3).
 *
 * @module
 */

import type { RevocationList, RevocationMode } from '../cms/index.js';
import { revocationPolicy } from '../cms/revocation.js';
import { checkCertificateList, checkIdentity, checkMessage, readClock } from '../option-checks.js';
import {
  DowngradeError,
  HeaderMismatchError,
  IdentityMismatchError,
  LimitExceededError,
  NotSupportedError,
} from '../errors.js';
import type { MimeEntity } from '../mime/entity.js';
import { parseMultipart } from '../mime/multipart.js';
import { MAX_HEADER_COUNT, MAX_MESSAGE_BYTES } from '../limits.js';
import { parseNameAddress } from '../sip/address.js';
import { canonicalHeaderName } from '../sip/header-names.js';
import { parseSipUriOrUndefined, sameAddressOfRecord } from '../sip/sip-uri.js';
import type { SipHeader, SipMessage } from '../sip/message.js';
import type { LocalIdentity } from './key-store.js';
import { defaultProtectionPolicy } from './policy.js';
import { checkProtectedHeaders, readHeaderFragment } from './protected-headers.js';
import type { ReplayGuard } from './replay-guard.js';
import type { ProtectionPolicy } from './policy.js';
import { SecurityCollector } from './security.js';
import { checkSdpBinding } from './sdp-binding.js';
import type { SecurityInfo } from './security.js';
import { checkParsedSigner, expectedSigner } from './signer-check.js';
import type { CertificateDecision } from './signer-check.js';
import { messageBodyEntity, withEntityBody, withMultipartBody } from './sip-body.js';
import { createMultipartMixed } from './smime-entities.js';
import { concealUnauthenticatedFailure, unwrapEntity } from './unwrap.js';
import type { UnwrapContext, UnwrappedPart } from './unwrap.js';

/** Options of {@link unprotectMessage}. */
export interface UnprotectOptions {
  /** WebCrypto implementation for decryption, verification and randomness. */
  readonly crypto: Crypto;
  /** Local identity for decryption; without it an encrypted body is undecipherable. */
  readonly identity?: LocalIdentity;
  /** DER of the certificates that signer chains must reach. */
  readonly trustAnchors: readonly Uint8Array[];
  /** Policy that names the parts that must arrive signed and encrypted. Default {@link defaultProtectionPolicy}. */
  readonly policy?: ProtectionPolicy;
  /** Clock for certificate validity, revocation and `maxSignatureAge`; default `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * Certificate revocation lists (X.509 v2 CRLs) from `parseRevocationList`, loaded once by the
   * caller: the library neither fetches lists from distribution points nor queries OCSP. Every
   * certificate on the signer's path to a trust anchor, the anchor excepted, is checked against
   * the lists of its issuer whose signature verifies with the issuer's key, whose issuer permits
   * cRLSign and whose thisUpdate is not after `now()`. A listed certificate raises
   * `CertificateRevokedError` (403), unless its entry is dated after `now()` or has the reason
   * removeFromCRL. An entry with certificateHold counts as revoked while the newest list has it.
   * With lists, a signer without a path to a trust anchor is rejected with
   * `CertificateUntrustedError` (403), even a pinned one or one the decision hook accepts,
   * because no issuer key can verify a list for it.
   */
  readonly revocationLists?: readonly RevocationList[];
  /**
   * Handling of a certificate whose status the lists cannot tell. `if-available` (the default)
   * accepts it. `require` raises `CertificateUntrustedError` (403) for any certificate of the
   * path that no verified list with a nextUpdate at or after `now()` covers, so a missing, stale,
   * badly signed or not yet valid list rejects. It also rejects a signer without a path to a
   * trust anchor, as lists in either mode do. `require` without lists rejects every signer that
   * is not itself a trust anchor.
   */
  readonly revocation?: RevocationMode;
  /** Known certificate of a peer address-of-record. */
  readonly getPeerCertificate?: (addressOfRecord: string) => Promise<Uint8Array | undefined>;
  /** Accepts or rejects an unknown or changed signer certificate; without it both are rejected. */
  readonly onCertificateDecision?: (decision: CertificateDecision) => boolean | Promise<boolean>;
  /**
   * Handling of an envelope inside a signature (encrypt-then-sign, the order of RFC 3261
   * §23.2). `accept` (default) opens it and reports `order: 'encrypt-then-sign'`; `reject` raises
   * `DowngradeError` (403) before decrypting. Such a signature covers only the ciphertext, so
   * anyone who captured the envelope can sign it again under their own From URI, and the content
   * is then attributed to them (surreptitious forwarding). Triple wrapping (a signature inside
   * the envelope as well) is rejected too, because the envelope is refused before it is opened.
   */
  readonly encryptThenSign?: 'accept' | 'reject';
  /**
   * Maximum distance in milliseconds between a signature's signingTime and `now()`, either way.
   * Unset (the default) skips the check. When set, a signature without signingTime, or one
   * outside the window, raises `SignatureInvalidError` (403). It narrows replay of a captured
   * body to the window. A body bound to its request by signed copies of Call-ID and CSeq, with a
   * `replayGuard` of the same window, cannot be replayed at all.
   */
  readonly maxSignatureAge?: number;
  /**
   * Rejects with `DowngradeError` (403) a message whose SDP carries DTLS certificate fingerprints
   * that neither a signature nor a signed copy covers (`bindSdp` of `protectMessage`): every such
   * message with `always`, a signed one with `if-signed`. With `if-signed`, a message that nothing
   * signs passes with `signed` and `security.sdpBound` false, for the application to judge as any
   * unsigned message; use it for a new call from a peer, and `always` for answers and requests
   * in a protected dialog. Unset, nothing is required. Either way, a copy whose fingerprints differ
   * from the SDP's raises `HeaderMismatchError` (403), and an SDP that arrived encrypted but not
   * signed raises `DowngradeError`.
   */
  readonly requireSdpBinding?: 'always' | 'if-signed';
  /**
   * Rejects a request received before with `ReplayedError` (403), when its signature covers its
   * Call-ID (see {@link ReplayGuard}). Use one guard for all requests of a receiver, after
   * its transaction layer has absorbed retransmissions. Any object with the guard's `check`
   * serves, such as one that also notes the record that `check` returns.
   */
  readonly replayGuard?: Pick<ReplayGuard, 'check'>;
  /**
   * SIP URI of the receiver. A request whose signature covers a copy of To (see `BOUND_HEADERS`)
   * that names another address-of-record raises `IdentityMismatchError` (403). A signature binds
   * its content to the sender but not to a recipient, so without this check a recipient could
   * decrypt a request, encrypt it again for someone else, and pass it on in the sender's name.
   * A request without a signed To passes, as from a peer that binds no header fields.
   */
  readonly recipientUri?: string;
}

/** Result of {@link unprotectMessage}. */
export interface UnprotectResult {
  /**
   * The message with the plaintext parts put back (multipart/mixed when several). It is built on
   * first access: a caller that reads only {@link UnprotectResult.parts} does not pay for it.
   */
  readonly message: SipMessage;
  /**
   * The parts of the body of {@link UnprotectResult.message}, in order, as entities with their
   * own headers: the parts of a multipart/mixed body, or the body alone. Empty for a message
   * without a body. Reading them does not build the message. A part that arrived in clear or
   * only signed is a view of the received message's body or of the signed content, like
   * `message.body`: treat its bytes as read-only. A decrypted part has a buffer of its own.
   */
  readonly parts: readonly MimeEntity[];
  /**
   * The protection of each of {@link UnprotectResult.parts}, at the same index. A part that the
   * policy lets travel in clear, such as the SDP, may come from the SIP core. A caller whose policy
   * allows a clear copy of a type that the sender also protects uses this to tell them apart.
   */
  readonly partProtection: readonly PartProtection[];
  readonly security: SecurityInfo;
}

/** Protection of one part of an unprotected message, as it arrived. */
export interface PartProtection {
  /** True for a part inside an envelope that was decrypted. */
  readonly encrypted: boolean;
  /** True for a part inside a signature that was verified. */
  readonly signed: boolean;
}

const CLEAR: PartProtection = Object.freeze({ encrypted: false, signed: false });

/**
 * Decrypts and verifies every S/MIME part of a message, and returns the message with the
 * plaintext parts put back in place of the protected ones.
 *
 * Both nesting orders are accepted: signed then encrypted (the order this library writes) and
 * encrypted then signed (the order of RFC 3261 §23.2), and `security.order` reports which one
 * arrived. With encrypt-then-sign the signer is not proven to have written the content, because
 * the signature covers the ciphertext: set `encryptThenSign: 'reject'` where only peers that sign
 * first are expected. A signer must hold the From URI of a
 * request or the To URI of a response in its certificate. After all layers are opened, every
 * part that the policy calls sensitive must have arrived signed and encrypted, because an
 * attacker who strips the protection produces a clear or unsigned part. Nothing is returned unless every layer verified.
 *
 * Rejections: `UndecipherableError` (493, with the local certificate in `certsOnly`),
 * `SignatureInvalidError`, `CertificateUntrustedError`, `CertificateRevokedError`,
 * `CertificateChangedError`, `IdentityMismatchError`, `HeaderMismatchError`, `ReplayedError` and `DowngradeError` (403), parse errors
 * (400), `LimitExceededError` (413) and `NotSupportedError` (415), which a Content-Encoding
 * other than `identity` raises too.
 *
 * Once an AES-CBC EnvelopedData was decrypted, every later failure is raised as
 * `UndecipherableError` (493) with the real error as `cause`, because CBC has no integrity check
 * and distinct responses would be a padding oracle. AES-GCM content keeps the errors above.
 *
 * @example
 * ```ts
 * // context: received: SipMessage, serverIdentity: LocalIdentity, caDer: Uint8Array
 * const { message, security } = await unprotectMessage(received, {
 *   crypto: globalThis.crypto,
 *   identity: serverIdentity,
 *   trustAnchors: [caDer],
 * });
 * if (security.signed) console.log('signed by', security.signerUri);
 * ```
 *
 * @param message - The received SIP message.
 * @param options - The crypto, the local identity, the trust anchors and optional checks.
 * @returns The message with its plaintext parts, and the `security` that tells what was verified.
 */
export async function unprotectMessage(
  message: SipMessage,
  options: UnprotectOptions,
): Promise<UnprotectResult> {
  checkMessage(message, 'unprotectMessage');
  checkUnprotectOptions(options);
  const security = new SecurityCollector();
  const body = messageBodyEntity(message);
  if (body === undefined) {
    return { message, parts: [], partProtection: [], security: security.toSecurityInfo() };
  }
  if (message.body.length > MAX_MESSAGE_BYTES) {
    throw new LimitExceededError(`SIP body larger than ${MAX_MESSAGE_BYTES} bytes`);
  }
  // RFC 3261 §8.2.3: a body in a content coding that the receiver does not apply gets 415.
  // None is applied here, and the opened body must not keep a label that no longer fits it.
  const codings = message.getHeaders('Content-Encoding').flatMap((value) => value.split(','));
  if (codings.some((coding) => coding.trim().toLowerCase() !== 'identity')) {
    throw new NotSupportedError('Content-Encoding of the body not supported', {
      acceptEncoding: 'identity',
    });
  }

  let expected: ReturnType<typeof expectedSigner> | undefined;
  const ctx: UnwrapContext = {
    crypto: options.crypto,
    identity: options.identity,
    trustAnchors: options.trustAnchors,
    now: readClock(options.now, 'unprotectMessage'),
    revocation: {
      ...(options.revocationLists === undefined
        ? {}
        : { revocationLists: options.revocationLists }),
      ...(options.revocation === undefined ? {} : { revocation: options.revocation }),
    },
    security,
    changed: false,
    cmsLayers: 0,
    unauthenticatedDecrypted: false,
    encryptThenSign: options.encryptThenSign ?? 'accept',
    maxSignatureAge: options.maxSignatureAge,
    checkSigner: (verified) => {
      expected ??= expectedSigner(message);
      return checkParsedSigner(verified, expected.sipUri, options);
    },
  };
  let parts: UnwrappedPart[];
  try {
    parts = await unwrapEntity(body, ctx);
    rejectDowngrade(parts, options.policy ?? defaultProtectionPolicy, message.method);
    const fragments = signedHeaderFragments(parts);
    rejectUnboundParts(parts, fragments);
    const total = [...fragments.values()].reduce((sum, fields) => sum + fields.length, 0);
    if (total > MAX_HEADER_COUNT) {
      throw new LimitExceededError(`more than ${MAX_HEADER_COUNT} protected header fields`);
    }
    // Each fragment is checked on its own, so that two fragments may both copy a field.
    for (const fields of fragments.values()) checkProtectedHeaders(message, fields);
    const signedHeaders = mergeFragments([...fragments.values()]);
    if (message.isRequest && options.recipientUri !== undefined) {
      checkAddressee(signedHeaders, options.recipientUri);
    }
    security.addProtectedHeaders(signedHeaders);
    // A signed header fragment describes this message, not its content, so it is not returned
    // as a part: an application that forwards the parts must not carry it into another message.
    parts = parts.filter((part) => !fragments.has(part));
    const binding = checkSdpBinding(parts, options.requireSdpBinding, security.signed);
    parts = binding.parts;
    security.sdpBound = binding.bound;
    options.replayGuard?.check(message, security.toSecurityInfo(), ctx.now);
  } catch (error) {
    throw concealUnauthenticatedFailure(error, ctx);
  }

  for (const part of parts) {
    if (part.encrypted || part.signed) security.addProtectedPart(part.entity.contentType.mediaType);
    if (part.order !== undefined) security.setOrder(part.order);
  }
  let rebuilt: SipMessage | undefined;
  const entities = ctx.changed ? parts.map((part) => part.entity) : topLevelParts(body);
  return {
    get message() {
      rebuilt ??= rebuildMessage(message, parts, ctx);
      return rebuilt;
    },
    parts: entities,
    partProtection: ctx.changed
      ? parts.map(({ encrypted, signed }) => ({ encrypted, signed }))
      : entities.map(() => CLEAR),
    security: security.toSecurityInfo(),
  };
}

/**
 * Raises `DowngradeError` for a sensitive part that did not arrive both signed and encrypted.
 * A part that is signed but not encrypted counts as clear, because the SIP core could read it.
 * A part that is encrypted but not signed is rejected too: anyone can encrypt for the receiver,
 * and with CBC an attacker can damage the unsigned headers of a signed entity so that its
 * signature is no longer found.
 */
function rejectDowngrade(
  parts: readonly UnwrappedPart[],
  policy: ProtectionPolicy,
  method: string,
): void {
  for (const part of parts) {
    if ((part.encrypted && part.signed) || part.certsOnly) continue;
    const contentType = part.entity.contentType;
    if (!policy.isSensitive(contentType, method)) continue;
    // The media type of a decrypted part is plaintext, and receivers may log this message, so
    // the message names the media type only of parts that the SIP core could read.
    if (part.encrypted) throw new DowngradeError('sensitive part arrived encrypted but not signed');
    const how = part.signed ? 'signed but not encrypted' : 'in clear';
    throw new DowngradeError(`sensitive ${contentType.mediaType} part arrived ${how}`);
  }
}

/**
 * Returns the signed header fragments among the parts, with their header fields. A fragment
 * that is not signed proves nothing and stays an ordinary part.
 */
function signedHeaderFragments(parts: readonly UnwrappedPart[]): Map<UnwrappedPart, SipHeader[]> {
  const fragments = new Map<UnwrappedPart, SipHeader[]>();
  for (const part of parts) {
    if (!part.signed) continue;
    const headers = readHeaderFragment(part.entity);
    if (headers !== undefined) fragments.set(part, headers);
  }
  return fragments;
}

/**
 * Raises HeaderMismatchError when the message has signed header fragments and a signed part that
 * none of them binds, because no fragment shares a signature with it. A fragment binds only the
 * content of its own signature, so a part cut from another message of the same signer, under a
 * signature of its own, would otherwise look bound to this message too.
 */
function rejectUnboundParts(
  parts: readonly UnwrappedPart[],
  fragments: ReadonlyMap<UnwrappedPart, unknown>,
): void {
  if (fragments.size === 0) return;
  const binding = new Set<number>();
  for (const fragment of fragments.keys()) {
    const innermost = fragment.signatures.at(-1);
    if (innermost !== undefined) binding.add(innermost);
  }
  for (const part of parts) {
    if (!part.signed || fragments.has(part)) continue;
    if (!part.signatures.some((signature) => binding.has(signature))) {
      throw new HeaderMismatchError(
        'signed part outside the signature of the signed header fields',
      );
    }
  }
}

/**
 * Raises IdentityMismatchError when the signed copy of To among `signedHeaders` names another
 * address-of-record than `recipientUri`. The outer To equals the copy, which the header check
 * has ensured.
 */
function checkAddressee(signedHeaders: readonly SipHeader[], recipientUri: string): void {
  const to = signedHeaders.find((header) => canonicalHeaderName(header.name) === 'to');
  if (to === undefined) return;
  let addressee: string;
  try {
    addressee = parseNameAddress(to.value).uri;
  } catch {
    throw new HeaderMismatchError('signed To header field is not a SIP address');
  }
  if (!sameAddressOfRecord(addressee, recipientUri)) {
    throw new IdentityMismatchError('request is addressed to another user in its signed To');
  }
}

/**
 * Returns the fields of checked fragments, each name once: a name that an earlier fragment
 * covers is skipped in later ones, which have the same values since all equal the message.
 */
function mergeFragments(fragments: readonly (readonly SipHeader[])[]): SipHeader[] {
  const merged: SipHeader[] = [];
  const covered = new Set<string>();
  for (const fields of fragments) {
    const names = new Set(fields.map((field) => canonicalHeaderName(field.name)));
    merged.push(...fields.filter((field) => !covered.has(canonicalHeaderName(field.name))));
    for (const name of names) covered.add(name);
  }
  return merged;
}

/** Returns the parts of an unchanged body: those of a multipart/mixed, or the body alone. */
function topLevelParts(body: MimeEntity): MimeEntity[] {
  const boundary = body.contentType.params.get('boundary');
  return body.contentType.mediaType === 'multipart/mixed' && boundary !== undefined
    ? parseMultipart(body.body, boundary)
    : [body];
}

function rebuildMessage(
  message: SipMessage,
  parts: readonly UnwrappedPart[],
  ctx: UnwrapContext,
): SipMessage {
  if (!ctx.changed) return message;
  const [first] = parts;
  if (first === undefined) return message.withoutBody();
  if (parts.length === 1) return withEntityBody(message, first.entity);
  const mixed = createMultipartMixed(
    parts.map((part) => part.entity),
    ctx.crypto,
  );
  return withMultipartBody(message, mixed);
}

function checkUnprotectOptions(options: UnprotectOptions): void {
  if (typeof options?.crypto?.subtle !== 'object') {
    throw new TypeError('unprotectMessage: options.crypto must be a WebCrypto Crypto');
  }
  if (options.replayGuard !== undefined && typeof options.replayGuard.check !== 'function') {
    throw new TypeError('unprotectMessage: options.replayGuard must be a ReplayGuard');
  }
  const { encryptThenSign } = options;
  if (
    encryptThenSign !== undefined &&
    encryptThenSign !== 'accept' &&
    encryptThenSign !== 'reject'
  ) {
    throw new TypeError("unprotectMessage: options.encryptThenSign must be 'accept' or 'reject'");
  }
  const { requireSdpBinding } = options;
  if (
    requireSdpBinding !== undefined &&
    requireSdpBinding !== 'always' &&
    requireSdpBinding !== 'if-signed'
  ) {
    throw new TypeError(
      "unprotectMessage: options.requireSdpBinding must be 'always' or 'if-signed'",
    );
  }
  const { maxSignatureAge } = options;
  if (
    maxSignatureAge !== undefined &&
    !(Number.isFinite(maxSignatureAge) && maxSignatureAge >= 0)
  ) {
    throw new TypeError('unprotectMessage: options.maxSignatureAge must be milliseconds >= 0');
  }
  checkCertificateList(options.trustAnchors, 'unprotectMessage', 'options.trustAnchors');
  if (options.identity !== undefined) {
    checkIdentity(options.identity, 'unprotectMessage', 'options.identity', ['decryptionKey']);
  }
  if (
    options.getPeerCertificate !== undefined &&
    typeof options.getPeerCertificate !== 'function'
  ) {
    throw new TypeError('unprotectMessage: options.getPeerCertificate must be a function');
  }
  revocationPolicy(options.revocationLists, options.revocation, 'unprotectMessage');
  if (
    options.recipientUri !== undefined &&
    (typeof options.recipientUri !== 'string' ||
      parseSipUriOrUndefined(options.recipientUri) === undefined)
  ) {
    throw new TypeError('unprotectMessage: options.recipientUri must be a sip: or sips: URI');
  }
}
