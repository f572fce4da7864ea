/**
 * ECDH ephemeral-static key agreement for CMS (RFC 5753 §3.1, RFC 8551 §2.7), written here rather
 * than taken from PKIjs: PKIjs encodes an empty entityUInfo when the ukm is absent, as OpenSSL
 * sends it, and then derives another key-encryption key.
 *
 * ```asn1
 * ECC-CMS-SharedInfo ::= SEQUENCE {
 *   keyInfo AlgorithmIdentifier,
 *   entityUInfo [0] EXPLICIT OCTET STRING OPTIONAL,
 *   suppPubInfo [2] EXPLICIT OCTET STRING }
 * ```
 *
 * @module
 */

import { bufferSource, concatBytes } from '../bytes.js';
import { NotSupportedError, UndecipherableError } from '../errors.js';
import type { ParsedCertificate } from './certificate.js';
import { digestBytes } from './digest.js';
import {
  type AlgorithmIdentifier,
  derAlgorithm,
  derBitString,
  derExplicit,
  derOctetString,
  derOid,
  derSequence,
  derSmallInteger,
  derTlv,
  encodedBytes,
  hasNoParameters,
  readAlgorithm,
  readOid,
  derEncode,
  type DerElement,
  type DerInput,
} from './der.js';
import {
  OID_AES128_WRAP,
  OID_AES256_WRAP,
  OID_ECDH_COFACTOR_SHA1KDF,
  OID_ECDH_COFACTOR_SHA256KDF,
  OID_ECDH_COFACTOR_SHA384KDF,
  OID_ECDH_COFACTOR_SHA512KDF,
  OID_ECDH_STD_SHA1KDF,
  OID_ECDH_STD_SHA256KDF,
  OID_ECDH_STD_SHA384KDF,
  OID_ECDH_STD_SHA512KDF,
  OID_EC_PUBLIC_KEY,
  OID_P256,
  OID_P384,
  oidName,
} from './oids.js';
import type { KeyAgreeRecipient } from './recipient-info.js';

// The cofactor variants equal the standard ones on P-256 and P-384, whose cofactor is 1.
const KDF_HASHES: Readonly<Record<string, string>> = {
  [OID_ECDH_STD_SHA1KDF]: 'SHA-1',
  [OID_ECDH_STD_SHA256KDF]: 'SHA-256',
  [OID_ECDH_STD_SHA384KDF]: 'SHA-384',
  [OID_ECDH_STD_SHA512KDF]: 'SHA-512',
  [OID_ECDH_COFACTOR_SHA1KDF]: 'SHA-1',
  [OID_ECDH_COFACTOR_SHA256KDF]: 'SHA-256',
  [OID_ECDH_COFACTOR_SHA384KDF]: 'SHA-384',
  [OID_ECDH_COFACTOR_SHA512KDF]: 'SHA-512',
};

const COFACTOR_SCHEMES: ReadonlySet<string> = new Set([
  OID_ECDH_COFACTOR_SHA1KDF,
  OID_ECDH_COFACTOR_SHA256KDF,
  OID_ECDH_COFACTOR_SHA384KDF,
  OID_ECDH_COFACTOR_SHA512KDF,
]);

const WRAP_KEY_BITS: Readonly<Record<string, number>> = {
  [OID_AES128_WRAP]: 128,
  [OID_AES256_WRAP]: 256,
};

const CURVE_OIDS: Readonly<Record<string, string>> = { 'P-256': OID_P256, 'P-384': OID_P384 };
const FIELD_BITS: Readonly<Record<string, number>> = { 'P-256': 256, 'P-384': 384 };

/** ANSI X9.63 KDF (SEC 1 §3.6.1): hash(Z || counter || SharedInfo) blocks, counter from 1. */
export async function x963Kdf(
  crypto: Crypto,
  hash: string,
  secret: Uint8Array,
  sharedInfo: Uint8Array,
  keyBytes: number,
): Promise<Uint8Array> {
  const blocks: Uint8Array[] = [];
  let length = 0;
  for (let counter = 1; length < keyBytes; counter++) {
    const counterBytes = Uint8Array.of(
      counter >>> 24,
      (counter >>> 16) & 0xff,
      (counter >>> 8) & 0xff,
      counter & 0xff,
    );
    const block = await digestBytes(crypto, hash, concatBytes(secret, counterBytes, sharedInfo));
    blocks.push(block);
    length += block.length;
  }
  return concatBytes(...blocks).subarray(0, keyBytes);
}

