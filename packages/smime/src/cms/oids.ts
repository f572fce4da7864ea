/**
 * Object identifiers of the CMS structures and algorithms this library reads or writes, and of
 * some that it does not support but names in its errors and in `inspect`.
 *
 * @module
 */

/** Content types (RFC 5652 §4 to §9, RFC 5083 §1, RFC 3274, RFC 2634). */
export const OID_DATA = '1.2.840.113549.1.7.1';
export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_ENVELOPED_DATA = '1.2.840.113549.1.7.3';
export const OID_DIGESTED_DATA = '1.2.840.113549.1.7.5';
export const OID_ENCRYPTED_DATA = '1.2.840.113549.1.7.6';
export const OID_AUTH_DATA = '1.2.840.113549.1.9.16.1.2';
export const OID_AUTH_ENVELOPED_DATA = '1.2.840.113549.1.9.16.1.23';
export const OID_COMPRESSED_DATA = '1.2.840.113549.1.9.16.1.9';
export const OID_RECEIPT = '1.2.840.113549.1.9.16.1.1';

/** Signed attributes (RFC 5652 §11). */
export const OID_ATTR_CONTENT_TYPE = '1.2.840.113549.1.9.3';
export const OID_ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
export const OID_ATTR_SIGNING_TIME = '1.2.840.113549.1.9.5';

/** Digest algorithms (RFC 5754 §2). */
export const OID_SHA1 = '1.3.14.3.2.26';
export const OID_SHA224 = '2.16.840.1.101.3.4.2.4';
export const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
export const OID_SHA384 = '2.16.840.1.101.3.4.2.2';
export const OID_SHA512 = '2.16.840.1.101.3.4.2.3';

/** Public key and signature algorithms (RFC 5480, RFC 5754, RFC 4055). */
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const OID_P256 = '1.2.840.10045.3.1.7';
export const OID_P384 = '1.3.132.0.34';
export const OID_P521 = '1.3.132.0.35';
export const OID_ECDSA_SHA1 = '1.2.840.10045.4.1';
export const OID_ECDSA_SHA224 = '1.2.840.10045.4.3.1';
export const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
export const OID_ECDSA_SHA384 = '1.2.840.10045.4.3.3';
export const OID_ECDSA_SHA512 = '1.2.840.10045.4.3.4';
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
export const OID_RSAES_OAEP = '1.2.840.113549.1.1.7';
export const OID_MGF1 = '1.2.840.113549.1.1.8';
export const OID_P_SPECIFIED = '1.2.840.113549.1.1.9';
export const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
export const OID_SHA1_WITH_RSA = '1.2.840.113549.1.1.5';
export const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
export const OID_SHA384_WITH_RSA = '1.2.840.113549.1.1.12';
export const OID_SHA512_WITH_RSA = '1.2.840.113549.1.1.13';
export const OID_SHA224_WITH_RSA = '1.2.840.113549.1.1.14';
export const OID_ED25519 = '1.3.101.112';
export const OID_X25519 = '1.3.101.110';

/** Key agreement schemes (RFC 5753 §7.1.4, SEC 1). */
export const OID_ECDH_STD_SHA1KDF = '1.3.133.16.840.63.0.2';
export const OID_ECDH_STD_SHA256KDF = '1.3.132.1.11.1';
export const OID_ECDH_STD_SHA384KDF = '1.3.132.1.11.2';
export const OID_ECDH_STD_SHA512KDF = '1.3.132.1.11.3';
export const OID_ECDH_COFACTOR_SHA1KDF = '1.3.133.16.840.63.0.3';
export const OID_ECDH_COFACTOR_SHA256KDF = '1.3.132.1.14.1';
export const OID_ECDH_COFACTOR_SHA384KDF = '1.3.132.1.14.2';
export const OID_ECDH_COFACTOR_SHA512KDF = '1.3.132.1.14.3';

/** AES and Triple-DES (RFC 3565, RFC 3394, RFC 5649, RFC 5084, RFC 3370). */
export const OID_AES128_CBC = '2.16.840.1.101.3.4.1.2';
export const OID_AES192_CBC = '2.16.840.1.101.3.4.1.22';
export const OID_AES256_CBC = '2.16.840.1.101.3.4.1.42';
export const OID_AES128_GCM = '2.16.840.1.101.3.4.1.6';
export const OID_AES192_GCM = '2.16.840.1.101.3.4.1.26';
export const OID_AES256_GCM = '2.16.840.1.101.3.4.1.46';
export const OID_DES_EDE3_CBC = '1.2.840.113549.3.7';
export const OID_AES128_WRAP = '2.16.840.1.101.3.4.1.5';
export const OID_AES192_WRAP = '2.16.840.1.101.3.4.1.25';
export const OID_AES256_WRAP = '2.16.840.1.101.3.4.1.45';
export const OID_AES128_WRAP_PAD = '2.16.840.1.101.3.4.1.8';
export const OID_AES192_WRAP_PAD = '2.16.840.1.101.3.4.1.28';
export const OID_AES256_WRAP_PAD = '2.16.840.1.101.3.4.1.48';
export const OID_DES3_WRAP = '1.2.840.113549.1.9.16.3.6';
/** PBKDF2 (RFC 8018), the key derivation of a PasswordRecipientInfo. */
export const OID_PBKDF2 = '1.2.840.113549.1.5.12';
/** id-alg-PWRI-KEK (RFC 3211), the key wrap of a PasswordRecipientInfo. */
export const OID_PWRI_KEK = '1.2.840.113549.1.9.16.3.9';

/** Certificate extensions (RFC 5280 §4.2). */
export const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
export const OID_KEY_USAGE = '2.5.29.15';
export const OID_SUBJECT_ALT_NAME = '2.5.29.17';
export const OID_BASIC_CONSTRAINTS = '2.5.29.19';
export const OID_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
export const OID_EXT_KEY_USAGE = '2.5.29.37';
export const OID_ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
export const OID_KP_EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
export const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31';

