/**
 * Signs, then encrypts, the sensitive body parts of a SIP message (RFC 3261 §23.3, RFC 8551 §3.7).
 *
 * The signature goes inside the envelope, so that the SIP core cannot read who signed: the signer
 * certificate carries the user's SIP URI, which is an MCPTT ID.
 *
 * @module
 */

import { prepareEnvelope, sealEnvelope, signContent } from '../cms/index.js';
import { schemeForKey } from '../cms/signature.js';
import type { ContentEncryptionAlgorithm } from '../cms/index.js';
import { bytesEqual, cloneBytes, sameBytes } from '../bytes.js';
import { checkCertificateList, checkIdentity, checkMessage, readClock } from '../option-checks.js';
import { LimitExceededError, MimeParseError } from '../errors.js';
import { MAX_CMS_LAYERS, MAX_MESSAGE_BYTES, MAX_NESTING_DEPTH } from '../limits.js';
import { MimeEntity } from '../mime/entity.js';
import { parseMultipart } from '../mime/multipart.js';
import { canonicalHeaderName } from '../sip/header-names.js';
import type { SipMessage } from '../sip/message.js';
import type { LocalIdentity } from './key-store.js';
import { defaultProtectionPolicy } from './policy.js';
import { createHeaderFragment } from './protected-headers.js';
import { envelopeMatches, type EnvelopeSource } from './envelope-pool.js';
import type { ProtectionPolicy } from './policy.js';
import { measureNesting } from './nesting.js';
import { messageBodyEntity, withEntityBody, withMultipartBody } from './sip-body.js';
import { sdpCopyOf } from './sdp-binding.js';
import {
  createMultipartMixed,
  createMultipartSigned,
  createPkcs7MimeEntity,
} from './smime-entities.js';

/** Content encryption of {@link protectMessage} when `contentEncryption` is not given. */
export const DEFAULT_CONTENT_ENCRYPTION: ContentEncryptionAlgorithm = 'aes-256-gcm';

/** Options of {@link protectMessage}. */
export interface ProtectOptions {
  /** WebCrypto implementation for signing, encryption and randomness. */
  readonly crypto: Crypto;
  /** Local identity whose signing key signs the parts. */
  readonly signer: LocalIdentity;
  /** Recipient certificates (DER). The signer's own certificate is not added implicitly. */
  readonly recipients: readonly Uint8Array[];
  /** Policy that selects the parts to protect. Default {@link defaultProtectionPolicy}. */
  readonly policy?: ProtectionPolicy;
  /** Default `aes-256-gcm` (AuthEnvelopedData). The CBC modes produce EnvelopedData. */
  readonly contentEncryption?: ContentEncryptionAlgorithm;
  /** Clock for signingTime; default `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * Parts protected ahead of the message by {@link prepareProtection}. When the message's
   * sensitive parts are byte for byte the prepared parts, in order, and the signer certificate,
   * the recipients and the content encryption are the same, the prepared entity is used and
   * nothing is signed or encrypted again. Otherwise the message is protected as usual.
   */
  readonly prepared?: PreparedProtection;
  /**
   * Names of header fields to protect: the message's fields with these names are copied into a
   * {@link createHeaderFragment} part, signed and encrypted with the sensitive parts, and the
   * receiver rejects the message when they differ (RFC 3261 §23.4). A name that the message
   * lacks is left out, since the receiver cannot tell that the field should be absent. When no
   * part is sensitive, for example a body of SDP alone, the fragment is signed and encrypted on
   * its own. The SDP then stays first in clear, followed by the `application/pkcs7-mime` part,
   * and a message without body gets that part as its body. With `prepared`, put the fragment
   * among the prepared parts instead, since it is compared with them.
   */
  readonly protectHeaders?: readonly string[];
  /**
   * Names of header fields whose signed copies bind the protected content to this message, such
   * as `BOUND_HEADERS`. They are copied like `protectHeaders`, but only when something else is
   * protected, so that a message with nothing sensitive still comes back unchanged.
   */
  readonly bindHeaders?: readonly string[];
  /**
   * Adds a signed copy of the message's SDP to the protected content when the SDP is in clear and
   * carries DTLS certificate fingerprints (RFC 8122). The receiver can then check that the SIP
   * core did not replace them (`requireSdpBinding` of `unprotectMessage`). The SDP itself stays
   * first and in clear. A message whose only body is such an SDP gets an `application/pkcs7-mime`
   * part beside it, and `bindHeaders` then applies too. Raises TypeError for a message with more
   * than one SDP part in clear.
   */
  readonly bindSdp?: boolean;
  /**
   * Envelopes made ahead, such as an {@link EnvelopePool} fed by a worker. When it has one ready
   * for these recipients and this content encryption, protect uses it, so it only signs and
   * encrypts. Otherwise protect makes the envelope itself.
   */
  readonly envelopes?: EnvelopeSource;
}

