/**
 * PKCS#10 certification requests (RFC 2986) for browser enrolment.
 *
 * @module
 */

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

import { engineFor } from './engine.js';

const OID_COMMON_NAME = '2.5.4.3';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_KEY_USAGE = '2.5.29.15';
const GENERAL_NAME_URI = 6;

/** Input of {@link buildCertificationRequest}. */
export interface CertificationRequestInput {
  /** SIP URI placed in the subjectAltName as a uniformResourceIdentifier. */
  readonly uri: string;
  /** Subject common name. */
  readonly commonName: string;
  /** DER of the SubjectPublicKeyInfo of the key pair. */
  readonly publicKey: Uint8Array;
  /** Private key that signs the request with ECDSA and SHA-256; may be non-extractable. */
  readonly signingKey: CryptoKey;
}

/**
 * Builds a DER CertificationRequest whose extensionRequest attribute (RFC 2985 §5.4.2) requests
 * the subjectAltName URI and the keyUsage digitalSignature and keyAgreement, as an ECDSA and ECDH
 * key of an S/MIME identity needs (RFC 8550 §4.4.2).
 *
 * ```asn
 * CertificationRequestInfo ::= SEQUENCE {
 *   version       INTEGER { v1(0) },
 *   subject       Name,
 *   subjectPKInfo SubjectPublicKeyInfo,
 *   attributes    [0] Attributes }
 * ```
 */
export async function buildCertificationRequest(
  crypto: Crypto,
  input: CertificationRequestInput,
): Promise<Uint8Array> {
  const request = new pkijs.CertificationRequest();
  request.version = 0;
  request.subject.typesAndValues.push(
    new pkijs.AttributeTypeAndValue({
      type: OID_COMMON_NAME,
      value: new asn1js.Utf8String({ value: input.commonName }),
    }),
  );
  request.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(input.publicKey.slice());
  request.attributes = [
    new pkijs.Attribute({
      type: OID_EXTENSION_REQUEST,
      values: [requestedExtensions(input.uri).toSchema()],
    }),
  ];

  // PKIjs signs with SHA-1 unless the hash is named.
  await request.sign(input.signingKey, 'SHA-256', engineFor(crypto));
  return new Uint8Array(request.toSchema().toBER(false));
}

function requestedExtensions(uri: string): pkijs.Extensions {
  const altNames = new pkijs.GeneralNames({
    names: [new pkijs.GeneralName({ type: GENERAL_NAME_URI, value: uri })],
  });
  // digitalSignature is bit 0 and keyAgreement bit 4: 0b10001000 with 3 unused bits.
  const keyUsage = new asn1js.BitString({ valueHex: new Uint8Array([0x88]), unusedBits: 3 });
  return new pkijs.Extensions({
    extensions: [
      new pkijs.Extension({
        extnID: OID_SUBJECT_ALT_NAME,
        critical: false,
        extnValue: altNames.toSchema().toBER(false),
      }),
      new pkijs.Extension({
        extnID: OID_KEY_USAGE,
        critical: true,
        extnValue: keyUsage.toBER(false),
      }),
    ],
  });
}
