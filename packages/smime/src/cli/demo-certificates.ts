/**
 * A small X.509 certificate builder (RFC 5280) for the demo PKI of `mcptt-smime pki init`:
 * one CA and ECDSA P-256 end-entity certificates with a SIP URI in subjectAltName.
 *
 * @module
 */

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const OID_COMMON_NAME = '2.5.4.3';
const OID_ORGANIZATION = '2.5.4.10';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
const OID_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
const OID_EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';

/** keyUsage bits, most significant first (RFC 5280 §4.2.1.3). */
const KEY_USAGE_DIGITAL_SIGNATURE = 0x80;
const KEY_USAGE_KEY_AGREEMENT = 0x08;
const KEY_USAGE_KEY_CERT_SIGN = 0x04;
const KEY_USAGE_CRL_SIGN = 0x02;

/** A key pair with its certificate. */
export interface IssuedCredential {
  /** DER of the certificate. */
  readonly certificate: Uint8Array;
  /** PKCS#8 DER of the private key. */
  readonly privateKey: Uint8Array;
}

/** Validity and subject fields shared by every certificate of one run. */
export interface DemoPkiOptions {
  readonly crypto: Crypto;
  readonly organization: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

interface Signer {
  readonly name: pkijs.RelativeDistinguishedNames;
  readonly privateKey: CryptoKey;
  readonly keyIdentifier: Uint8Array;
}

/** Creates a self-signed CA certificate with an ECDSA P-256 key. */
export async function createDemoCa(
  options: DemoPkiOptions,
  commonName: string,
): Promise<IssuedCredential & { readonly signer: Signer }> {
  const keys = await generateKeyPair(options.crypto);
  const name = distinguishedName(options.organization, commonName);
  const keyIdentifier = await computeKeyIdentifier(options.crypto, keys.publicKey);
  const signer = { name, privateKey: keys.privateKey, keyIdentifier };

  const extensions = [
    extension(OID_BASIC_CONSTRAINTS, true, new pkijs.BasicConstraints({ cA: true }).toSchema()),
    extension(OID_KEY_USAGE, true, keyUsage(KEY_USAGE_KEY_CERT_SIGN | KEY_USAGE_CRL_SIGN)),
    extension(
      OID_SUBJECT_KEY_IDENTIFIER,
      false,
      new asn1js.OctetString({ valueHex: keyIdentifier }),
    ),
  ];
  const certificate = await buildCertificate(options, name, keys.publicKey, signer, extensions);
  return { certificate, privateKey: await exportPkcs8(options.crypto, keys.privateKey), signer };
}

/**
 * Issues an end-entity certificate for `sipUri` with a fresh ECDSA P-256 key, usable for
 * signing (ECDSA) and for key agreement (ECDH), as S/MIME with EC keys needs.
 */
export async function issueDemoCertificate(
  options: DemoPkiOptions,
  issuer: Signer,
  commonName: string,
  sipUri: string,
): Promise<IssuedCredential> {
  const keys = await generateKeyPair(options.crypto);
  const keyIdentifier = await computeKeyIdentifier(options.crypto, keys.publicKey);
  const altName = new pkijs.AltName({
    altNames: [new pkijs.GeneralName({ type: 6, value: sipUri })],
  });
  const authorityKey = new pkijs.AuthorityKeyIdentifier({
    keyIdentifier: new asn1js.OctetString({ valueHex: issuer.keyIdentifier }),
  });

  const extensions = [
    extension(OID_BASIC_CONSTRAINTS, true, new pkijs.BasicConstraints({ cA: false }).toSchema()),
    extension(OID_KEY_USAGE, true, keyUsage(KEY_USAGE_DIGITAL_SIGNATURE | KEY_USAGE_KEY_AGREEMENT)),
    extension(
      OID_EXT_KEY_USAGE,
      false,
      new pkijs.ExtKeyUsage({ keyPurposes: [OID_EMAIL_PROTECTION] }).toSchema(),
    ),
    extension(OID_SUBJECT_ALT_NAME, false, altName.toSchema()),
    extension(
      OID_SUBJECT_KEY_IDENTIFIER,
      false,
      new asn1js.OctetString({ valueHex: keyIdentifier }),
    ),
    extension(OID_AUTHORITY_KEY_IDENTIFIER, false, authorityKey.toSchema()),
  ];
  const subject = distinguishedName(options.organization, commonName);
  const certificate = await buildCertificate(options, subject, keys.publicKey, issuer, extensions);
  return { certificate, privateKey: await exportPkcs8(options.crypto, keys.privateKey) };
}

async function buildCertificate(
  options: DemoPkiOptions,
  subject: pkijs.RelativeDistinguishedNames,
  publicKey: CryptoKey,
  issuer: Signer,
  extensions: pkijs.Extension[],
): Promise<Uint8Array> {
  const engine = new pkijs.CryptoEngine({ name: 'mcptt-smime-cli', crypto: options.crypto });
  const certificate = new pkijs.Certificate();
  certificate.version = 2;
  certificate.serialNumber = new asn1js.Integer({ valueHex: randomSerial(options.crypto) });
  certificate.subject = subject;
  certificate.issuer = issuer.name;
  certificate.notBefore.value = options.notBefore;
  certificate.notAfter.value = options.notAfter;
  certificate.extensions = extensions;
  await certificate.subjectPublicKeyInfo.importKey(publicKey, engine);
  await certificate.sign(issuer.privateKey, 'SHA-256', engine);
  return new Uint8Array(certificate.toSchema(true).toBER(false));
}

function distinguishedName(
  organization: string,
  commonName: string,
): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: [
      new pkijs.AttributeTypeAndValue({
        type: OID_ORGANIZATION,
        value: new asn1js.Utf8String({ value: organization }),
      }),
      new pkijs.AttributeTypeAndValue({
        type: OID_COMMON_NAME,
        value: new asn1js.Utf8String({ value: commonName }),
      }),
    ],
  });
}

function extension(oid: string, critical: boolean, value: asn1js.AsnType): pkijs.Extension {
  return new pkijs.Extension({ extnID: oid, critical, extnValue: value.toBER(false) });
}

function keyUsage(bits: number): asn1js.BitString {
  let unusedBits = 0;
  while (unusedBits < 7 && (bits & (1 << unusedBits)) === 0) unusedBits++;
  return new asn1js.BitString({ valueHex: Uint8Array.of(bits).buffer, unusedBits });
}

async function generateKeyPair(crypto: Crypto): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
}

async function exportPkcs8(crypto: Crypto, key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('pkcs8', key));
}

/** RFC 5280 §4.2.1.2 method 1 uses SHA-1 of the key; any unique value is allowed. */
async function computeKeyIdentifier(crypto: Crypto, publicKey: CryptoKey): Promise<Uint8Array> {
  const raw = await crypto.subtle.exportKey('raw', publicKey);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', raw)).slice(0, 20);
}

function randomSerial(crypto: Crypto): ArrayBuffer {
  const serial = crypto.getRandomValues(new Uint8Array(16));
  // A positive INTEGER whose first octet is not zero (RFC 5280 §4.1.2.2).
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial.buffer;
}