/** Sensitive parts signed and encrypted before their message exists. */
export interface PreparedProtection {
  /** Copies of the parts as they must appear in the message, in order. */
  readonly parts: readonly MimeEntity[];
  /** The `application/pkcs7-mime` entity that carries them, signed then encrypted. */
  readonly entity: MimeEntity;
  /** DER of the certificate of the signer that signed them. */
  readonly signerCertificate: Uint8Array;
  /** DER of the certificates that they are encrypted for, in order. */
  readonly recipients: readonly Uint8Array[];
  readonly contentEncryption: ContentEncryptionAlgorithm;
}

/**
 * Signs then encrypts the sensitive parts of a message, and returns the message unchanged when
 * none is sensitive and `protectHeaders` names no field of the message.
 *
 * The sensitive parts (the single body, or parts of a multipart/mixed) go into one inner entity,
 * a multipart/mixed when there are several. That entity is signed with a detached signature in
 * multipart/signed (RFC 1847, RFC 8551 §3.5), with SHA-256, or SHA-384 for a P-384 key. The
 * whole multipart/signed entity is then encrypted for the recipients as `application/pkcs7-mime`
 * with base64 transfer encoding.
 * Parts in clear (by default the SDP) come first in a multipart/mixed, followed by the
 * `application/pkcs7-mime` part. When every part was sensitive, the `application/pkcs7-mime`
 * entity becomes the message body.
 *
 * Raises `LimitExceededError` (413) when the protected message would be larger than
 * `MAX_MESSAGE_BYTES`, because every receiver rejects such a message.
 *
 * @example
 * ```ts
 * // context: invite: SipMessage, aliceIdentity: LocalIdentity, serverCertificateDer: Uint8Array
 * const protectedInvite = await protectMessage(invite, {
 *   crypto: globalThis.crypto,
 *   signer: aliceIdentity,
 *   recipients: [serverCertificateDer],
 * });
 * ```
 *
 * @param message - The SIP message, request or response, with its body in clear.
 * @param options - The crypto, the signer, the recipient certificates and optional settings.
 * @returns The protected message, or `message` itself when nothing is protected.
 * @throws TypeError for invalid options, and the errors of {@link encryptContent} for a recipient
 *   certificate that cannot be encrypted for.
 */
export async function protectMessage(
  message: SipMessage,
  options: ProtectOptions,
): Promise<SipMessage> {
  checkMessage(message, 'protectMessage');
  checkProtectOptions(options);
  const body = messageBodyEntity(message);
  const { clear, sensitive } = splitSensitiveParts(body, options.policy, message.method);
  if (options.bindSdp === true) {
    const copy = clearSdpCopy(clear);
    if (copy !== undefined) sensitive.push(copy);
  }
  const protectHeaders = options.protectHeaders ?? [];
  const protectsSomething =
    sensitive.length > 0 || protectHeaders.some((name) => message.hasHeader(name));
  if (!protectsSomething) return message;
  const fragment = headerFragment(message, [...protectHeaders, ...(options.bindHeaders ?? [])]);
  if (fragment !== undefined) sensitive.push(fragment);

  checkNesting(clear, sensitive);

  const prepared = options.prepared;
  const smimePart =
    prepared !== undefined && matchesPreparation(prepared, sensitive, options)
      ? prepared.entity
      : await sealParts(sensitive, options);

  // A multipart body keeps the headers that describe it as a whole, as the sender gave them in
  // clear. The headers of a single sensitive body travel inside the envelope instead.
  const newBody =
    clear.length > 0 ? createMultipartMixed([...clear, smimePart], options.crypto) : smimePart;
  // A multipart built here belongs to the message alone, so the message need not copy it. A
  // prepared entity may serve retransmissions too, and its body is copied as before.
  const protectedMessage =
    body?.contentType.mediaType === 'multipart/mixed'
      ? withMultipartBody(message, newBody, clear.length > 0)
      : withEntityBody(message, newBody);
  const size = protectedMessage.byteLength;
  if (size > MAX_MESSAGE_BYTES) {
    throw new LimitExceededError(
      `protected SIP message would be ${size} bytes, more than ${MAX_MESSAGE_BYTES} (MAX_MESSAGE_BYTES)`,
    );
  }
  return protectedMessage;
}

/**
 * Raises LimitExceededError when the protected message would nest its MIME and CMS layers deeper
 * than MAX_NESTING_DEPTH, or make unprotect open more than MAX_CMS_LAYERS envelopes and
 * signatures, which every receiver rejects. Protect puts each sensitive part under an envelope
 * and a multipart/signed, and under a multipart/mixed when there are several, all of them under
 * the outer multipart/mixed when parts stay in clear.
 */
