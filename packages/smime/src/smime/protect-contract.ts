// CONTRACT STUB: the protection helper replaces this file with smime/protect.ts, smime/unprotect.ts
// and smime/policy.ts, keeping these exported names and signatures.
import type { ContentEncryptionAlgorithm } from '../cms/index-contract.js';
import type { ContentType } from '../mime/content-type.js';
import type { SipMessage } from '../sip/message.js';
import type { LocalIdentity } from './key-store.js';

/** Decides which body parts are sensitive. */
export interface ProtectionPolicy {
  /** True when a part of this type in a message of this method must be signed and encrypted. */
  isSensitive(contentType: ContentType, method: string): boolean;
}

/** Options of {@link createProtectionPolicy}. */
export interface ProtectionPolicyOptions {
  /** Media types sent in clear for every method. Default: `['application/sdp']`. */
  readonly clearTypes?: readonly string[];
  /** Per-method overrides: media types sent in clear for that method only. */
  readonly clearTypesByMethod?: Readonly<Record<string, readonly string[]>>;
}
export declare function createProtectionPolicy(options?: ProtectionPolicyOptions): ProtectionPolicy;
export declare const defaultProtectionPolicy: ProtectionPolicy;

export interface ProtectOptions {
  readonly crypto: Crypto;
  readonly signer: LocalIdentity;
  /** Recipient certificates (DER). The signer's own certificate is not added implicitly. */
  readonly recipients: readonly Uint8Array[];
  readonly policy?: ProtectionPolicy;
  /** Default `aes-256-gcm`. */
  readonly contentEncryption?: ContentEncryptionAlgorithm;
  /** Clock for signingTime; default `() => new Date()`. */
  readonly now?: () => Date;
}
/** Signs then encrypts the sensitive parts; returns the message unchanged when none is sensitive. */
export declare function protectMessage(message: SipMessage, options: ProtectOptions): Promise<SipMessage>;

/** What the decision hook is asked about (RFC 3261 §23.2). */
export interface CertificateDecision {
  readonly reason: 'unknown' | 'changed';
  readonly addressOfRecord: string;
  readonly certificate: Uint8Array;
  /** The stored certificate for `reason: 'changed'`. */
  readonly previousCertificate: Uint8Array | undefined;
}

export interface UnprotectOptions {
  readonly crypto: Crypto;
  /** Local identity for decryption; without it an encrypted body is undecipherable. */
  readonly identity?: LocalIdentity;
  readonly trustAnchors: readonly Uint8Array[];
  readonly policy?: ProtectionPolicy;
  readonly now?: () => Date;
  /** Known certificate of a peer address-of-record. */
  readonly getPeerCertificate?: (addressOfRecord: string) => Promise<Uint8Array | undefined>;
  /** Accepts or rejects an unknown or changed signer certificate; without it both are rejected. */
  readonly onCertificateDecision?: (decision: CertificateDecision) => boolean | Promise<boolean>;
}

/** Security outcome of one message. */
export interface SecurityInfo {
  /** True when at least one part was encrypted or signed. */
  readonly protected: boolean;
  readonly encrypted: boolean;
  readonly signed: boolean;
  readonly signerUri: string | undefined;
  readonly signerCertificate: Uint8Array | undefined;
  /** For example `{ signature: 'ecdsa-with-SHA256', contentEncryption: 'aes-256-gcm', keyManagement: '...', smimeType: 'authEnveloped-data' }`. */
  readonly algorithms: Readonly<Record<string, string>>;
  /** Media types of the parts that arrived protected. */
  readonly protectedParts: readonly string[];
}

export interface UnprotectResult {
  /** The message with the plaintext parts put back (multipart/mixed when several). */
  readonly message: SipMessage;
  readonly security: SecurityInfo;
}
export declare function unprotectMessage(
  message: SipMessage,
  options: UnprotectOptions,
): Promise<UnprotectResult>;
