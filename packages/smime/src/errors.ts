/**
 * One error hierarchy for every package of mcptt-smime.
 *
 * Each error carries a stable string `code` and the SIP status that a user agent answers when the
 * error ends the processing of a request (RFC 3261 §21 and §23.2). Messages name the failing header,
 * part or field and never contain plaintext, key material or tokens. Programmer mistakes, such as
 * an argument of the wrong type, throw a plain `TypeError` instead.
 *
 * @module
 */

/** Stable error codes. New codes may be added, existing ones never change meaning. */
export type ErrorCode =
  | 'ERR_SIP_MALFORMED'
  | 'ERR_SIP_VERSION'
  | 'ERR_MIME_MALFORMED'
  | 'ERR_CMS_MALFORMED'
  | 'ERR_LIMIT_EXCEEDED'
  | 'ERR_UNDECIPHERABLE'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_CERT_UNTRUSTED'
  | 'ERR_CERT_REVOKED'
  | 'ERR_CERT_CHANGED'
  | 'ERR_IDENTITY_MISMATCH'
  | 'ERR_HEADER_MISMATCH'
  | 'ERR_REPLAYED'
  | 'ERR_DOWNGRADE'
  | 'ERR_NOT_SUPPORTED'
  | 'ERR_KEY_NOT_FOUND'
  | 'ERR_STORAGE_FAILED'
  | 'ERR_STORAGE_QUOTA'
  | 'ERR_STORAGE_BLOCKED'
  | 'ERR_STORAGE_DATA_CLONE'
  | 'ERR_CREDENTIAL_INVALID'
  | 'ERR_NOT_EXPORTABLE'
  /** A request that the SDK sent got a final error response, or none (408). */
  | 'ERR_REQUEST_FAILED'
  /** A failure outside the library, such as an application callback that threw (500). */
  | 'ERR_INTERNAL';

// Every code once: the type makes a code added to ErrorCode but missing here a compile error.
const KNOWN_CODES: Readonly<Record<ErrorCode, true>> = {
  ERR_SIP_MALFORMED: true,
  ERR_SIP_VERSION: true,
  ERR_MIME_MALFORMED: true,
  ERR_CMS_MALFORMED: true,
  ERR_LIMIT_EXCEEDED: true,
  ERR_UNDECIPHERABLE: true,
  ERR_SIGNATURE_INVALID: true,
  ERR_CERT_UNTRUSTED: true,
  ERR_CERT_REVOKED: true,
  ERR_CERT_CHANGED: true,
  ERR_IDENTITY_MISMATCH: true,
  ERR_HEADER_MISMATCH: true,
  ERR_REPLAYED: true,
  ERR_DOWNGRADE: true,
  ERR_NOT_SUPPORTED: true,
  ERR_KEY_NOT_FOUND: true,
  ERR_STORAGE_FAILED: true,
  ERR_STORAGE_QUOTA: true,
  ERR_STORAGE_BLOCKED: true,
  ERR_STORAGE_DATA_CLONE: true,
  ERR_CREDENTIAL_INVALID: true,
  ERR_NOT_EXPORTABLE: true,
  ERR_REQUEST_FAILED: true,
  ERR_INTERNAL: true,
};

/**
 * Tells whether `value` is one of the {@link ErrorCode}s, for a code read from the network.
 *
 * @param value - The code to check, such as the code of a Warning header field.
 * @returns True when `value` is a code of this library.
 */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(KNOWN_CODES, value);
}

/** Reason phrases of the SIP status codes that the errors map to (RFC 3261 §21, RFC 3261 §23.2). */
export const SIP_REASON_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  493: 'Undecipherable',
  500: 'Server Internal Error',
  505: 'Version Not Supported',
};

/** Options accepted by every error constructor. */
export interface McpttErrorOptions {
  /** The underlying error. It is kept for debugging and never shown to a remote party. */
  cause?: unknown;
}

/**
 * Base class of every error raised by mcptt-smime.
 *
 * @example
 * ```ts
 * // context: message: SipMessage, options: UnprotectOptions,
 * // context: reply: (status: number, reason: string) => void
 * try {
 *   await unprotectMessage(message, options);
 * } catch (err) {
 *   if (err instanceof McpttError) reply(err.sipStatus, err.reasonPhrase);
 * }
 * ```
 */
