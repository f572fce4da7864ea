/**
 * Identifiers that point at a certificate: SignerIdentifier, RecipientIdentifier and
 * KeyAgreeRecipientIdentifier (RFC 5652 §5.3, §6.2.1, §6.2.2).
 *
 * ```asn1
 * IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber CertificateSerialNumber }
 * RecipientIdentifier ::= CHOICE {
 *   issuerAndSerialNumber IssuerAndSerialNumber,
 *   subjectKeyIdentifier [0] SubjectKeyIdentifier }
 * KeyAgreeRecipientIdentifier ::= CHOICE {
 *   issuerAndSerialNumber IssuerAndSerialNumber,
 *   rKeyId [0] IMPLICIT RecipientKeyIdentifier }
 * ```
 *
 * @module
 */

import { bytesEqual, hexEncode } from '../bytes.js';
import { CmsParseError } from '../errors.js';
import {
  type Asn1Node,
  TAG,
  childrenOf,
  encodedBytes,
  isContext,
  isUniversal,
  primitiveBytes,
  readIntegerBytes,
  readOctets,
  readSequence,
} from './der.js';
import type { ParsedCertificate } from './certificate.js';

/** Identifier of a certificate in a CMS structure. */
export type RecipientIdentifier =
  | {
      readonly kind: 'issuerAndSerialNumber';
      readonly issuer: Uint8Array;
      readonly serialNumber: Uint8Array;
    }
  | { readonly kind: 'subjectKeyIdentifier'; readonly keyIdentifier: Uint8Array };

/**
 * Reads an issuerAndSerialNumber or a `[0]` subject key identifier. `rKeyId` of a
 * KeyAgreeRecipientIdentifier (a constructed `[0]` holding a SEQUENCE) is read as well.
 */
export function readRecipientIdentifier(
  node: Asn1Node | undefined,
  what: string,
): RecipientIdentifier {
  if (node !== undefined && isUniversal(node, TAG.sequence)) {
    const [issuer, serial, extra] = readSequence(node, what);
    if (issuer === undefined || extra !== undefined || !isUniversal(issuer, TAG.sequence)) {
      throw new CmsParseError(`${what} is malformed`);
    }
    return {
      kind: 'issuerAndSerialNumber',
      issuer: encodedBytes(issuer),
      serialNumber: readIntegerBytes(serial, what),
    };
  }
  if (node !== undefined && isContext(node, 0)) {
    if (!node.constructed) {
      return { kind: 'subjectKeyIdentifier', keyIdentifier: primitiveBytes(node, what) };
    }
    const [first] = childrenOf(node, what);
    // rKeyId: RecipientKeyIdentifier ::= SEQUENCE { subjectKeyIdentifier, date OPTIONAL, other OPTIONAL }
    if (first !== undefined && isUniversal(first, TAG.octetString)) {
      return { kind: 'subjectKeyIdentifier', keyIdentifier: readOctets(first, what) };
    }
    // A constructed OCTET STRING under an IMPLICIT [0] tag (BER).
    return { kind: 'subjectKeyIdentifier', keyIdentifier: readOctets(node, what) };
  }
  throw new CmsParseError(`${what} is missing`);
}

/** Tells whether an identifier designates `certificate`. */
export function identifiesCertificate(
  id: RecipientIdentifier,
  certificate: ParsedCertificate,
): boolean {
  if (id.kind === 'subjectKeyIdentifier') {
    const own = certificate.subjectKeyIdentifier;
    return own !== undefined && bytesEqual(own, id.keyIdentifier);
  }
  return (
    bytesEqual(id.serialNumber, certificate.serialNumber) &&
    bytesEqual(id.issuer, certificate.issuerName)
  );
}

/** Formats an identifier for `inspectCms`: `serial <hex>` or `ski <hex>`. */
export function formatIdentifier(id: RecipientIdentifier): string {
  return id.kind === 'subjectKeyIdentifier'
    ? `ski ${hexEncode(id.keyIdentifier)}`
    : `serial ${hexEncode(id.serialNumber)}`;
}
