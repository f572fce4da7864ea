/**
 * Walks a MIME entity tree, opening every S/MIME layer (RFC 8551 §3, RFC 1847 §2.1), and returns
 * the plaintext leaf entities with the protection each one arrived under.
 *
 * @module
 */

import { createCertsOnly } from '../cms/index.js';
import { contentInfoType, parseContentInfo, type ContentInfo } from '../cms/content-info.js';
import { decryptContentInfo } from '../cms/decrypt-content.js';
import { OID_DATA, oidName } from '../cms/oids.js';
import { verifyContentInfo } from '../cms/verify-signed-data.js';
import type { DecryptResult, VerifyOptions, VerifyResult } from '../cms/index.js';
import {
  CmsParseError,
  DowngradeError,
  LimitExceededError,
  MimeParseError,
  NotSupportedError,
  SignatureInvalidError,
  UndecipherableError,
} from '../errors.js';
import { MAX_BODY_BYTES, MAX_CMS_LAYERS, MAX_NESTING_DEPTH } from '../limits.js';
import { parseContentDisposition } from '../mime/content-disposition.js';
import { MimeEntity } from '../mime/entity.js';
import { parseMultipartViews } from '../mime/multipart.js';
import type { LocalIdentity } from './key-store.js';
import type { NestingOrder, SecurityCollector } from './security.js';

/** A plaintext entity and the layers it arrived under. */
export interface UnwrappedPart {
  readonly entity: MimeEntity;
  readonly encrypted: boolean;
  readonly signed: boolean;
  /** True for a certs-only body, which carries public certificates and no content. */
  readonly certsOnly: boolean;
  /** Order of the innermost signature and encryption above the entity, when it had both. */
  readonly order: NestingOrder | undefined;
  /**
   * The signatures above the entity, outermost first, each named by a number that is unique
   * within the message. A signed header fragment binds the parts under its own innermost one.
   */
  readonly signatures: readonly number[];
}

/** Everything the walk needs: keys, trust anchors, the signer check and the collector. */
export interface UnwrapContext {
  readonly crypto: Crypto;
  readonly identity: LocalIdentity | undefined;
  readonly trustAnchors: readonly Uint8Array[];
  readonly now: Date;
  /** Revocation lists and mode, passed to every signature verification. */
  readonly revocation: Pick<VerifyOptions, 'revocationLists' | 'revocation'>;
  /** Checks a verified signer against the message identity and returns the matched URI. */
  readonly checkSigner: (verified: VerifyResult) => Promise<string>;
  readonly security: SecurityCollector;
  /** Maximum distance in milliseconds between signingTime and `now`; undefined disables the check. */
  readonly maxSignatureAge: number | undefined;
  /** `reject` raises `DowngradeError` for an envelope inside a signature, before decrypting it. */
  readonly encryptThenSign: 'accept' | 'reject';
  /** Set when a layer was opened or a part dropped, so the body must be rebuilt. */
  changed: boolean;
  /** Number of envelopes and signatures opened so far, at most {@link MAX_CMS_LAYERS}. */
  cmsLayers: number;
  /**
   * Set once an EnvelopedData (AES-CBC, without integrity check) was decrypted. From then on every
   * failure must surface as {@link UndecipherableError}: see {@link concealUnauthenticatedFailure}.
   */
  unauthenticatedDecrypted: boolean;
}

interface Layers {
  readonly encrypted: boolean;
  readonly signed: boolean;
  readonly order: NestingOrder | undefined;
  readonly signatures: readonly number[];
}

const NO_LAYERS: Layers = { encrypted: false, signed: false, order: undefined, signatures: [] };

/**
 * Media types of the S/MIME and multipart layers that `unprotectMessage` opens, for the Accept
 * field of a 415 (RFC 3261 §21.4.13). It also reads their `application/x-` spellings.
 */
export const SMIME_BODY_TYPES: readonly string[] = Object.freeze([
  'multipart/mixed',
  'multipart/signed',
  'application/pkcs7-mime',
  'application/pkcs7-signature',
]);

const PKCS7_MIME_TYPES = new Set(['application/pkcs7-mime', 'application/x-pkcs7-mime']);
const PKCS7_SIGNATURE_TYPES = new Set([
  'application/pkcs7-signature',
  'application/x-pkcs7-signature',
]);
const KNOWN_SMIME_TYPES = new Set([
  'enveloped-data',
  'authenveloped-data',
  'signed-data',
  'certs-only',
]);

/**
 * Opens `entity` and every S/MIME layer below it. `depth` is the nesting level of `entity`
 * counted in containers (multiparts and CMS layers), the top-level body being 1.
 */