function encodeSharedInfo(
  keyWrapAlgorithm: DerInput,
  ukm: Uint8Array | undefined,
  kekBits: number,
): Uint8Array {
  const suppPubInfo = derExplicit(
    2,
    derOctetString(
      Uint8Array.of(
        kekBits >>> 24,
        (kekBits >>> 16) & 0xff,
        (kekBits >>> 8) & 0xff,
        kekBits & 0xff,
      ),
    ),
  );
  // RFC 5753 §7.2: entityUInfo is present only when the ukm is.
  return derEncode(
    ukm === undefined
      ? derSequence(keyWrapAlgorithm, suppPubInfo)
      : derSequence(keyWrapAlgorithm, derExplicit(0, derOctetString(ukm)), suppPubInfo),
  );
}

async function deriveKek(
  crypto: Crypto,
  privateKey: CryptoKey,
  publicKey: CryptoKey,
  namedCurve: string,
  kdfHash: string,
  sharedInfo: Uint8Array,
  kekBits: number,
): Promise<CryptoKey> {
  const secret = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: 'ECDH', public: publicKey },
      privateKey,
      FIELD_BITS[namedCurve] ?? 256,
    ),
  );
  const kek = await x963Kdf(crypto, kdfHash, secret, sharedInfo, kekBits / 8);
  return crypto.subtle.importKey('raw', bufferSource(kek), 'AES-KW', false, [
    'wrapKey',
    'unwrapKey',
  ]);
}

/**
 * Builds a KeyAgreeRecipientInfo for an EC certificate: a fresh ephemeral key, no ukm (as OpenSSL),
 * dhSinglePass-stdDH-sha256kdf-scheme, and aes128-wrap for 128-bit content keys or aes256-wrap
 * otherwise, which is OpenSSL's choice. The recipient is named by issuerAndSerialNumber.
 * `contentKey` must be extractable.
 */
export async function encodeKeyAgreeRecipient(
  crypto: Crypto,
  recipient: ParsedCertificate,
  recipientKey: CryptoKey,
  contentKey: CryptoKey,
): Promise<DerElement> {
  const namedCurve = (recipientKey.algorithm as EcKeyAlgorithm).namedCurve;
  const kekBits = (contentKey.algorithm as AesKeyAlgorithm).length > 128 ? 256 : 128;
  const keyWrapAlgorithm = derAlgorithm(kekBits === 128 ? OID_AES128_WRAP : OID_AES256_WRAP);

  // The private half is not extractable. WebCrypto always lets the public half be exported.
  const ephemeral = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve }, false, [
    'deriveBits',
  ]);
  const [kek, exported] = await Promise.all([
    deriveKek(
      crypto,
      ephemeral.privateKey,
      recipientKey,
      namedCurve,
      'SHA-256',
      encodeSharedInfo(keyWrapAlgorithm, undefined, kekBits),
      kekBits,
    ),
    crypto.subtle.exportKey('raw', ephemeral.publicKey),
  ]);
  const wrapped = new Uint8Array(await crypto.subtle.wrapKey('raw', contentKey, kek, 'AES-KW'));
  const point = new Uint8Array(exported);

  const originatorKey = derTlv(
    0xa1,
    derAlgorithm(OID_EC_PUBLIC_KEY, derOid(CURVE_OIDS[namedCurve] ?? OID_P256)),
    derBitString(point),
  );
  const recipientEncryptedKey = derSequence(
    derSequence(recipient.issuerName, derTlv(0x02, recipient.serialNumber)),
    derOctetString(wrapped),
  );
  return derTlv(
    0xa1,
    derSmallInteger(3),
    derExplicit(0, originatorKey),
    derAlgorithm(OID_ECDH_STD_SHA256KDF, keyWrapAlgorithm),
    derSequence(recipientEncryptedKey),
  );
}

