/**
 * Signature algorithms of SignerInfo and certificates (RFC 5754 §3, RFC 4056, RFC 5480 §2):
 * mapping between AlgorithmIdentifiers and WebCrypto, ECDSA signature encoding, and cached
 * public keys.
 *
 * @module
 */

import { bufferSource, concatBytes } from '../bytes.js';
import { CertificateUntrustedError, CmsParseError, NotSupportedError } from '../errors.js';
import {
  type AlgorithmIdentifier,
  DER_NULL,
  derAlgorithm,
  derBitString,
  derExplicit,
  derSequence,
  derSmallInteger,
  derTlv,
  hasNoParameters,
  isContext,
  parseBer,
  readAlgorithm,
  readExplicit,
  readIntegerBytes,
  readSequence,
  readSmallInteger,
  derEncode,
  type DerElement,
} from './der.js';
import type { ParsedCertificate } from './certificate.js';
import { RSA_MIN_BITS } from './keys.js';
import {
  DIGEST_BY_OID,
  OID_BY_DIGEST,
  OID_EC_PUBLIC_KEY,
  OID_ECDSA_SHA256,
  OID_ECDSA_SHA384,
  OID_ECDSA_SHA512,
  OID_MGF1,
  OID_RSA_ENCRYPTION,
  OID_RSASSA_PSS,
  OID_SHA1,
  OID_SHA256_WITH_RSA,
  OID_SHA384_WITH_RSA,
  OID_SHA512_WITH_RSA,
  oidName,
} from './oids.js';

/** A signature scheme resolved to WebCrypto terms. */
export interface SignatureScheme {
  readonly name: 'ECDSA' | 'RSA-PSS' | 'RSASSA-PKCS1-v1_5';
  readonly hash: string;
  /** Salt length in bytes, for RSA-PSS. */
  readonly saltLength: number;
  /** Display name, such as `ecdsa-with-SHA256` or `rsassa-pss`. */
  readonly label: string;
}

const ECDSA_OIDS: Readonly<Record<string, string>> = {
  [OID_ECDSA_SHA256]: 'SHA-256',
  [OID_ECDSA_SHA384]: 'SHA-384',
  [OID_ECDSA_SHA512]: 'SHA-512',
};

const RSA_PKCS1_OIDS: Readonly<Record<string, string>> = {
  [OID_SHA256_WITH_RSA]: 'SHA-256',
  [OID_SHA384_WITH_RSA]: 'SHA-384',
  [OID_SHA512_WITH_RSA]: 'SHA-512',
};

/** Returns the WebCrypto name of a digest AlgorithmIdentifier, or raises NotSupportedError. */
export function digestName(algorithm: AlgorithmIdentifier): string {
  const name = DIGEST_BY_OID[algorithm.oid];
  if (name === undefined || !hasNoParameters(algorithm)) {
    throw new NotSupportedError(`digest algorithm ${oidName(algorithm.oid)} not supported`);
  }
  return name;
}

/**
 * Resolves a signature AlgorithmIdentifier. `digest` is the SignerInfo digest, which rsaEncryption
 * and id-ecPublicKey identifiers leave implicit (RFC 5754 §3.2, RFC 5753 §7.1.3).
 */
export function resolveSignatureScheme(
  algorithm: AlgorithmIdentifier,
  digest: string | undefined,
): SignatureScheme {
  const { oid } = algorithm;
  const ecdsaHash = ECDSA_OIDS[oid] ?? (oid === OID_EC_PUBLIC_KEY ? digest : undefined);
  if (ecdsaHash !== undefined) {
    return {
      name: 'ECDSA',
      hash: ecdsaHash,
      saltLength: 0,
      label: `ecdsa-with-${ecdsaHash.replace('-', '')}`,
    };
  }
  const pkcs1Hash = RSA_PKCS1_OIDS[oid] ?? (oid === OID_RSA_ENCRYPTION ? digest : undefined);
  if (pkcs1Hash !== undefined) {
    const label = `${pkcs1Hash.replace('-', '').toLowerCase()}WithRSAEncryption`;
    return { name: 'RSASSA-PKCS1-v1_5', hash: pkcs1Hash, saltLength: 0, label };
  }
  if (oid === OID_RSASSA_PSS) return readPssParameters(algorithm);
  throw new NotSupportedError(`signature algorithm ${oidName(oid)} not supported`);
}

