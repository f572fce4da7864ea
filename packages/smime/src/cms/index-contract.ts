// CONTRACT STUB: the CMS helper replaces this file with real modules under cms/, keeping these
// exported names and signatures (re-export them from the real files, then delete this stub).

/** Content-encryption algorithms (RFC 5084 for GCM in AuthEnvelopedData, RFC 3565 for CBC). */
export type ContentEncryptionAlgorithm =
  'aes-128-gcm' | 'aes-256-gcm' | 'aes-128-cbc' | 'aes-256-cbc';

/** S/MIME types of an application/pkcs7-mime body (RFC 8551 §3.2.2, RFC 5083). */
export type SmimeType = 'signed-data' | 'enveloped-data' | 'authEnveloped-data' | 'certs-only';

export interface SignOptions {
  readonly crypto: Crypto;
  readonly content: Uint8Array;
  /** ECDSA P-256/P-384, RSA-PSS or RSASSA-PKCS1-v1_5 key; may be non-extractable. */
  readonly privateKey: CryptoKey;
  readonly certificate: Uint8Array;
  readonly chain?: readonly Uint8Array[];
  readonly signingTime: Date;
  /** True for a detached signature (multipart/signed), false for an opaque one. */
  readonly detached: boolean;
}

/** Signs with SHA-256 and signed attributes (contentType, messageDigest, signingTime); returns ContentInfo DER. */
export declare function signContent(options: SignOptions): Promise<Uint8Array>;

export interface VerifyOptions {
  readonly crypto: Crypto;
  readonly der: Uint8Array;
  /** Content of a detached signature. */
  readonly detachedContent?: Uint8Array;
  readonly trustAnchors: readonly Uint8Array[];
  readonly now: Date;
}

export interface VerifyResult {
  /** Signed content: the detached content, or the encapsulated content (BER chunks joined). */
  readonly content: Uint8Array;
  readonly signerCertificate: Uint8Array;
  /** SIP and SIPS URIs from the signer's subjectAltName; URIs with control characters are dropped. */
  readonly signerUris: readonly string[];
  /** For example `ecdsa-with-SHA256`, `rsassa-pss`, `sha256WithRSAEncryption`. */
  readonly signatureAlgorithm: string;
  readonly digestAlgorithm: string;
  readonly signingTime: Date | undefined;
  /** False when no path to a trust anchor was found; every other certificate failure throws. */
  readonly chainTrusted: boolean;
}

/**
 * Verifies a SignedData. A bad signature raises SignatureInvalidError; an expired or not yet valid
 * certificate, or a missing digitalSignature key usage, raises CertificateUntrustedError.
 */
export declare function verifySignedData(options: VerifyOptions): Promise<VerifyResult>;

export interface EncryptOptions {
  readonly crypto: Crypto;
  readonly content: Uint8Array;
  /** EC P-256 (KeyAgreeRecipientInfo) or RSA (KeyTransRecipientInfo with RSA-OAEP SHA-256) certificates. */
  readonly recipients: readonly Uint8Array[];
  readonly algorithm: ContentEncryptionAlgorithm;
}

export interface EncryptResult {
  readonly der: Uint8Array;
  readonly smimeType: 'enveloped-data' | 'authEnveloped-data';
}

export declare function encryptContent(options: EncryptOptions): Promise<EncryptResult>;

export interface DecryptOptions {
  readonly crypto: Crypto;
  readonly der: Uint8Array;
  readonly certificate: Uint8Array;
  /** ECDH key with deriveBits, or RSA-OAEP key with decrypt; may be non-extractable. */
  readonly privateKey: CryptoKey;
}

export interface DecryptResult {
  readonly content: Uint8Array;
  readonly smimeType: 'enveloped-data' | 'authEnveloped-data';
  readonly contentEncryption: ContentEncryptionAlgorithm;
  /** For example `ecdh-es-sha256-aes128-wrap` or `rsaes-oaep-sha256`. */
  readonly keyManagement: string;
}

/** Decrypts; every cryptographic failure raises UndecipherableError with its generic message. */
export declare function decryptContent(options: DecryptOptions): Promise<DecryptResult>;

/** Builds a certs-only SignedData (RFC 8551 §3.6) holding `certificates`; returns ContentInfo DER. */
export declare function createCertsOnly(certificates: readonly Uint8Array[]): Uint8Array;

/** Reads the content type of a ContentInfo, rejecting trailing bytes and unknown types. */
export declare function getCmsContentType(der: Uint8Array): SmimeType | 'data';

/** Summary of a CMS structure for `mcptt-smime inspect`, without any key. */
export interface CmsSummary {
  readonly contentType: string;
  readonly size: number;
  readonly recipients?: readonly {
    readonly type: string;
    readonly keyManagement: string;
    readonly id: string;
  }[];
  readonly contentEncryption?: string;
  readonly signers?: readonly {
    readonly id: string;
    readonly digestAlgorithm: string;
    readonly signatureAlgorithm: string;
    readonly signingTime?: string;
  }[];
  readonly certificates?: readonly {
    readonly subject: string;
    readonly issuer: string;
    readonly uris: readonly string[];
  }[];
  readonly encapsulatedContentSize?: number;
}
export declare function inspectCms(der: Uint8Array): CmsSummary;

/** SIP and SIPS URIs in a certificate's subjectAltName; values with NUL or other control characters are dropped. */
export declare function certificateSipUris(certificate: Uint8Array): string[];

/** Decodes every PEM block with the given label (`CERTIFICATE`, `PRIVATE KEY`). Raises CmsParseError. */
export declare function pemDecode(text: string, label: string): Uint8Array[];
export declare function pemEncode(der: Uint8Array, label: string): string;

/**
 * Imports a PKCS#8 private key as the two CryptoKeys an identity needs: signing (ECDSA, or RSA-PSS)
 * and decryption (ECDH deriveBits, or RSA-OAEP decrypt). Non-extractable unless asked.
 * Raises NotSupportedError for other key types.
 */
export declare function importPrivateKey(
  crypto: Crypto,
  pkcs8: Uint8Array,
  options?: { readonly extractable?: boolean; readonly rsaSignature?: 'pss' | 'pkcs1' },
): Promise<{ signingKey: CryptoKey; decryptionKey: CryptoKey }>;