export async function unwrapEntity(
  entity: MimeEntity,
  ctx: UnwrapContext,
  depth = 1,
  layers: Layers = NO_LAYERS,
): Promise<UnwrappedPart[]> {
  const contentType = entity.contentType;
  const mediaType = contentType.mediaType;
  const isContainer =
    mediaType === 'multipart/mixed' ||
    mediaType === 'multipart/signed' ||
    PKCS7_MIME_TYPES.has(mediaType);
  if (isContainer && depth > MAX_NESTING_DEPTH) {
    throw new LimitExceededError(`MIME and CMS layers nested deeper than ${MAX_NESTING_DEPTH}`);
  }

  if (mediaType === 'multipart/signed') return openMultipartSigned(entity, ctx, depth, layers);
  if (PKCS7_MIME_TYPES.has(mediaType)) return openPkcs7Mime(entity, ctx, depth, layers);
  if (PKCS7_SIGNATURE_TYPES.has(mediaType)) {
    throw new MimeParseError(`${mediaType} part outside multipart/signed`);
  }
  if (mediaType === 'multipart/mixed') {
    const parts = parseMultipartViews(entity.body, requireBoundary(entity));
    const results: UnwrappedPart[] = [];
    for (const part of parts) results.push(...(await unwrapEntity(part, ctx, depth + 1, layers)));
    return results;
  }
  // A body that cannot be decoded is rejected now rather than when the application reads it:
  // an unknown Content-Transfer-Encoding with 415, invalid base64 or quoted-printable with 400.
  entity.decodedBodyView();
  return [{ entity: ownedEntity(entity, layers), ...layers, certsOnly: false }];
}

/**
 * Returns a part to hand out. A part under an envelope is a view of the decrypted content, which
 * contains the other parts, and structured cloning copies a view's whole buffer, so such a part
 * gets a buffer of its own.
 */
function ownedEntity(entity: MimeEntity, layers: Layers): MimeEntity {
  return layers.encrypted ? entity.withOwnBuffer() : entity;
}

/** Verifies a detached signature (RFC 1847 §2.1, RFC 8551 §3.5) and opens its first part. */
async function openMultipartSigned(
  entity: MimeEntity,
  ctx: UnwrapContext,
  depth: number,
  layers: Layers,
): Promise<UnwrappedPart[]> {
  const protocol = entity.contentType.params.get('protocol')?.toLowerCase();
  // RFC 1847 §2.1 requires the parameter, so a multipart/signed without it is malformed.
  if (protocol === undefined) throw new MimeParseError('multipart/signed protocol missing');
  if (!PKCS7_SIGNATURE_TYPES.has(protocol)) {
    throw new NotSupportedError('multipart/signed protocol is not application/pkcs7-signature');
  }
  // NOTE: micalg and the SignedData's digestAlgorithms are not compared with the SignerInfo,
  // whose own digest algorithm alone decides the check.
  const parts = parseMultipartViews(entity.body, requireBoundary(entity));
  const [content, signature] = parts;
  if (parts.length !== 2 || content === undefined || signature === undefined) {
    throw new MimeParseError('multipart/signed must have exactly 2 parts');
  }
  if (!PKCS7_SIGNATURE_TYPES.has(signature.contentType.mediaType)) {
    throw new MimeParseError('second part of multipart/signed is not application/pkcs7-signature');
  }

  const info = parseContentInfo(signature.decodedBodyView());
  if (contentInfoType(info) !== 'signed-data') {
    throw new CmsParseError('application/pkcs7-signature does not contain SignedData');
  }
  countCmsLayer(ctx);
  // RFC 1847 §2.1: the signature covers the first part exactly as carried, headers included,
  // without the CRLF that belongs to the next boundary.
  const verified = await verifyContentInfo(info, {
    crypto: ctx.crypto,
    detachedContent: content.raw ?? content.toBytes(),
    trustAnchors: ctx.trustAnchors,
    now: ctx.now,
    ...ctx.revocation,
  });
  await recordSigner(verified, ctx);
  return unwrapEntity(content, ctx, depth + 1, signedLayers(layers, ctx.cmsLayers));
}