export abstract class McpttError extends Error {
  /** Stable code, the value to switch on. */
  abstract readonly code: ErrorCode;
  /** SIP status code that a user agent answers when this error rejects a request. */
  abstract readonly sipStatus: number;

  /**
   * @param message - What failed, naming the header, part or field. It must not contain
   *   plaintext, key material or tokens, because applications log it.
   * @param options - The `cause`, kept for debugging.
   */
  constructor(message: string, options?: McpttErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }

  /** Reason phrase that belongs to {@link McpttError.sipStatus}. */
  get reasonPhrase(): string {
    return SIP_REASON_PHRASES[this.sipStatus] ?? 'Server Internal Error';
  }
}

/** A SIP message that does not follow the RFC 3261 grammar, or whose framing is inconsistent. */
export class SipParseError extends McpttError {
  /** `ERR_SIP_MALFORMED`, the code of every instance, readable without one. */
  static readonly code = 'ERR_SIP_MALFORMED';
  readonly code = 'ERR_SIP_MALFORMED';
  readonly sipStatus = 400;
}

/**
 * A well-formed SIP version other than SIP/2.0 in the start line. A server responds with 505
 * (RFC 3261 §21.5.6, RFC 4475 §3.1.2.16).
 */
export class SipVersionError extends McpttError {
  /** `ERR_SIP_VERSION`, the code of every instance, readable without one. */
  static readonly code = 'ERR_SIP_VERSION';
  readonly code = 'ERR_SIP_VERSION';
  readonly sipStatus = 505;
}

/**
 * A MIME entity or multipart body that does not follow RFC 2045 and RFC 2046. The SDK and the
 * server also raise it, or a subclass, for a body part whose content does not parse, such as
 * MCPTT XML that is not well-formed.
 */
export class MimeParseError extends McpttError {
  /** `ERR_MIME_MALFORMED`, the code of every instance, readable without one. */
  static readonly code = 'ERR_MIME_MALFORMED';
  readonly code = 'ERR_MIME_MALFORMED';
  readonly sipStatus = 400;
}

/** A CMS structure, certificate or base64 payload that cannot be decoded. */
export class CmsParseError extends McpttError {
  /** `ERR_CMS_MALFORMED`, the code of every instance, readable without one. */
  static readonly code = 'ERR_CMS_MALFORMED';
  readonly code = 'ERR_CMS_MALFORMED';
  readonly sipStatus = 400;
}

/** An input past one of the documented limits in `limits.ts`. */
export class LimitExceededError extends McpttError {
  /** `ERR_LIMIT_EXCEEDED`, the code of every instance, readable without one. */
  static readonly code = 'ERR_LIMIT_EXCEEDED';
  readonly code = 'ERR_LIMIT_EXCEEDED';
  readonly sipStatus = 413;
}

/**
 * A body that cannot be decrypted. The message is the same whatever the cause (no recipient
 * matches the local certificate, the key cannot be unwrapped, the tag or the padding is wrong), so
 * that the error is no oracle. {@link UndecipherableError.certsOnly} carries the ready-to-send
 * `application/pkcs7-mime; smime-type=certs-only` body of the 493 response when the caller
 * supplied the local certificate.
 */
export class UndecipherableError extends McpttError {
  /** `ERR_UNDECIPHERABLE`, the code of every instance, readable without one. */
  static readonly code = 'ERR_UNDECIPHERABLE';
  /** The one message of every decryption failure, whatever its cause. */
  static readonly genericMessage = 'message body could not be decrypted';
  readonly code = 'ERR_UNDECIPHERABLE';
  readonly sipStatus = 493;
  /** DER of a certs-only SignedData with the local certificate, for the 493 response body. */
  certsOnly: Uint8Array | undefined;

  /**
   * Creates the error with {@link UndecipherableError.genericMessage}; there is no message
   * parameter, so that no cause can show through it.
   *
   * @param options - The `cause`, kept for debugging and never shown to the sender, and
   *   `certsOnly` for the 493 response body.
   */
  constructor(options?: McpttErrorOptions & { certsOnly?: Uint8Array }) {
    super(UndecipherableError.genericMessage, options);
    this.certsOnly = options?.certsOnly;
  }
}

