/**
 * Issues X.509 v3 certificates with PKIjs, for demo CAs and test identities (`mcptt-smime pki init`).
 * Not a CA product: no CRL distribution points, no policies, no name constraints.
 *
 * @module
 */

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

import { toArrayBuffer } from '../bytes.js';
import { derEncode, derOid, derSequence, derSetOf, derTlv } from './der-writer.js';
import { parseCertificate } from './certificate.js';
import { KEY_USAGE_NAMES, type KeyUsageName } from './certificate-extensions.js';
import { engineFor } from './engine.js';
import {
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_KEY_USAGE,
  OID_SUBJECT_ALT_NAME,
  OID_SUBJECT_KEY_IDENTIFIER,
} from './oids.js';

/** Options of {@link createCertificate}. */
export interface CreateCertificateOptions {
  readonly crypto: Crypto;
  /** Common name of the subject. */
  readonly subject: string;
  /** Organization of the subject, if any. */
  readonly organization?: string;
  /** DER of the issuer certificate; absent for a self-signed certificate. */
  readonly issuer?: Uint8Array;
  /** Signing key of the issuer, or of the subject for a self-signed certificate. */
  readonly issuerKey: CryptoKey;
  /** Public key of the subject (ECDSA, ECDH, RSA-PSS, RSASSA-PKCS1-v1_5 or RSA-OAEP). */
  readonly publicKey: CryptoKey;
  /** Positive serial number. */
  readonly serial: number | Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Makes a CA certificate: basicConstraints cA and keyUsage keyCertSign and cRLSign. */
  readonly isCa?: boolean;
  /** SubjectAltName URIs, such as `sip:alice@example.org`. */
  readonly uris?: readonly string[];
  /**
   * KeyUsage bits of an end-entity certificate in place of the defaults, for example
   * `['digitalSignature']` for a key that only signs. Ignored for a CA certificate.
   */
  readonly keyUsage?: readonly KeyUsageName[];
}

// KeyUsage bits (RFC 5280 §4.2.1.3), most significant bit first.
const DIGITAL_SIGNATURE = 0x80;
const KEY_ENCIPHERMENT = 0x20;
const KEY_AGREEMENT = 0x08;
const KEY_CERT_SIGN = 0x04;
const CRL_SIGN = 0x02;

/**
 * Creates a certificate signed with SHA-256 by `issuerKey` and returns its DER. End-entity EC
 * certificates get keyUsage digitalSignature and keyAgreement, RSA ones digitalSignature and
 * keyEncipherment; CA certificates get basicConstraints cA and keyCertSign with cRLSign. Subject
 * and authority key identifiers are included.
 *
 * @example
 * ```ts
 * // context: caKeys: CryptoKeyPair, notBefore: Date, notAfter: Date
 * const caDer = await createCertificate({ crypto, subject: 'Demo CA', issuerKey: caKeys.privateKey,
 *   publicKey: caKeys.publicKey, serial: 1, notBefore, notAfter, isCa: true });
 * ```
 */
export async function createCertificate(options: CreateCertificateOptions): Promise<Uint8Array> {
  const { crypto } = options;
  const engine = engineFor(crypto);
  const certificate = new pkijs.Certificate();
  certificate.version = 2;
  certificate.serialNumber = new asn1js.Integer({ valueHex: serialBytes(options.serial) });
  certificate.subject = buildName(options.subject, options.organization);
  certificate.notBefore = timeOf(options.notBefore);
  certificate.notAfter = timeOf(options.notAfter);
  await certificate.subjectPublicKeyInfo.importKey(options.publicKey, engine);

  const issuer = options.issuer === undefined ? undefined : parseCertificate(options.issuer);
  certificate.issuer =
    options.issuer === undefined
      ? buildName(options.subject, options.organization)
      : pkijs.Certificate.fromBER(toArrayBuffer(options.issuer)).subject;
  const keyIdentifier = new Uint8Array(
    await crypto.subtle.digest(
      'SHA-1',
      toArrayBuffer(certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView),
    ),
  );
  const authorityKeyIdentifier = issuer?.subjectKeyIdentifier ?? keyIdentifier;
  certificate.extensions = buildExtensions(options, keyIdentifier, authorityKeyIdentifier);

  await certificate.sign(options.issuerKey, 'SHA-256', engine);
  return new Uint8Array(certificate.toSchema(true).toBER());
}