/**
 * RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] DEFAULT sha1, maskGenAlgorithm [1] DEFAULT
 * mgf1SHA1, saltLength [2] INTEGER DEFAULT 20, trailerField [3] INTEGER DEFAULT 1 } (RFC 4055 §3.1).
 * WebCrypto ties the MGF1 hash to the message hash, so other combinations are not supported.
 */
function readPssParameters(algorithm: AlgorithmIdentifier): SignatureScheme {
  let hashOid = OID_SHA1;
  let mgfHashOid = OID_SHA1;
  let saltLength = 20;
  const fields =
    algorithm.parameters === undefined
      ? []
      : readSequence(algorithm.parameters, 'RSASSA-PSS-params');
  for (const field of fields) {
    const inner = readExplicit(field, 'RSASSA-PSS-params field');
    if (isContext(field, 0)) hashOid = readAlgorithm(inner, 'hashAlgorithm').oid;
    else if (isContext(field, 1)) mgfHashOid = readMgf1Hash(inner);
    else if (isContext(field, 2)) saltLength = readSmallInteger(inner, 'saltLength');
    else if (isContext(field, 3) && readSmallInteger(inner, 'trailerField') !== 1) {
      throw new NotSupportedError('RSASSA-PSS trailerField not supported');
    }
  }
  const hash = DIGEST_BY_OID[hashOid];
  if (hash === undefined) {
    throw new NotSupportedError(`RSASSA-PSS with ${oidName(hashOid)} not supported`);
  }
  if (mgfHashOid !== hashOid) {
    throw new NotSupportedError(
      `RSASSA-PSS with MGF1 over ${oidName(mgfHashOid)} and ${oidName(hashOid)} not supported: ` +
        'the two hashes must be the same',
    );
  }
  return { name: 'RSA-PSS', hash, saltLength, label: 'rsassa-pss' };
}

/** Reads the hash OID of `MaskGenAlgorithm { id-mgf1, hashAlgorithm }`. */
export function readMgf1Hash(node: Parameters<typeof readAlgorithm>[0]): string {
  const mgf = readAlgorithm(node, 'maskGenAlgorithm');
  if (mgf.oid !== OID_MGF1 || mgf.parameters === undefined) {
    throw new NotSupportedError(`mask generation function ${oidName(mgf.oid)} not supported`);
  }
  return readAlgorithm(mgf.parameters, 'MGF1 hash').oid;
}

/** Picks the signature scheme for a private key: its own hash for RSA, SHA-384 for P-384. */
export function schemeForKey(key: CryptoKey): SignatureScheme {
  const algorithm = key.algorithm as Partial<EcKeyAlgorithm & RsaHashedKeyAlgorithm>;
  if (algorithm.name === 'ECDSA') {
    const hash =
      algorithm.namedCurve === 'P-384'
        ? 'SHA-384'
        : algorithm.namedCurve === 'P-256'
          ? 'SHA-256'
          : undefined;
    if (hash === undefined) throw new NotSupportedError('ECDSA curve not supported');
    return { name: 'ECDSA', hash, saltLength: 0, label: `ecdsa-with-${hash.replace('-', '')}` };
  }
  const hash = algorithm.hash?.name;
  if (hash === undefined || OID_BY_DIGEST[hash] === undefined) {
    throw new NotSupportedError('signing key algorithm not supported');
  }
  if (algorithm.name === 'RSA-PSS') {
    return { name: 'RSA-PSS', hash, saltLength: hashLength(hash), label: 'rsassa-pss' };
  }
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') {
    return {
      name: 'RSASSA-PKCS1-v1_5',
      hash,
      saltLength: 0,
      label: `${hash.replace('-', '').toLowerCase()}WithRSAEncryption`,
    };
  }
  throw new NotSupportedError('signing key algorithm not supported');
}