/** A signature that does not verify, or a SignedData whose signed attributes are inconsistent. */
export class SignatureInvalidError extends McpttError {
  /** `ERR_SIGNATURE_INVALID`, the code of every instance, readable without one. */
  static readonly code = 'ERR_SIGNATURE_INVALID';
  readonly code = 'ERR_SIGNATURE_INVALID';
  readonly sipStatus = 403;
}

/**
 * A signer certificate that does not chain to a trust anchor, is outside its validity period, or
 * lacks the key usage for its role. With `revocation: 'require'`, also a certificate on the path
 * without a current certificate revocation list that verifies.
 */
export class CertificateUntrustedError extends McpttError {
  /** `ERR_CERT_UNTRUSTED`, the code of every instance, readable without one. */
  static readonly code = 'ERR_CERT_UNTRUSTED';
  readonly code = 'ERR_CERT_UNTRUSTED';
  readonly sipStatus = 403;
}

/**
 * A certificate on the signer's path that a verified certificate revocation list of its issuer
 * lists as revoked or on hold (RFC 5280 §6.3). The message names the certificate by subject and
 * serial number.
 */
export class CertificateRevokedError extends McpttError {
  /** `ERR_CERT_REVOKED`, the code of every instance, readable without one. */
  static readonly code = 'ERR_CERT_REVOKED';
  readonly code = 'ERR_CERT_REVOKED';
  readonly sipStatus = 403;
}

/**
 * A certificate for a known address-of-record that differs from the stored one (RFC 3261 §23.2).
 * It is never replaced silently: the caller's decision hook must accept it.
 */
export class CertificateChangedError extends McpttError {
  /** `ERR_CERT_CHANGED`, the code of every instance, readable without one. */
  static readonly code = 'ERR_CERT_CHANGED';
  readonly code = 'ERR_CERT_CHANGED';
  readonly sipStatus = 403;
}

/** A signer whose certificate identity is not the From URI of a request or the To URI of a response. */
export class IdentityMismatchError extends McpttError {
  /** `ERR_IDENTITY_MISMATCH`, the code of every instance, readable without one. */
  static readonly code = 'ERR_IDENTITY_MISMATCH';
  readonly code = 'ERR_IDENTITY_MISMATCH';
  readonly sipStatus = 403;
}

/**
 * A header field of the message that differs from its copy in the signed content (RFC 3261
 * §23.4.1.1), or is missing: something on the way changed what the signer sent.
 */
export class HeaderMismatchError extends McpttError {
  /** `ERR_HEADER_MISMATCH`, the code of every instance, readable without one. */
  static readonly code = 'ERR_HEADER_MISMATCH';
  readonly code = 'ERR_HEADER_MISMATCH';
  readonly sipStatus = 403;
}

/**
 * A signed request received before: the same signer, Call-ID and CSeq (or method, when only the
 * Call-ID is covered), which its signature covers, within the window of a `ReplayGuard`. The SIP core may have captured and sent it again.
 */
export class ReplayedError extends McpttError {
  /** `ERR_REPLAYED`, the code of every instance, readable without one. */
  static readonly code = 'ERR_REPLAYED';
  readonly code = 'ERR_REPLAYED';
  readonly sipStatus = 403;
}

/**
 * A sensitive body part that arrived in clear, or signed but not encrypted, where the policy
 * requires protection. An attacker who strips the protection produces exactly this.
 */
export class DowngradeError extends McpttError {
  /** `ERR_DOWNGRADE`, the code of every instance, readable without one. */
  static readonly code = 'ERR_DOWNGRADE';
  readonly code = 'ERR_DOWNGRADE';
  readonly sipStatus = 403;
}

