/**
 * `@mcptt-smime/smime`: end-to-end S/MIME protection of SIP bodies (RFC 3261 §23, RFC 8551,
 * CMS RFC 5652), for browsers and Node. Every export is named here one by one, so that the public
 * surface changes only on purpose.
 *
 * @example
 * ```ts
 * // context: bytes: Uint8Array, alice: LocalIdentity, server: LocalIdentity,
 * // context: serverCertificate: Uint8Array, caCertificate: Uint8Array
 * import { protectMessage, unprotectMessage, SipMessage } from '@mcptt-smime/smime';
 *
 * const sent = await protectMessage(SipMessage.parse(bytes), {
 *   crypto: globalThis.crypto,
 *   signer: alice,
 *   recipients: [serverCertificate],
 * });
 * const { message, security } = await unprotectMessage(sent, {
 *   crypto: globalThis.crypto,
 *   identity: server,
 *   trustAnchors: [caCertificate],
 * });
 * ```
 *
 * @packageDocumentation
 */

// Protection of SIP messages.
export { DEFAULT_CONTENT_ENCRYPTION, prepareProtection, protectMessage } from './smime/protect.js';
export type { PreparedProtection, ProtectOptions } from './smime/protect.js';
export { EnvelopePool, MAX_POOL_DEPTH, MAX_POOLED_RECIPIENT_SETS } from './smime/envelope-pool.js';
export type {
  EnvelopePoolOptions,
  EnvelopePreparer,
  EnvelopeRequest,
  EnvelopeSource,
} from './smime/envelope-pool.js';
export {
  ENVELOPE_MESSAGE_TYPE,
  ENVELOPE_REQUEST_TIMEOUT_MS,
  serveEnvelopes,
  workerEnvelopePreparer,
} from './smime/envelope-worker.js';
export type { EnvelopeMessageEvent, EnvelopePort } from './smime/envelope-worker.js';
export { unprotectMessage } from './smime/unprotect.js';
export type { UnprotectOptions } from './smime/unprotect.js';
export type { PartProtection, UnprotectResult } from './smime/unprotect.js';
export { SMIME_BODY_TYPES } from './smime/unwrap.js';
export { createProtectionPolicy, defaultProtectionPolicy } from './smime/policy.js';
export type { ProtectionPolicy } from './smime/policy.js';
export type { ProtectionPolicyOptions } from './smime/policy.js';
export type { SecurityInfo } from './smime/security.js';
export type { NestingOrder } from './smime/security.js';
export {
  createHeaderFragment,
  HEADER_FRAGMENT_TYPE,
  protectedHeaderValues,
} from './smime/protected-headers.js';
export {
  BOUND_HEADERS,
  compactReplayRecords,
  DEFAULT_REPLAY_GUARD_ENTRIES,
  DEFAULT_REPLAY_GUARD_ENTRIES_PER_SIGNER,
  DEFAULT_REPLAY_WINDOW_MS,
  isReplayRecord,
  ReplayGuard,
} from './smime/replay-guard.js';
export type { ReplayGuardOptions, ReplayRecord, ReplayStore } from './smime/replay-guard.js';
export { addressOfRecord } from './smime/signer-check.js';
export type { CertificateDecision } from './smime/signer-check.js';
export { createCertsOnlyBody } from './smime/certs-only-body.js';
export type { SipBody } from './smime/certs-only-body.js';

// Keys and certificates.
export type { KeyStore } from './smime/key-store.js';
export type { LocalIdentity } from './smime/key-store.js';
export { MemoryKeyStore } from './smime/memory-key-store.js';
export type { MemoryKeyStoreOptions } from './smime/memory-key-store.js';
export type { SetPeerCertificateOptions } from './smime/memory-key-store.js';