function hashLength(hash: string): number {
  const lengths: Readonly<Record<string, number>> = { 'SHA-384': 48, 'SHA-512': 64 };
  return lengths[hash] ?? 32;
}

/** Encodes the signature AlgorithmIdentifier of a scheme for a SignerInfo. */
export function encodeSignatureAlgorithm(scheme: SignatureScheme): DerElement {
  const hashOid = OID_BY_DIGEST[scheme.hash] ?? '';
  if (scheme.name === 'ECDSA') {
    const oid = Object.keys(ECDSA_OIDS).find((key) => ECDSA_OIDS[key] === scheme.hash) ?? '';
    return derAlgorithm(oid);
  }
  if (scheme.name === 'RSASSA-PKCS1-v1_5') {
    const oid =
      Object.keys(RSA_PKCS1_OIDS).find((key) => RSA_PKCS1_OIDS[key] === scheme.hash) ?? '';
    return derAlgorithm(oid, DER_NULL);
  }
  // RFC 4056 §3: the hash AlgorithmIdentifiers inside RSASSA-PSS-params carry NULL parameters.
  const hashAlgorithm = derAlgorithm(hashOid, DER_NULL);
  const parameters = derSequence(
    derExplicit(0, hashAlgorithm),
    derExplicit(1, derAlgorithm(OID_MGF1, hashAlgorithm)),
    derExplicit(2, derSmallInteger(scheme.saltLength)),
  );
  return derAlgorithm(OID_RSASSA_PSS, parameters);
}

function webCryptoParameters(scheme: SignatureScheme): EcdsaParams | RsaPssParams | Algorithm {
  if (scheme.name === 'ECDSA') return { name: 'ECDSA', hash: scheme.hash };
  if (scheme.name === 'RSA-PSS') return { name: 'RSA-PSS', saltLength: scheme.saltLength };
  return { name: scheme.name };
}

/** Signs `data`; ECDSA signatures come back DER-encoded as Ecdsa-Sig-Value (RFC 5753 §7.2). */
export async function signBytes(
  crypto: Crypto,
  key: CryptoKey,
  scheme: SignatureScheme,
  data: Uint8Array,
): Promise<Uint8Array> {
  const signature = new Uint8Array(
    await crypto.subtle.sign(webCryptoParameters(scheme), key, bufferSource(data)),
  );
  return scheme.name === 'ECDSA' ? ecdsaRawToDer(signature) : signature;
}

/** Imported keys by `Crypto`, then by parsed certificate, then by scheme name and hash. */
const publicKeys = new WeakMap<
  Crypto,
  WeakMap<ParsedCertificate, Map<string, Promise<CryptoKey>>>
>();

/**
 * Imports the certificate's public key for the scheme, once per certificate, scheme and `Crypto`.
 * A key that WebCrypto rejects raises NotSupportedError.
 */
export function verificationKey(
  crypto: Crypto,
  certificate: ParsedCertificate,
  scheme: SignatureScheme,
): Promise<CryptoKey> {
  let byCertificate = publicKeys.get(crypto);
  if (byCertificate === undefined) {
    byCertificate = new WeakMap();
    publicKeys.set(crypto, byCertificate);
  }
  // Parsed certificates come from a bounded cache, so this contains keys only for certificates
  // still in use.
  let byScheme = byCertificate.get(certificate);
  if (byScheme === undefined) {
    byScheme = new Map();
    byCertificate.set(certificate, byScheme);
  }
  const schemeKey = `${scheme.name}/${scheme.hash}`;
  let key = byScheme.get(schemeKey);
  if (key === undefined) {
    const cache = byScheme;
    key = importVerificationKey(crypto, certificate, scheme);
    cache.set(schemeKey, key);
    // A failed import is not cached, so that the next call raises the same error afresh.
    key.catch(() => cache.delete(schemeKey));
  }
  return key;
}