/** CRL and CRL entry extensions (RFC 5280 §5.2 and §5.3). */
export const OID_CRL_NUMBER = '2.5.29.20';
export const OID_CRL_REASON = '2.5.29.21';
export const OID_INVALIDITY_DATE = '2.5.29.24';
export const OID_DELTA_CRL_INDICATOR = '2.5.29.27';
export const OID_ISSUING_DISTRIBUTION_POINT = '2.5.29.28';
export const OID_CERTIFICATE_ISSUER = '2.5.29.29';

/** Digest algorithm names as WebCrypto spells them, by OID. */
export const DIGEST_BY_OID: Readonly<Record<string, string>> = {
  [OID_SHA256]: 'SHA-256',
  [OID_SHA384]: 'SHA-384',
  [OID_SHA512]: 'SHA-512',
};

/** Digest OIDs by WebCrypto name. */
export const OID_BY_DIGEST: Readonly<Record<string, string>> = {
  'SHA-256': OID_SHA256,
  'SHA-384': OID_SHA384,
  'SHA-512': OID_SHA512,
};

/** Short names of well-known OIDs, for error messages and `inspectCms`. */
export const OID_NAMES: Readonly<Record<string, string>> = {
  [OID_DATA]: 'data',
  [OID_SIGNED_DATA]: 'signedData',
  [OID_ENVELOPED_DATA]: 'envelopedData',
  [OID_DIGESTED_DATA]: 'digestedData',
  [OID_ENCRYPTED_DATA]: 'encryptedData',
  [OID_AUTH_DATA]: 'authenticatedData',
  [OID_AUTH_ENVELOPED_DATA]: 'authEnvelopedData',
  [OID_COMPRESSED_DATA]: 'compressedData',
  [OID_RECEIPT]: 'receipt',
  [OID_SHA1]: 'sha-1',
  [OID_SHA224]: 'sha-224',
  [OID_SHA256]: 'sha-256',
  [OID_SHA384]: 'sha-384',
  [OID_SHA512]: 'sha-512',
  [OID_EC_PUBLIC_KEY]: 'ecPublicKey',
  [OID_ECDSA_SHA1]: 'ecdsa-with-SHA1',
  [OID_ECDSA_SHA224]: 'ecdsa-with-SHA224',
  [OID_ECDSA_SHA256]: 'ecdsa-with-SHA256',
  [OID_ECDSA_SHA384]: 'ecdsa-with-SHA384',
  [OID_ECDSA_SHA512]: 'ecdsa-with-SHA512',
  [OID_RSA_ENCRYPTION]: 'rsaEncryption',
  [OID_RSAES_OAEP]: 'rsaes-oaep',
  [OID_RSASSA_PSS]: 'rsassa-pss',
  [OID_SHA1_WITH_RSA]: 'sha1WithRSAEncryption',
  [OID_SHA224_WITH_RSA]: 'sha224WithRSAEncryption',
  [OID_SHA256_WITH_RSA]: 'sha256WithRSAEncryption',
  [OID_SHA384_WITH_RSA]: 'sha384WithRSAEncryption',
  [OID_SHA512_WITH_RSA]: 'sha512WithRSAEncryption',
  [OID_ED25519]: 'ed25519',
  [OID_X25519]: 'x25519',
  [OID_ECDH_STD_SHA1KDF]: 'dhSinglePass-stdDH-sha1kdf-scheme',
  [OID_ECDH_STD_SHA256KDF]: 'dhSinglePass-stdDH-sha256kdf-scheme',
  [OID_ECDH_STD_SHA384KDF]: 'dhSinglePass-stdDH-sha384kdf-scheme',
  [OID_ECDH_STD_SHA512KDF]: 'dhSinglePass-stdDH-sha512kdf-scheme',
  [OID_ECDH_COFACTOR_SHA1KDF]: 'dhSinglePass-cofactorDH-sha1kdf-scheme',
  [OID_ECDH_COFACTOR_SHA256KDF]: 'dhSinglePass-cofactorDH-sha256kdf-scheme',
  [OID_ECDH_COFACTOR_SHA384KDF]: 'dhSinglePass-cofactorDH-sha384kdf-scheme',
  [OID_ECDH_COFACTOR_SHA512KDF]: 'dhSinglePass-cofactorDH-sha512kdf-scheme',
  [OID_AES128_CBC]: 'aes-128-cbc',
  [OID_AES192_CBC]: 'aes-192-cbc',
  [OID_AES256_CBC]: 'aes-256-cbc',
  [OID_AES128_GCM]: 'aes-128-gcm',
  [OID_AES192_GCM]: 'aes-192-gcm',
  [OID_AES256_GCM]: 'aes-256-gcm',
  [OID_DES_EDE3_CBC]: 'des-ede3-cbc',
  [OID_AES128_WRAP]: 'aes128-wrap',
  [OID_AES192_WRAP]: 'aes192-wrap',
  [OID_AES256_WRAP]: 'aes256-wrap',
  [OID_AES128_WRAP_PAD]: 'aes128-wrap-pad',
  [OID_AES192_WRAP_PAD]: 'aes192-wrap-pad',
  [OID_AES256_WRAP_PAD]: 'aes256-wrap-pad',
  [OID_DES3_WRAP]: 'des3-wrap',
  [OID_PBKDF2]: 'pbkdf2',
  [OID_PWRI_KEK]: 'pwri-kek',
};

/** Returns the short name of an OID, or the dotted form when it has none. */
export function oidName(oid: string): string {
  return OID_NAMES[oid] ?? oid;
}