// CMS (RFC 5652, RFC 5083, RFC 8551).
export {
  certificateSipUris,
  checkCertificate,
  createCertsOnly,
  decryptContent,
  encryptContent,
  getCmsContentType,
  importPrivateKey,
  inspectCms,
  parseRevocationList,
  pemDecode,
  pemEncode,
  signContent,
  trustAnchorProblem,
  verifySignedData,
} from './cms/index.js';
export { prepareEnvelope } from './cms/index.js';
export type { CertificatePurpose, CheckCertificateOptions } from './cms/index.js';
export type { CmsSummary } from './cms/index.js';
export type { PreparedEnvelope, PrepareEnvelopeOptions } from './cms/index.js';
export type { ContentEncryptionAlgorithm } from './cms/index.js';
export type { DecryptOptions } from './cms/index.js';
export type { DecryptResult } from './cms/index.js';
export type { EncryptOptions } from './cms/index.js';
export type { EncryptResult } from './cms/index.js';
export type { RevocationList } from './cms/index.js';
export type { RevocationMode } from './cms/index.js';
export type { RevocationReason } from './cms/index.js';
export type { RevokedCertificate } from './cms/index.js';
export type { SignOptions } from './cms/index.js';
export type { SmimeType } from './cms/index.js';
export type { VerifyOptions } from './cms/index.js';
export type { VerifyResult } from './cms/index.js';

// SIP messages and addresses (RFC 3261).
export { SipMessage } from './sip/message.js';
export type { SipBodyHeaders } from './sip/message.js';
export type { SipCSeq } from './sip/message.js';
export type { SipHeader } from './sip/message.js';
export type { SipRequestLine } from './sip/message.js';
export type { SipStatusLine } from './sip/message.js';
export { parseNameAddress, parseSipUri, sameAddressOfRecord } from './sip/address.js';
export { canonicalHeaderName } from './sip/header-names.js';
export { parseVia, topViaBranch } from './sip/via.js';
export type { SipVia } from './sip/via.js';
export {
  hasControlCharacter,
  hasToTag,
  isCopyableHeaderValue,
  readStartLine,
  responseTo,
  splitHeaderLines,
  toTag,
} from './sip/lenient.js';
export type { LenientHead, LenientStartLine } from './sip/lenient.js';
export type { NameAddress } from './sip/address.js';
export type { SipUri } from './sip/address.js';

// MIME (RFC 2045, RFC 2046).
export { formatContentType, parseContentType } from './mime/content-type.js';
export type { ContentType } from './mime/content-type.js';
export { MimeEntity } from './mime/entity.js';
export type { MimeHeader } from './mime/entity.js';
export { buildMultipart, createBoundary, parseMultipart } from './mime/multipart.js';

// Errors.
export {
  CertificateChangedError,
  CertificateRevokedError,
  CertificateUntrustedError,
  CmsParseError,
  CredentialInvalidError,
  DowngradeError,
  HeaderMismatchError,
  ReplayedError,
  IdentityMismatchError,
  KeyNotFoundError,
  LimitExceededError,
  McpttError,
  MimeParseError,
  NotExportableError,
  NotSupportedError,
  SIP_REASON_PHRASES,
  SignatureInvalidError,
  SipParseError,
  SipVersionError,
  StorageError,
  UndecipherableError,
  isErrorCode,
  isMcpttError,
} from './errors.js';
export type { AnyMcpttError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { McpttErrorOptions } from './errors.js';
export type { StorageErrorCode } from './errors.js';

// Limits and byte helpers.
export {
  BASE64_LINE_WIDTH,
  MAX_BODY_BYTES,
  MAX_CERTIFICATES,
  MAX_CHAIN_LENGTH,
  MAX_CMS_LAYERS,
  MAX_DER_DEPTH,
  MAX_DER_ELEMENTS,
  MAX_GCM_NONCE_BYTES,
  MAX_HEADER_COUNT,
  MAX_HEADER_SECTION_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_MULTIPART_PARTS,
  MAX_NESTING_DEPTH,
  MAX_OCTET_STRING_DEPTH,
  MAX_RECIPIENTS,
  MAX_REVOCATION_LIST_BYTES,
  MAX_REVOCATION_LIST_ENTRIES,
} from './limits.js';
export {
  base64Decode,
  base64Encode,
  bytesEqual,
  concatBytes,
  hexEncode,
  utf8Decode,
  utf8Encode,
} from './bytes.js';
