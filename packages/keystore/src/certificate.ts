/**
 * Certificate checks that the keystore runs before it stores anything: parsing, public key
 * comparison, chain validation and the proof that a private key belongs to a certificate.
 *
 * @module
 */

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CmsParseError } from '@mcptt-smime/smime';

import { bytesEqual } from './bytes.js';
import { engineFor } from './engine.js';

/** The fields of a certificate that the keystore stores beside its DER. */
export interface CertificateSummary {
  /** DER of the SubjectPublicKeyInfo. */
  readonly publicKey: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Parses a DER certificate. Raises CmsParseError on bad DER or on trailing bytes. */
export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  const asn1 = asn1js.fromBER(der);
  if (asn1.offset === -1 || asn1.offset !== der.length) {
    throw new CmsParseError('certificate DER is malformed or has trailing bytes');
  }
  try {
    return new pkijs.Certificate({ schema: asn1.result });
  } catch (error) {
    throw new CmsParseError('certificate does not match the X.509 schema', { cause: error });
  }
}

/** Returns the public key and the validity period of a DER certificate. */
export function summarizeCertificate(der: Uint8Array): CertificateSummary {
  const certificate = parseCertificate(der);
  return {
    publicKey: new Uint8Array(certificate.subjectPublicKeyInfo.toSchema().toBER(false)),
    notBefore: certificate.notBefore.value,
    notAfter: certificate.notAfter.value,
  };
}

/**
 * Returns why a certificate is not valid at `now`, for an error message that starts with `label`,
 * or undefined when it is valid. The message for a certificate that is not valid yet names the
 * device clock, because a device clock behind the issuer's gives that error.
 */
export function validityProblem(der: Uint8Array, now: Date, label: string): string | undefined {
  const { notBefore, notAfter } = summarizeCertificate(der);
  if (now.getTime() < notBefore.getTime()) {
    return `${label} is not valid until ${notBefore.toISOString()}: check the clock of this device`;
  }
  if (now.getTime() > notAfter.getTime()) return `${label} expired on ${notAfter.toISOString()}`;
  return undefined;
}

const KEY_USAGE_OID = '2.5.29.15';
const EXTENDED_KEY_USAGE_OID = '2.5.29.37';
const EMAIL_PROTECTION_OID = '1.3.6.1.5.5.7.3.4';
const ANY_EXTENDED_KEY_USAGE_OID = '2.5.29.37.0';
const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1';

/** Bits of the keyUsage BIT STRING (RFC 5280 §4.2.1.3), numbered from the first bit. */
const KEY_USAGE_BIT = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  keyAgreement: 4,
} as const;

/**
 * Returns why the usages of an end-entity certificate forbid S/MIME signing or decryption, for an
 * error message that starts with `label`, or undefined when they allow both. These are the checks
 * that receivers run (RFC 8550 §4.4.2 and §4.4.4), so an identity that fails them could protect
 * no message that its peers accept.
 */
export function usageProblem(der: Uint8Array, label: string): string | undefined {
  const certificate = parseCertificate(der);
  const extensions = certificate.extensions ?? [];
  const keyUsage = extensions.find((extension) => extension.extnID === KEY_USAGE_OID);
  if (keyUsage !== undefined) {
    const has = keyUsageReader(keyUsage.parsedValue);
    if (!has('digitalSignature') && !has('nonRepudiation')) {
      return `${label} keyUsage forbids signing`;
    }
    const ellipticCurve =
      certificate.subjectPublicKeyInfo.algorithm.algorithmId === EC_PUBLIC_KEY_OID;
    const needed = ellipticCurve ? 'keyAgreement' : 'keyEncipherment';
    if (!has(needed)) return `${label} keyUsage forbids ${needed}`;
  }
  const purposes = extensions.find((extension) => extension.extnID === EXTENDED_KEY_USAGE_OID);
  const listed = (purposes?.parsedValue as pkijs.ExtKeyUsage | undefined)?.keyPurposes;
  if (
    listed !== undefined &&
    !listed.includes(EMAIL_PROTECTION_OID) &&
    !listed.includes(ANY_EXTENDED_KEY_USAGE_OID)
  ) {
    return `${label} extKeyUsage lacks emailProtection`;
  }
  return undefined;
}