/**
 * Describes the key management of a KeyAgreeRecipientInfo, such as `ecdh-es-sha256-aes128-wrap`,
 * or `ecdh-es-cofactor-sha1-aes256-wrap` for a cofactor scheme.
 */
export function describeKeyAgreement(info: KeyAgreeRecipient): string {
  const oid = info.keyEncryptionAlgorithm.oid;
  const hash = KDF_HASHES[oid];
  if (hash === undefined) return oidName(oid);
  const wrap = readWrapAlgorithm(info.keyEncryptionAlgorithm, false);
  const scheme = COFACTOR_SCHEMES.has(oid) ? 'ecdh-es-cofactor' : 'ecdh-es';
  return `${scheme}-${hash.replace('-', '').toLowerCase()}-${wrap === undefined ? 'unknown' : oidName(wrap.oid)}`;
}

function readWrapAlgorithm(
  algorithm: AlgorithmIdentifier,
  strict: boolean,
): AlgorithmIdentifier | undefined {
  if (algorithm.parameters === undefined) {
    if (strict) throw new NotSupportedError('key wrap algorithm is missing');
    return undefined;
  }
  return readAlgorithm(algorithm.parameters, 'KeyWrapAlgorithm');
}

/**
 * Unwraps the content-encryption key of a KeyAgreeRecipientInfo with the local ECDH key, as a
 * non-extractable key for `contentAlgorithm`. Algorithms this library does not implement raise
 * NotSupportedError. Every cryptographic failure raises UndecipherableError.
 */
export async function unwrapWithKeyAgreement(
  crypto: Crypto,
  info: KeyAgreeRecipient,
  encryptedKey: Uint8Array,
  privateKey: CryptoKey,
  contentAlgorithm: AesKeyAlgorithm,
): Promise<CryptoKey> {
  const kdfHash = KDF_HASHES[info.keyEncryptionAlgorithm.oid];
  if (kdfHash === undefined) {
    throw new NotSupportedError(
      `key agreement ${oidName(info.keyEncryptionAlgorithm.oid)} not supported`,
    );
  }
  const wrap = readWrapAlgorithm(info.keyEncryptionAlgorithm, true) as AlgorithmIdentifier;
  const kekBits = WRAP_KEY_BITS[wrap.oid];
  if (kekBits === undefined || !hasNoParameters(wrap)) {
    throw new NotSupportedError(`key wrap ${oidName(wrap.oid)} not supported`);
  }
  if (info.originatorKey === undefined) {
    throw new NotSupportedError('static-static key agreement not supported');
  }
  if (privateKey.algorithm.name !== 'ECDH') throw new UndecipherableError();

  // The originator key often omits the curve (RFC 5753 §7.1.2 allows it): the local key fixes it.
  const namedCurve = (privateKey.algorithm as EcKeyAlgorithm).namedCurve;
  const { algorithm, publicKey } = info.originatorKey;
  if (algorithm.oid !== OID_EC_PUBLIC_KEY) {
    throw new NotSupportedError(`originator key ${oidName(algorithm.oid)} not supported`);
  }
  if (
    !hasNoParameters(algorithm) &&
    readOid(algorithm.parameters, 'originator curve') !== CURVE_OIDS[namedCurve]
  ) {
    throw new UndecipherableError();
  }

  try {
    const originator = await crypto.subtle.importKey(
      'raw',
      bufferSource(publicKey),
      { name: 'ECDH', namedCurve },
      false,
      [],
    );
    // SharedInfo repeats the KeyWrapAlgorithm as the sender encoded it (absent parameters per RFC 5753).
    const sharedInfo = encodeSharedInfo(
      encodedBytes(
        info.keyEncryptionAlgorithm.parameters as NonNullable<
          typeof info.keyEncryptionAlgorithm.parameters
        >,
      ),
      info.ukm,
      kekBits,
    );
    const kek = await deriveKek(
      crypto,
      privateKey,
      originator,
      namedCurve,
      kdfHash,
      sharedInfo,
      kekBits,
    );
    return await crypto.subtle.unwrapKey(
      'raw',
      bufferSource(encryptedKey),
      kek,
      'AES-KW',
      contentAlgorithm,
      false,
      ['decrypt'],
    );
  } catch (cause) {
    throw new UndecipherableError({ cause });
  }
}