/** An S/MIME type, algorithm or key type that this library does not implement. */
export class NotSupportedError extends McpttError {
  /** `ERR_NOT_SUPPORTED`, the code of every instance, readable without one. */
  static readonly code = 'ERR_NOT_SUPPORTED';
  readonly code = 'ERR_NOT_SUPPORTED';
  readonly sipStatus = 415;
  /**
   * For a body in a content coding that is not applied: the codings that are, for the
   * Accept-Encoding field that RFC 3261 §8.2.3 requires in the 415 response.
   */
  readonly acceptEncoding: string | undefined;

  /**
   * @param message - What is not supported, such as `content encryption 3DES not supported`.
   * @param options - The `cause`, and `acceptEncoding` for a body in an unapplied content coding.
   */
  constructor(message: string, options?: McpttErrorOptions & { acceptEncoding?: string }) {
    super(message, options);
    this.acceptEncoding = options?.acceptEncoding;
  }
}

/** No local identity, private key or recipient certificate for the requested address. */
export class KeyNotFoundError extends McpttError {
  /** `ERR_KEY_NOT_FOUND`, the code of every instance, readable without one. */
  static readonly code = 'ERR_KEY_NOT_FOUND';
  readonly code = 'ERR_KEY_NOT_FOUND';
  readonly sipStatus = 500;
}

/** Codes of the key storage errors. */
export type StorageErrorCode =
  'ERR_STORAGE_FAILED' | 'ERR_STORAGE_QUOTA' | 'ERR_STORAGE_BLOCKED' | 'ERR_STORAGE_DATA_CLONE';

/** A failure of the persistent key storage. `code` tells which kind. */
export class StorageError extends McpttError {
  /** Default code of this class, `ERR_STORAGE_FAILED`, for a check without an instance. */
  static readonly code = 'ERR_STORAGE_FAILED';
  /**
   * `ERR_STORAGE_QUOTA` for a storage quota exceeded, `ERR_STORAGE_DATA_CLONE` for a value that
   * IndexedDB cannot clone, `ERR_STORAGE_BLOCKED` for a database upgrade that another tab blocks,
   * and `ERR_STORAGE_FAILED` for any other failure.
   */
  readonly code: StorageErrorCode;
  readonly sipStatus = 500;

  /**
   * @param message - What failed, naming the operation and never a stored value.
   * @param options - `cause`, and `code` (`ERR_STORAGE_FAILED` when absent).
   */
  constructor(message: string, options?: McpttErrorOptions & { code?: StorageErrorCode }) {
    super(message, options);
    this.code = options?.code ?? 'ERR_STORAGE_FAILED';
  }
}

/**
 * A credential that cannot be used: a wrong PKCS#12 password, a certificate that does not match
 * its key, or an issued certificate that does not chain to a trust anchor.
 */
export class CredentialInvalidError extends McpttError {
  /** `ERR_CREDENTIAL_INVALID`, the code of every instance, readable without one. */
  static readonly code = 'ERR_CREDENTIAL_INVALID';
  readonly code = 'ERR_CREDENTIAL_INVALID';
  readonly sipStatus = 500;
}

/** An export of a key that was stored as non-exportable. */
export class NotExportableError extends McpttError {
  /** `ERR_NOT_EXPORTABLE`, the code of every instance, readable without one. */
  static readonly code = 'ERR_NOT_EXPORTABLE';
  readonly code = 'ERR_NOT_EXPORTABLE';
  readonly sipStatus = 500;
}

/** Union of every concrete error class, so that a `switch` on `code` narrows the type. */
export type AnyMcpttError =
  | SipParseError
  | SipVersionError
  | MimeParseError
  | CmsParseError
  | LimitExceededError
  | UndecipherableError
  | SignatureInvalidError
  | CertificateUntrustedError
  | CertificateRevokedError
  | CertificateChangedError
  | IdentityMismatchError
  | HeaderMismatchError
  | ReplayedError
  | DowngradeError
  | NotSupportedError
  | KeyNotFoundError
  | StorageError
  | CredentialInvalidError
  | NotExportableError;

/**
 * Tells whether `value` is an error of this library, so that a caller can read its `code` and
 * `sipStatus`.
 *
 * @param value - Anything caught.
 * @returns True when `value` is an instance of a subclass of {@link McpttError}.
 */
export function isMcpttError(value: unknown): value is AnyMcpttError {
  return value instanceof McpttError;
}