/** Returns a test of one named bit of a parsed keyUsage BIT STRING. */
function keyUsageReader(value: unknown): (name: keyof typeof KEY_USAGE_BIT) => boolean {
  const bits =
    value instanceof asn1js.BitString
      ? new Uint8Array(value.valueBlock.valueHexView)
      : new Uint8Array(0);
  return (name) => {
    const bit = KEY_USAGE_BIT[name];
    return (((bits[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) === 1;
  };
}

/** Returns the SHA-256 fingerprint of a DER certificate as lowercase hex. */
export async function certificateFingerprint(crypto: Crypto, der: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', der.slice()));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Input of {@link chainsToTrustAnchor}. */
export interface ChainCheck {
  readonly certificate: Uint8Array;
  /** Intermediate certificates, in any order. */
  readonly chain: readonly Uint8Array[];
  readonly trustAnchors: readonly Uint8Array[];
  readonly now: Date;
}

/**
 * Tells whether a certificate chains to one of the trust anchors, each certificate valid at
 * `now`. A chain with no anchor to reach is not trusted.
 */
export async function chainsToTrustAnchor(crypto: Crypto, check: ChainCheck): Promise<boolean> {
  return (await trustedChain(crypto, check)) !== undefined;
}

/**
 * Returns the certificates of `check.chain` that the validated path to a trust anchor goes
 * through, from the end entity's issuer upwards, or undefined when the certificate does not chain
 * to an anchor at `check.now`. Chain certificates off the path are left out, so that a hostile or
 * careless issuer cannot make every later signature carry them.
 */
export async function trustedChain(
  crypto: Crypto,
  check: ChainCheck,
): Promise<Uint8Array[] | undefined> {
  if (check.trustAnchors.length === 0) return undefined;

  const chain = check.chain.map((der) => ({ der, parsed: parseCertificate(der) }));
  const engine = new pkijs.CertificateChainValidationEngine({
    trustedCerts: check.trustAnchors.map(parseCertificate),
    // PKIjs takes the end-entity certificate as the last element.
    certs: [...chain.map((entry) => entry.parsed), parseCertificate(check.certificate)],
    checkDate: check.now,
  });
  let result: pkijs.CertificateChainValidationEngineVerifyResult;
  try {
    result = await engine.verify({}, engineFor(crypto));
  } catch {
    return undefined;
  }
  if (!result.result) return undefined;

  // The path runs from the end entity to the anchor. PKIjs puts its own parsed copy of an anchor
  // in the path, so an anchor that the caller also passed in the chain is matched by its bytes.
  const onPath: Uint8Array[] = [];
  for (const certificate of (result.certificatePath ?? []).slice(1)) {
    const supplied =
      chain.find((entry) => entry.parsed === certificate) ??
      chain.find((entry) => bytesEqual(entry.der, encodedCertificate(certificate)));
    if (supplied !== undefined && !onPath.includes(supplied.der)) onPath.push(supplied.der);
  }
  return onPath;
}

function encodedCertificate(certificate: pkijs.Certificate): Uint8Array {
  return new Uint8Array(certificate.toSchema().toBER(false));
}

/**
 * Proves that `signingKey` is the private key of `certificate` by signing a random challenge and
 * verifying it with the certificate's public key. Works on non-extractable keys, which cannot be
 * compared by their bytes.
 */
export async function keyMatchesCertificate(
  crypto: Crypto,
  signingKey: CryptoKey,
  certificate: Uint8Array,
): Promise<boolean> {
  const { publicKey } = summarizeCertificate(certificate);
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  const parameters = signatureParameters(signingKey.algorithm);
  try {
    const verifyKey = await crypto.subtle.importKey(
      'spki',
      publicKey.slice(),
      signingKey.algorithm,
      false,
      ['verify'],
    );
    const signature = await crypto.subtle.sign(parameters, signingKey, challenge);
    return await crypto.subtle.verify(parameters, verifyKey, signature, challenge);
  } catch {
    return false;
  }
}

function signatureParameters(
  algorithm: KeyAlgorithm,
): AlgorithmIdentifier | EcdsaParams | RsaPssParams {
  switch (algorithm.name) {
    case 'ECDSA':
      return { name: 'ECDSA', hash: 'SHA-256' };
    case 'RSA-PSS':
      return { name: 'RSA-PSS', saltLength: 32 };
    default:
      return { name: algorithm.name };
  }
}