function buildExtensions(
  options: CreateCertificateOptions,
  keyIdentifier: Uint8Array,
  authorityKeyIdentifier: Uint8Array,
): pkijs.Extension[] {
  const isCa = options.isCa ?? false;
  const isEc =
    options.publicKey.algorithm.name === 'ECDSA' || options.publicKey.algorithm.name === 'ECDH';
  let usage = KEY_CERT_SIGN | CRL_SIGN;
  if (!isCa) {
    usage =
      options.keyUsage === undefined
        ? DIGITAL_SIGNATURE | (isEc ? KEY_AGREEMENT : KEY_ENCIPHERMENT)
        : keyUsageBits(options.keyUsage);
  }
  const unusedBits = Math.min(7, 31 - Math.clz32(usage & -usage));

  const extensions = [
    extension(OID_BASIC_CONSTRAINTS, true, new pkijs.BasicConstraints({ cA: isCa }).toSchema()),
    extension(
      OID_KEY_USAGE,
      true,
      new asn1js.BitString({ valueHex: Uint8Array.of(usage), unusedBits }),
    ),
    extension(
      OID_SUBJECT_KEY_IDENTIFIER,
      false,
      new asn1js.OctetString({ valueHex: toArrayBuffer(keyIdentifier) }),
    ),
    extension(
      OID_AUTHORITY_KEY_IDENTIFIER,
      false,
      new pkijs.AuthorityKeyIdentifier({
        keyIdentifier: new asn1js.OctetString({ valueHex: toArrayBuffer(authorityKeyIdentifier) }),
      }).toSchema(),
    ),
  ];
  const uris = options.uris ?? [];
  if (uris.length > 0) {
    const altNames = uris.map((uri) => new pkijs.GeneralName({ type: 6, value: uri }));
    extensions.push(
      extension(OID_SUBJECT_ALT_NAME, false, new pkijs.AltName({ altNames }).toSchema()),
    );
  }
  return extensions;
}

/** Returns the first octet of a KeyUsage BIT STRING with `names` set. Raises TypeError for decipherOnly. */
function keyUsageBits(names: readonly KeyUsageName[]): number {
  let bits = 0;
  for (const name of names) {
    const index = KEY_USAGE_NAMES.indexOf(name);
    if (index < 0 || index > 7) {
      throw new TypeError(`createCertificate: keyUsage ${String(name)} not supported`);
    }
    bits |= 0x80 >> index;
  }
  if (bits === 0) throw new TypeError('createCertificate: keyUsage must name at least one bit');
  return bits;
}

function extension(extnID: string, critical: boolean, value: asn1js.BaseBlock): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

/** Identifier octet of a UTF8String (X.690 universal tag 12). */
const UTF8_STRING = 0x0c;

/**
 * Builds a Name with one attribute per RDN, organization first, as CAs write names. PKIjs would
 * put every attribute of a new name into one multi-valued RDN, so the name is written here and
 * PKIjs keeps these bytes.
 */
function buildName(
  commonName: string,
  organization: string | undefined,
): pkijs.RelativeDistinguishedNames {
  const utf8 = new TextEncoder();
  const attribute = (oid: string, value: string) =>
    derSetOf(derSequence(derOid(oid), derTlv(UTF8_STRING, utf8.encode(value))));
  const rdns = organization === undefined ? [] : [attribute('2.5.4.10', organization)];
  rdns.push(attribute('2.5.4.3', commonName));
  return pkijs.RelativeDistinguishedNames.fromBER(toArrayBuffer(derEncode(derSequence(...rdns))));
}

// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
function timeOf(date: Date): pkijs.Time {
  const type =
    date.getUTCFullYear() < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime;
  return new pkijs.Time({ type, value: new Date(Math.floor(date.getTime() / 1000) * 1000) });
}

function serialBytes(serial: number | Uint8Array): ArrayBuffer {
  if (typeof serial !== 'number') {
    if (serial.length === 0) throw new TypeError('createCertificate: empty serial');
    return toArrayBuffer((serial[0] ?? 0) & 0x80 ? Uint8Array.of(0, ...serial) : serial);
  }
  if (!Number.isSafeInteger(serial) || serial <= 0) {
    throw new TypeError('createCertificate: serial must be positive');
  }
  const bytes: number[] = [];
  for (let rest = serial; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return toArrayBuffer(Uint8Array.from(bytes));
}
