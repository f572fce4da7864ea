/**
 * Readers for the certificate extensions that S/MIME processing depends on (RFC 5280 §4.2).
 *
 * @module
 */

import { latin1Decode } from '../bytes.js';
import { CmsParseError } from '../errors.js';
import {
  type Asn1Node,
  TAG,
  childrenOf,
  isContext,
  isUniversal,
  parseBer,
  primitiveBytes,
  readBitString,
  readOctets,
  readOid,
  readSequence,
  readSmallInteger,
} from './der.js';

/** KeyUsage bit names in bit order (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

/** One KeyUsage bit name. */
export type KeyUsageName = (typeof KEY_USAGE_NAMES)[number];

/** Reads `KeyUsage ::= BIT STRING` into the set of bits that are set. */
export function readKeyUsage(extnValue: Uint8Array): ReadonlySet<KeyUsageName> {
  const node = parseBer(extnValue, 'keyUsage extension');
  if (!isUniversal(node, TAG.bitString) || node.constructed || node.value.length === 0) {
    throw new CmsParseError('keyUsage extension is malformed');
  }
  // DER drops trailing zero bits, so the unused-bits count (first octet) is skipped, not checked.
  const bits = node.value.subarray(1);
  const usages = new Set<KeyUsageName>();
  KEY_USAGE_NAMES.forEach((name, index) => {
    const byte = bits[index >> 3] ?? 0;
    if (byte & (0x80 >> (index & 7))) usages.add(name);
  });
  return usages;
}

/** Reads `ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId` (RFC 5280 §4.2.1.12). */
export function readExtendedKeyUsage(extnValue: Uint8Array): readonly string[] {
  const purposes = readSequence(parseBer(extnValue, 'extKeyUsage extension'), 'extKeyUsage');
  return purposes.map((purpose) => readOid(purpose, 'extKeyUsage purpose'));
}

/** Universal tag number of BOOLEAN (X.680 §8.4). */
const BOOLEAN_TAG = 1;

/** Content of a basicConstraints extension. */
export interface BasicConstraints {
  readonly ca: boolean;
  /** Maximum number of intermediate CA certificates below this one; undefined when unlimited. */
  readonly pathLengthConstraint: number | undefined;
}

/**
 * Reads `BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER
 * (0..MAX) OPTIONAL }` (RFC 5280 §4.2.1.9).
 */
export function readBasicConstraints(extnValue: Uint8Array): BasicConstraints {
  const fields = readSequence(
    parseBer(extnValue, 'basicConstraints extension'),
    'basicConstraints',
  );
  const [first] = fields;
  const hasCaFlag = first !== undefined && isUniversal(first, BOOLEAN_TAG);
  const ca = hasCaFlag && (primitiveBytes(first, 'basicConstraints cA')[0] ?? 0) !== 0;
  const lengthNode = fields[hasCaFlag ? 1 : 0];
  const pathLengthConstraint =
    lengthNode === undefined
      ? undefined
      : readSmallInteger(lengthNode, 'basicConstraints pathLenConstraint');
  return { ca, pathLengthConstraint };
}

/** Reads `SubjectKeyIdentifier ::= KeyIdentifier (OCTET STRING)`. */
export function readSubjectKeyIdentifier(extnValue: Uint8Array): Uint8Array {
  const node = parseBer(extnValue, 'subjectKeyIdentifier extension');
  if (!isUniversal(node, TAG.octetString)) {
    throw new CmsParseError('subjectKeyIdentifier is malformed');
  }
  return readOctets(node, 'subjectKeyIdentifier');
}

/**
 * Reads the uniformResourceIdentifier entries (`[6] IA5String`) of a GeneralNames value
 * (RFC 5280 §4.2.1.6), byte for byte, one character per octet.
 */
export function readSanUris(extnValue: Uint8Array): string[] {
  const names = readSequence(parseBer(extnValue, 'subjectAltName extension'), 'subjectAltName');
  const uris: string[] = [];
  for (const name of names) {
    if (isContext(name, 6)) uris.push(latin1Decode(primitiveBytes(name, 'subjectAltName URI')));
  }
  return uris;
}

/**
 * Keeps the SIP and SIPS URIs (RFC 3261 §19.1) among SAN URIs. A value with a control character,
 * a space or a non-ASCII octet is dropped whole: a NUL inside `sip:alice@example.org\0.evil`
 * would otherwise let a C-string or prefix comparison read it as alice.
 */
export function filterSipUris(uris: readonly string[]): string[] {
  return uris.filter((uri) => /^sips?:[\x21-\x7e]+$/i.test(uri));
}

/** Returns the child nodes of an extensions `[3] EXPLICIT SEQUENCE OF Extension`. */
export function readExtensionList(
  node: Asn1Node,
): { oid: string; critical: boolean; value: Uint8Array }[] {
  const list = readSequence(childrenOf(node, 'extensions')[0], 'extensions');
  return list.map((extension) => {
    const fields = readSequence(extension, 'extension');
    const oid = readOid(fields[0], 'extension id');
    const hasCritical = fields.length === 3;
    const criticalNode = hasCritical ? fields[1] : undefined;
    const valueNode = fields[hasCritical ? 2 : 1];
    if (valueNode === undefined || !isUniversal(valueNode, TAG.octetString)) {
      throw new CmsParseError('extension value is missing');
    }
    const critical =
      criticalNode !== undefined && (primitiveBytes(criticalNode, 'critical')[0] ?? 0) !== 0;
    return { oid, critical, value: readOctets(valueNode, 'extension value') };
  });
}

/** Reads the subjectPublicKey BIT STRING of a SubjectPublicKeyInfo. */
export function readSubjectPublicKey(spki: Asn1Node): Uint8Array {
  const fields = readSequence(spki, 'subjectPublicKeyInfo');
  return readBitString(fields[1], 'subjectPublicKey');
}
