/**
 * The key and certificate lookup interface through which protect and unprotect find keys, and an
 * in-memory implementation for tests and for servers that load keys from files.
 *
 * @module
 */

/**
 * A local identity: the private key of one SIP address-of-record as CryptoKeys, with its
 * certificate chain. WebCrypto needs one key object per algorithm, so a P-256 key is held twice,
 * once for ECDSA and once for ECDH, and an RSA key once for signing and once for RSA-OAEP.
 */
export interface LocalIdentity {
  /** The SIP URI of the identity, as in the certificate's subjectAltName. */
  readonly uri: string;
  /** DER of the end-entity certificate. */
  readonly certificate: Uint8Array;
  /** DER of the intermediate certificates, closest to the end entity first. */
  readonly chain: readonly Uint8Array[];
  /** ECDSA, RSA-PSS or RSASSA-PKCS1-v1_5 private key, usually non-extractable. */
  readonly signingKey: CryptoKey;
  /** ECDH (deriveBits) or RSA-OAEP (decrypt) private key, usually non-extractable. */
  readonly decryptionKey: CryptoKey;
}

/**
 * Lookup of keys and certificates, per SIP address-of-record (RFC 3261 §23.1). The keystore
 * package implements it on IndexedDB, and {@link MemoryKeyStore} in memory.
 */
export interface KeyStore {
  /** Returns the local identity for a SIP URI, or undefined. */
  getIdentity(uri: string): Promise<LocalIdentity | undefined>;
  /** Returns the trust anchors (DER) that signer chains must reach. */
  getTrustAnchors(): Promise<readonly Uint8Array[]>;
  /** Returns the certificate (DER) stored for a peer's address-of-record, or undefined. */
  getPeerCertificate(addressOfRecord: string): Promise<Uint8Array | undefined>;
  /**
   * Stores a peer certificate. Implementations record a first certificate for an
   * address-of-record; replacing a different one happens only after an explicit decision.
   */
  setPeerCertificate(addressOfRecord: string, certificate: Uint8Array): Promise<void>;
}
