/**
 * CMS (RFC 5652) for S/MIME: signing, verification, encryption and decryption over bytes, plus
 * the certificate and key helpers they need. Every function takes the caller's `Crypto`.
 *
 * @module
 */

export { createCertificate } from './certificate-builder.js';
export type { CreateCertificateOptions } from './certificate-builder.js';
export { certificateSipUris, describeCertificate, trustAnchorProblem } from './certificate.js';
export type { CertificateDescription } from './certificate.js';
export type { ContentEncryptionAlgorithm } from './content-encryption.js';
export { getCmsContentType } from './content-info.js';
export type { SmimeType } from './content-info.js';
export { decryptContent } from './decrypt-content.js';
export type { DecryptOptions, DecryptResult } from './decrypt-content.js';
export { encryptContent, prepareEnvelope, sealEnvelope } from './encrypt-content.js';
export type {
  EncryptOptions,
  EncryptResult,
  PrepareEnvelopeOptions,
  PreparedEnvelope,
} from './encrypt-content.js';
export { inspectCms } from './inspect.js';
export type { CertificateSummary, CmsSummary, RecipientSummary, SignerSummary } from './inspect.js';
export { importPrivateKey } from './keys.js';
export type { IdentityKeys, ImportPrivateKeyOptions } from './keys.js';
export { pemDecode, pemEncode } from './pem.js';
export { parseRevocationList } from './revocation-list.js';
export type { RevocationList, RevocationReason, RevokedCertificate } from './revocation-list.js';
export type { RevocationMode } from './revocation.js';
export { createCertsOnly, signContent } from './signed-data.js';
export type { SignOptions } from './signed-data.js';
export { checkCertificate } from './chain.js';
export type { CertificatePurpose, CheckCertificateOptions } from './chain.js';
export { verifySignedData } from './verify-signed-data.js';
export type { VerifyOptions, VerifyResult } from './verify-signed-data.js';