/** Decrypts or verifies an `application/pkcs7-mime` entity (RFC 8551 §3.2). */
async function openPkcs7Mime(
  entity: MimeEntity,
  ctx: UnwrapContext,
  depth: number,
  layers: Layers,
): Promise<UnwrappedPart[]> {
  const declared = entity.contentType.params.get('smime-type');
  if (declared !== undefined && !KNOWN_SMIME_TYPES.has(declared.toLowerCase())) {
    return rejectUnknownType(entity, ctx);
  }

  const info = parseContentInfo(entity.decodedBodyView());
  // The smime-type parameter is only a hint (RFC 8551 §3.2.2): the CMS content type decides.
  const cmsType = contentInfoType(info);
  if (cmsType === 'certs-only') {
    return [{ entity: ownedEntity(entity, layers), ...layers, certsOnly: true }];
  }
  if (cmsType === 'data') {
    throw new NotSupportedError('application/pkcs7-mime with CMS type data is not S/MIME');
  }

  ctx.changed = true;
  countCmsLayer(ctx);
  if (cmsType === 'signed-data') {
    const verified = await verifyContentInfo(info, {
      crypto: ctx.crypto,
      trustAnchors: ctx.trustAnchors,
      now: ctx.now,
      ...ctx.revocation,
    });
    await recordSigner(verified, ctx);
    const below = signedLayers(layers, ctx.cmsLayers);
    return unwrapEntity(parseInner(verified.content), ctx, depth + 1, below);
  }

  if (layers.signed && ctx.encryptThenSign === 'reject') {
    throw new DowngradeError(
      'envelope inside a signature rejected: encrypt-then-sign not accepted',
    );
  }
  const identity = ctx.identity;
  if (identity === undefined) throw new UndecipherableError();
  const decrypted = await decrypt(info, identity, ctx);
  if (decrypted.smimeType === 'enveloped-data') ctx.unauthenticatedDecrypted = true;
  const inner = parseInner(decrypted.content);
  return unwrapEntity(inner, ctx, depth + 1, encryptedLayers(layers));
}

/** Counts one envelope or signature to open, and raises LimitExceededError past the limit. */
function countCmsLayer(ctx: UnwrapContext): void {
  ctx.cmsLayers += 1;
  if (ctx.cmsLayers > MAX_CMS_LAYERS) {
    throw new LimitExceededError(`message has more than ${MAX_CMS_LAYERS} CMS layers`);
  }
}

/**
 * Layers below the signature numbered `signature`: a signature inside an envelope makes the order
 * sign-then-encrypt.
 */
function signedLayers(layers: Layers, signature: number): Layers {
  const order = layers.encrypted ? 'sign-then-encrypt' : layers.order;
  const signatures = [...layers.signatures, signature];
  return { encrypted: layers.encrypted, signed: true, order, signatures };
}

/**
 * Layers below an envelope. An envelope inside a signature makes the order encrypt-then-sign:
 * that signature covers the ciphertext only, so it does not prove who wrote the content.
 */
function encryptedLayers(layers: Layers): Layers {
  const order = layers.signed ? 'encrypt-then-sign' : layers.order;
  return { encrypted: true, signed: layers.signed, order, signatures: layers.signatures };
}

/**
 * Returns the error to raise for a failure of the walk or of the checks after it.
 *
 * EnvelopedData with AES-CBC has no integrity check, so an attacker can change the ciphertext and
 * watch the response. If bad padding (493) could be distinguished from good padding followed by any
 * later failure (a MIME parse error, a bad signature, a wrong signer, a downgrade, a limit), the
 * response would be a padding oracle that decrypts the content block by block (Vaudenay, 2002).
 * So once a CBC envelope was decrypted, every failure, including one in a sibling part that comes
 * later, becomes the generic {@link UndecipherableError}, with the real error kept as `cause`.
 * AuthEnvelopedData (AES-GCM) rejects any change with its tag, so its errors stay as they are.
 *
 * NOTE: bad padding still fails sooner than good padding, which goes on to the MIME parse and
 * maybe the signature check, so the response time remains a weaker oracle. Prefer AES-GCM.
 */
export function concealUnauthenticatedFailure(error: unknown, ctx: UnwrapContext): unknown {
  if (!ctx.unauthenticatedDecrypted || error instanceof UndecipherableError) return error;
  if (ctx.identity === undefined) return new UndecipherableError({ cause: error });
  return undecipherable(ctx.identity, error);
}

/**
 * Handles an S/MIME type this library does not understand. RFC 3261 §20.11 lets a receiver ignore
 * a part with `handling=optional`; any other part is required and gets 415.
 */
function rejectUnknownType(entity: MimeEntity, ctx: UnwrapContext): UnwrappedPart[] {
  const disposition = entity.getHeader('Content-Disposition');
  if (disposition !== undefined && parseContentDisposition(disposition).handling === 'optional') {
    ctx.changed = true;
    return [];
  }
  throw new NotSupportedError('S/MIME type of a required part is not supported');
}