async function importVerificationKey(
  crypto: Crypto,
  certificate: ParsedCertificate,
  scheme: SignatureScheme,
): Promise<CryptoKey> {
  const keyAlgorithm = certificate.publicKeyAlgorithm;
  if (scheme.name === 'ECDSA' && keyAlgorithm.kind !== 'ec') {
    throw new NotSupportedError('ECDSA signature with a non-EC key');
  }
  if (scheme.name !== 'ECDSA' && keyAlgorithm.kind !== 'rsa') {
    throw new NotSupportedError('RSA signature with a non-RSA key');
  }
  // An RSA key shorter than 2048 bits is too weak today: anyone who factors it signs in the
  // certificate's name. So no signature by one is believed, whether a signer's, a CA's or a list's.
  if (keyAlgorithm.kind === 'rsa' && keyAlgorithm.modulusBits < RSA_MIN_BITS) {
    throw new CertificateUntrustedError(
      `RSA key of ${String(keyAlgorithm.modulusBits)} bits is shorter than ${String(RSA_MIN_BITS)}`,
    );
  }

  const algorithm =
    keyAlgorithm.kind === 'ec'
      ? { name: 'ECDSA', namedCurve: keyAlgorithm.namedCurve }
      : { name: scheme.name, hash: scheme.hash };
  // WebCrypto imports RSA keys only as rsaEncryption, so an id-RSASSA-PSS key, whose use
  // schemeFitsPssKey has checked, is imported with that label and the same RSAPublicKey.
  const spki =
    keyAlgorithm.kind === 'rsa' && pssKeyRestriction(certificate) !== undefined
      ? derEncode(
          derSequence(
            derAlgorithm(OID_RSA_ENCRYPTION, DER_NULL),
            derBitString(certificate.publicKey),
          ),
        )
      : certificate.spki;
  try {
    return await crypto.subtle.importKey('spki', bufferSource(spki), algorithm, false, ['verify']);
  } catch (cause) {
    throw new NotSupportedError('certificate public key not supported', { cause });
  }
}

/**
 * Verifies a signature made with `scheme` by the certificate's key. Returns false on a mismatch,
 * including an ECDSA signature that is not a valid Ecdsa-Sig-Value and an RSA-PSS salt too long
 * for the key.
 */
export async function verifyBytes(
  crypto: Crypto,
  certificate: ParsedCertificate,
  scheme: SignatureScheme,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  if (!schemeFitsPssKey(certificate, scheme)) return false;
  const key = await verificationKey(crypto, certificate, scheme);
  if (scheme.name === 'RSA-PSS' && !pssSaltFits(certificate, scheme)) return false;
  let rawSignature = signature;
  if (scheme.name === 'ECDSA') {
    const curve = key.algorithm as EcKeyAlgorithm;
    const sizes: Readonly<Record<string, number>> = { 'P-384': 48, 'P-521': 66 };
    const size = sizes[curve.namedCurve] ?? 32;
    const converted = ecdsaDerToRaw(signature, size);
    if (converted === undefined) return false;
    rawSignature = converted;
  }
  return crypto.subtle.verify(
    webCryptoParameters(scheme),
    key,
    bufferSource(rawSignature),
    bufferSource(data),
  );
}

/**
 * Restriction of an id-RSASSA-PSS public key (RFC 4055 §1.2): RSA-PSS only and, when the key has
 * parameters, only their hash with at least their salt length.
 */
interface PssKeyRestriction {
  readonly parameters: SignatureScheme | undefined;
}

/** Restrictions by parsed certificate, read once, `null` for a key without any. */
const pssRestrictions = new WeakMap<ParsedCertificate, PssKeyRestriction | null>();