function checkNesting(clear: readonly MimeEntity[], sensitive: readonly MimeEntity[]): void {
  const partDepth = clear.length > 0 ? 2 : 1;
  const sensitiveDepth = partDepth + 2 + (sensitive.length > 1 ? 1 : 0);
  const placed = [
    ...clear.map((part) => ({ at: partDepth, nesting: measureNesting(part) })),
    ...sensitive.map((part) => ({ at: sensitiveDepth, nesting: measureNesting(part) })),
  ];
  const deepest = Math.max(...placed.map(({ at, nesting }) => at + nesting.depth - 1));
  if (deepest > MAX_NESTING_DEPTH) {
    throw new LimitExceededError(
      `protected SIP message would nest MIME and CMS layers deeper than ${MAX_NESTING_DEPTH} levels (MAX_NESTING_DEPTH)`,
    );
  }
  const layers = 2 + placed.reduce((sum, { nesting }) => sum + nesting.layers, 0);
  if (layers > MAX_CMS_LAYERS) {
    throw new LimitExceededError(
      `protected SIP message would have more than MAX_CMS_LAYERS (${MAX_CMS_LAYERS}) CMS layers`,
    );
  }
}

/** Returns the signed copy of the one clear SDP part, or undefined when there is nothing to bind. */
function clearSdpCopy(clear: readonly MimeEntity[]): MimeEntity | undefined {
  const sdpParts = clear.filter((part) => part.contentType.mediaType === 'application/sdp');
  if (sdpParts.length > 1) {
    throw new TypeError('protectMessage: bindSdp needs one SDP part, the message has several');
  }
  const [sdp] = sdpParts;
  return sdp === undefined ? undefined : sdpCopyOf(sdp);
}

/**
 * Returns a header fragment with the message's fields of the given names, in that order, or
 * undefined when the message has none of them.
 */
function headerFragment(message: SipMessage, names: readonly string[]): MimeEntity | undefined {
  // A name given twice, in another case or in compact form, is copied once.
  const unique = new Map<string, string>();
  for (const name of names) {
    const canonical = canonicalHeaderName(name);
    if (!unique.has(canonical)) unique.set(canonical, name);
  }
  // A list field with an empty value has no elements, and its copy is an empty field, so that a
  // receiver rejects a value added on the path.
  const fields = [...unique.values()].flatMap((name) => {
    const values = message.getHeaders(name);
    if (values.length === 0 && message.hasHeader(name)) return [{ name, value: '' }];
    return values.map((value) => ({ name, value }));
  });
  return fields.length > 0 ? createHeaderFragment(fields) : undefined;
}

/**
 * Signs then encrypts parts before the message that carries them is complete, so that the work
 * is done while, for example, the browser gathers ICE candidates for the SDP offer. Pass the
 * result as `prepared` to {@link protectMessage}. The signature covers the parts only, as it
 * does in {@link protectMessage}, and its signingTime is the time of this call.
 *
 * Use each result for one message: its retransmissions may repeat it, another message may not.
 *
 * @example
 * ```ts
 * // context: mcpttInfoEntity: MimeEntity, invite: SipMessage, options: ProtectOptions
 * const prepared = await prepareProtection([mcpttInfoEntity], options);
 * const sent = await protectMessage(invite, { ...options, prepared });
 * ```
 *
 * @param parts - The sensitive parts, in the order they will appear in the message.
 * @param options - As for {@link protectMessage}; `prepared` is ignored.
 * @returns The prepared parts, for `options.prepared` of one {@link protectMessage} call.
 * @throws TypeError for invalid options or an empty `parts`, and the errors of
 *   {@link encryptContent} for a recipient certificate that cannot be encrypted for.
 */
export async function prepareProtection(
  parts: readonly MimeEntity[],
  options: ProtectOptions,
): Promise<PreparedProtection> {
  checkProtectOptions(options);
  if (parts.length === 0) throw new TypeError('prepareProtection: no part to protect');
  // Copies: a part parsed from a buffer that the caller changes later must not change what the
  // prepared entity is compared with, since the entity carries the bytes as they were.
  const copies = parts.map((part) => MimeEntity.parse(cloneBytes(part.toBytes())));
  return {
    parts: copies,
    entity: await sealParts(copies, options),
    signerCertificate: cloneBytes(options.signer.certificate),
    recipients: options.recipients.map(cloneBytes),
    contentEncryption: options.contentEncryption ?? DEFAULT_CONTENT_ENCRYPTION,
  };
}

/**
 * Signs the parts (one entity, or a multipart/mixed of several) in multipart/signed, then
 * encrypts that for the recipients, and returns the `application/pkcs7-mime` entity.
 */