async function decrypt(
  info: ContentInfo,
  identity: LocalIdentity,
  ctx: UnwrapContext,
): Promise<DecryptResult> {
  let result;
  try {
    result = await decryptContentInfo(info, {
      crypto: ctx.crypto,
      certificate: identity.certificate,
      privateKey: identity.decryptionKey,
    });
  } catch (error) {
    if (!(error instanceof UndecipherableError)) throw error;
    throw undecipherable(identity, error);
  }

  ctx.security.encrypted = true;
  ctx.security.setEnvelope(result.smimeType, result.contentEncryption, result.keyManagement);
  return result;
}

/**
 * Returns the generic decryption error. RFC 3261 §23.2 lets the 493 response carry the local
 * certificate, so that the peer can encrypt for it next time.
 */
function undecipherable(identity: LocalIdentity, cause: unknown): UndecipherableError {
  const certsOnly = createCertsOnly([identity.certificate, ...identity.chain]);
  return new UndecipherableError({ cause, certsOnly });
}

async function recordSigner(verified: VerifyResult, ctx: UnwrapContext): Promise<void> {
  // RFC 8551 §2.4.1: S/MIME content is MIME, as id-data. Other signed content is not for this reader.
  if (verified.contentType !== OID_DATA) {
    throw new NotSupportedError(`signed content type ${oidName(verified.contentType)} is not MIME`);
  }
  checkSignatureAge(verified, ctx);
  const signerUri = await ctx.checkSigner(verified);
  ctx.changed = true;
  ctx.security.setSigner(
    signerUri,
    verified.signerCertificate,
    verified.intermediates,
    verified.signingTime,
  );
  ctx.security.setAlgorithm('signature', verified.signatureAlgorithm);
  ctx.security.setAlgorithm('digest', verified.digestAlgorithm);
}

/**
 * Raises SignatureInvalidError when `maxSignatureAge` is set and the signingTime attribute is
 * missing or further than that from `now`, in the past or in the future (clock skew).
 */
function checkSignatureAge(verified: VerifyResult, ctx: UnwrapContext): void {
  const maxAge = ctx.maxSignatureAge;
  if (maxAge === undefined) return;
  const signingTime = verified.signingTime;
  if (signingTime === undefined) {
    throw new SignatureInvalidError('signingTime attribute missing, required by maxSignatureAge');
  }
  if (Math.abs(ctx.now.getTime() - signingTime.getTime()) > maxAge) {
    throw new SignatureInvalidError('signingTime is further from now than maxSignatureAge');
  }
}

function parseInner(content: Uint8Array): MimeEntity {
  if (content.length > MAX_BODY_BYTES) {
    throw new LimitExceededError(`S/MIME content larger than ${MAX_BODY_BYTES} bytes`);
  }
  try {
    return MimeEntity.parse(content);
  } catch (error) {
    if (!(error instanceof MimeParseError)) throw error;
    // RFC 8551 §3.1: the content of every CMS layer is a MIME entity with its own headers.
    throw new MimeParseError('S/MIME content is not a MIME entity', { cause: error });
  }
}

/** Content-Transfer-Encodings that RFC 2045 §6.4 allows on a multipart entity. */
const MULTIPART_ENCODINGS = new Set(['7bit', '8bit', 'binary']);

/**
 * Returns the boundary of a multipart entity. Raises MimeParseError when it is missing, when the
 * Content-Type has a quoted-pair, and for a Content-Transfer-Encoding that RFC 2045 §6.4 forbids
 * on a multipart. The parts are split as carried, so a reader that decoded the body first would
 * find other parts.
 */
function requireBoundary(entity: MimeEntity): string {
  const encoding = entity.getHeader('Content-Transfer-Encoding');
  if (encoding !== undefined && !MULTIPART_ENCODINGS.has(encoding.toLowerCase())) {
    throw new MimeParseError(
      `Content-Transfer-Encoding of ${entity.contentType.mediaType} must be 7bit, 8bit or binary`,
    );
  }
  // A quoted-pair in a boundary reads as the character after it, but readers that keep the
  // backslash would split elsewhere. No bchar needs it (RFC 2046 §5.1.1), so none is accepted.
  if (entity.getHeader('Content-Type')?.includes('\\') === true) {
    throw new MimeParseError(`${entity.contentType.mediaType} Content-Type has a quoted-pair`);
  }
  const boundary = entity.contentType.params.get('boundary');
  if (boundary === undefined) {
    throw new MimeParseError(`${entity.contentType.mediaType} boundary missing`);
  }
  return boundary;
}