/** Reads the AlgorithmIdentifier of a certificate's subjectPublicKeyInfo. */
function publicKeyAlgorithmIdentifier(certificate: ParsedCertificate): AlgorithmIdentifier {
  const [algorithmNode] = readSequence(
    parseBer(certificate.spki, 'subjectPublicKeyInfo'),
    'subjectPublicKeyInfo',
  );
  return readAlgorithm(algorithmNode, 'subjectPublicKeyInfo algorithm');
}

/** Tells whether the certificate's key is labelled id-RSASSA-PSS, a key for signatures only. */
export function isRsassaPssKey(certificate: ParsedCertificate): boolean {
  return publicKeyAlgorithmIdentifier(certificate).oid === OID_RSASSA_PSS;
}

function pssKeyRestriction(certificate: ParsedCertificate): PssKeyRestriction | undefined {
  let restriction = pssRestrictions.get(certificate);
  if (restriction === undefined) {
    const algorithm = publicKeyAlgorithmIdentifier(certificate);
    restriction =
      algorithm.oid !== OID_RSASSA_PSS
        ? null
        : {
            parameters:
              algorithm.parameters === undefined ? undefined : readPssParameters(algorithm),
          };
    pssRestrictions.set(certificate, restriction);
  }
  return restriction ?? undefined;
}

/** Tells whether `scheme` is one that the certificate's key may sign with, if it is a PSS key. */
function schemeFitsPssKey(certificate: ParsedCertificate, scheme: SignatureScheme): boolean {
  if (certificate.publicKeyAlgorithm.kind !== 'rsa') return true;
  const restriction = pssKeyRestriction(certificate);
  if (restriction === undefined) return true;
  if (scheme.name !== 'RSA-PSS') return false;
  const required = restriction.parameters;
  return (
    required === undefined ||
    (scheme.hash === required.hash && scheme.saltLength >= required.saltLength)
  );
}

/**
 * Checks that an RSA-PSS salt of `scheme.saltLength` bytes fits the encoded message of the
 * certificate's key. A longer salt is "inconsistent" (RFC 8017 §9.1.2, step 3), so no signature
 * with it verifies, and WebCrypto raises OperationError for it instead of returning false.
 */
function pssSaltFits(certificate: ParsedCertificate, scheme: SignatureScheme): boolean {
  const keyAlgorithm = certificate.publicKeyAlgorithm;
  if (keyAlgorithm.kind !== 'rsa') return false;
  const encodedLength = Math.ceil((keyAlgorithm.modulusBits - 1) / 8);
  return encodedLength >= hashLength(scheme.hash) + scheme.saltLength + 2;
}

/** Converts an IEEE P1363 `r || s` ECDSA signature to `Ecdsa-Sig-Value ::= SEQUENCE { r, s }`. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const integer = (bytes: Uint8Array): DerElement => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.subarray(start);
    return derTlv(
      0x02,
      (trimmed[0] ?? 0) & 0x80 ? concatBytes(Uint8Array.of(0), trimmed) : trimmed,
    );
  };
  return derEncode(derSequence(integer(raw.subarray(0, half)), integer(raw.subarray(half))));
}

/** Converts an Ecdsa-Sig-Value to `r || s` of `size` bytes each, or returns undefined if invalid. */
export function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array | undefined {
  try {
    const [r, s, extra] = readSequence(parseBer(der, 'ECDSA signature'), 'ECDSA signature');
    if (extra !== undefined) return undefined;
    const out = new Uint8Array(size * 2);
    const parts = [readIntegerBytes(r, 'r'), readIntegerBytes(s, 's')];
    for (const [index, part] of parts.entries()) {
      let start = 0;
      while (start < part.length - 1 && part[start] === 0) start++;
      const value = part.subarray(start);
      if (value.length > size || (part[0] ?? 0) & 0x80) return undefined;
      out.set(value, (index + 1) * size - value.length);
    }
    return out;
  } catch (error) {
    if (error instanceof CmsParseError) return undefined;
    throw error;
  }
}
