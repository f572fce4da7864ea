/**
 * `@mcptt-smime/keystore`: S/MIME identities whose private keys never leave the browser, with
 * trust anchors and a peer keyring, on IndexedDB.
 *
 * @module
 */

export { IndexedDbKeyStore, DEFAULT_DATABASE_NAME } from './indexed-db-key-store.js';
export type { IndexedDbKeyStoreOptions } from './indexed-db-key-store.js';
export type { IdentityInfo } from './identities.js';
export type {
  CertificateRequest,
  CertificateRequestOptions,
  CompleteEnrolmentOptions,
} from './enrolment.js';
export type { ImportOptions, PemCredential } from './credentials.js';
export type { SetPeerCertificateOptions } from './trust-store.js';
export type { ExpiringCertificate, ExpiringCertificatesOptions } from './expiry.js';
export { canonicalAddressOfRecord } from './address-of-record.js';
export { SCHEMA_VERSION } from './schema.js';