async function sealParts(
  parts: readonly MimeEntity[],
  options: ProtectOptions,
): Promise<MimeEntity> {
  const { crypto, signer, recipients } = options;
  const algorithm = options.contentEncryption ?? DEFAULT_CONTENT_ENCRYPTION;
  const ready = options.envelopes?.take(recipients, algorithm);
  if (ready !== undefined && !envelopeMatches(ready, { recipients, algorithm })) {
    throw new TypeError(
      'protectMessage: options.envelopes returned an envelope for other recipients',
    );
  }
  // The envelope's keys do not depend on the content, so they are made while the content is
  // signed: the key agreement's WebCrypto calls then overlap with the signature's.
  const preparing =
    ready === undefined
      ? prepareEnvelope({ crypto, recipients, algorithm })
      : Promise.resolve(ready);
  // The rejection is raised by the await below; this only keeps it from counting as unhandled
  // when signing fails first.
  preparing.catch(() => undefined);

  const [first] = parts;
  const content =
    parts.length === 1 && first !== undefined ? first : createMultipartMixed(parts, crypto);
  const signature = await signContent({
    crypto,
    content: content.toBytes(),
    privateKey: signer.signingKey,
    certificate: signer.certificate,
    chain: signer.chain,
    signingTime: readClock(options.now, 'protectMessage'),
    detached: true,
  });
  // RFC 8551 §3.5.3 names the digest in micalg: sha-256, or sha-384 for a P-384 key.
  const micalg = schemeForKey(signer.signingKey).hash.toLowerCase();
  const signed = createMultipartSigned(content, signature, crypto, micalg);

  const envelope = await sealEnvelope(crypto, await preparing, signed.toBytes());
  return createPkcs7MimeEntity(envelope.der, envelope.smimeType);
}

/** Checks that a preparation protects these parts, byte for byte, as `options` would. */
function matchesPreparation(
  prepared: PreparedProtection,
  parts: readonly MimeEntity[],
  options: ProtectOptions,
): boolean {
  return (
    (options.contentEncryption ?? DEFAULT_CONTENT_ENCRYPTION) === prepared.contentEncryption &&
    bytesEqual(options.signer.certificate, prepared.signerCertificate) &&
    sameBytes(prepared.recipients, options.recipients, (recipient) => recipient) &&
    sameBytes(prepared.parts, parts, (part) => part.toBytes())
  );
}

/**
 * Splits a body into the parts sent in clear and the sensitive parts, keeping their order. A
 * message without body has neither.
 */
function splitSensitiveParts(
  body: MimeEntity | undefined,
  policy: ProtectionPolicy = defaultProtectionPolicy,
  method: string,
): { clear: MimeEntity[]; sensitive: MimeEntity[] } {
  if (body === undefined) return { clear: [], sensitive: [] };
  const contentType = body.contentType;
  if (contentType.mediaType !== 'multipart/mixed') {
    return policy.isSensitive(contentType, method)
      ? { clear: [], sensitive: [body] }
      : { clear: [body], sensitive: [] };
  }

  const boundary = contentType.params.get('boundary');
  if (boundary === undefined) throw new MimeParseError('multipart/mixed boundary missing');
  const clear: MimeEntity[] = [];
  const sensitive: MimeEntity[] = [];
  for (const part of parseMultipart(body.body, boundary)) {
    (policy.isSensitive(part.contentType, method) ? sensitive : clear).push(part);
  }
  return { clear, sensitive };
}

function checkProtectOptions(options: ProtectOptions): void {
  if (typeof options?.crypto?.getRandomValues !== 'function') {
    throw new TypeError('protectMessage: options.crypto must be a WebCrypto Crypto');
  }
  if (options.signer === undefined) throw new TypeError('protectMessage: options.signer missing');
  checkIdentity(options.signer, 'protectMessage', 'options.signer', ['signingKey']);
  for (const option of ['protectHeaders', 'bindHeaders'] as const) {
    const names = options[option];
    if (
      names !== undefined &&
      !(Array.isArray(names) && names.every((name) => typeof name === 'string'))
    ) {
      throw new TypeError(`protectMessage: options.${option} must be an array of names`);
    }
  }
  if (!Array.isArray(options.recipients) || options.recipients.length === 0) {
    throw new TypeError('protectMessage: options.recipients must list at least one certificate');
  }
  checkCertificateList(options.recipients, 'protectMessage', 'options.recipients');
  if (options.envelopes !== undefined && typeof options.envelopes.take !== 'function') {
    throw new TypeError('protectMessage: options.envelopes must have a take method');
  }
  if (options.bindSdp !== undefined && typeof options.bindSdp !== 'boolean') {
    throw new TypeError('protectMessage: options.bindSdp must be a boolean');
  }
}
