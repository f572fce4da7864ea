/**
 * RSA-OAEP key transport for CMS (RFC 3560, RFC 8551 §2.7). RSAES-PKCS1-v1_5 key transport is not
 * available: WebCrypto does not implement it.
 *
 * ```asn1
 * RSAES-OAEP-params ::= SEQUENCE {
 *   hashFunc [0] AlgorithmIdentifier DEFAULT sha1Identifier,
 *   maskGenFunc [1] AlgorithmIdentifier DEFAULT mgf1SHA1Identifier,
 *   pSourceFunc [2] AlgorithmIdentifier DEFAULT pSpecifiedEmptyIdentifier }
 * ```
 *
 * @module
 */

import { bufferSource } from '../bytes.js';
import { NotSupportedError, UndecipherableError } from '../errors.js';
import type { ParsedCertificate } from './certificate.js';
import {
  type AlgorithmIdentifier,
  DER_NULL,
  derAlgorithm,
  derExplicit,
  derOctetString,
  derSequence,
  derSmallInteger,
  derTlv,
  isContext,
  readAlgorithm,
  readExplicit,
  readOctets,
  readSequence,
  type DerElement,
} from './der.js';
import {
  DIGEST_BY_OID,
  OID_MGF1,
  OID_P_SPECIFIED,
  OID_RSAES_OAEP,
  OID_SHA1,
  OID_SHA256,
  oidName,
} from './oids.js';
import { readMgf1Hash } from './signature.js';

/** OAEP parameters in WebCrypto terms. */
export interface OaepParameters {
  readonly hash: string;
  readonly label: Uint8Array | undefined;
}

/** Reads the parameters of an id-RSAES-OAEP keyEncryptionAlgorithm. */
export function readOaepParameters(algorithm: AlgorithmIdentifier): OaepParameters {
  if (algorithm.oid !== OID_RSAES_OAEP) {
    throw new NotSupportedError(`key transport ${oidName(algorithm.oid)} not supported`);
  }
  let hashOid = OID_SHA1;
  let mgfHashOid = OID_SHA1;
  let label: Uint8Array | undefined;
  const fields =
    algorithm.parameters === undefined
      ? []
      : readSequence(algorithm.parameters, 'RSAES-OAEP-params');
  for (const field of fields) {
    const inner = readExplicit(field, 'RSAES-OAEP-params field');
    if (isContext(field, 0)) hashOid = readAlgorithm(inner, 'hashFunc').oid;
    else if (isContext(field, 1)) mgfHashOid = readMgf1Hash(inner);
    else if (isContext(field, 2)) label = readLabel(readAlgorithm(inner, 'pSourceFunc'));
  }
  const hash = hashOid === OID_SHA1 ? 'SHA-1' : DIGEST_BY_OID[hashOid];
  // WebCrypto uses the OAEP hash for MGF1 as well, so other pairs cannot be computed.
  if (hash === undefined || mgfHashOid !== hashOid) {
    throw new NotSupportedError(
      `RSA-OAEP with ${oidName(hashOid)} and MGF1 ${oidName(mgfHashOid)} not supported`,
    );
  }
  return { hash, label: label !== undefined && label.length > 0 ? label : undefined };
}

function readLabel(source: AlgorithmIdentifier): Uint8Array {
  if (source.oid !== OID_P_SPECIFIED || source.parameters === undefined) {
    throw new NotSupportedError(`OAEP pSourceFunc ${oidName(source.oid)} not supported`);
  }
  return readOctets(source.parameters, 'pSpecified label');
}

/** Describes an OAEP algorithm for reports, such as `rsaes-oaep-sha256`. */
export function describeKeyTransport(algorithm: AlgorithmIdentifier): string {
  try {
    return `rsaes-oaep-${readOaepParameters(algorithm).hash.replace('-', '').toLowerCase()}`;
  } catch {
    return oidName(algorithm.oid);
  }
}

// RFC 4055 §2.1: RSAES-OAEP-params use NULL parameters in the hash AlgorithmIdentifiers.
const SHA256_NULL = derAlgorithm(OID_SHA256, DER_NULL);
const OAEP_SHA256 = derAlgorithm(
  OID_RSAES_OAEP,
  derSequence(derExplicit(0, SHA256_NULL), derExplicit(1, derAlgorithm(OID_MGF1, SHA256_NULL))),
);

/**
 * Builds a KeyTransRecipientInfo (version 0, issuerAndSerialNumber) that encrypts `contentKey`
 * with RSA-OAEP, SHA-256 and MGF1-SHA-256, both named explicitly.
 */
export async function encodeKeyTransRecipient(
  crypto: Crypto,
  recipient: ParsedCertificate,
  contentKey: Uint8Array,
): Promise<DerElement> {
  const key = await crypto.subtle.importKey(
    'spki',
    bufferSource(recipient.spki),
    { name: 'RSA-OAEP', hash: 'SHA-256' },
    false,
    ['encrypt'],
  );
  const encryptedKey = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, key, bufferSource(contentKey)),
  );
  return derSequence(
    derSmallInteger(0),
    derSequence(recipient.issuerName, derTlv(0x02, recipient.serialNumber)),
    OAEP_SHA256,
    derOctetString(encryptedKey),
  );
}

/**
 * Decrypts the content-encryption key with the local RSA-OAEP key. A key bound to another hash
 * than the envelope's raises NotSupportedError; every decryption failure raises
 * UndecipherableError.
 */
export async function decryptKeyTransport(
  crypto: Crypto,
  algorithm: AlgorithmIdentifier,
  encryptedKey: Uint8Array,
  privateKey: CryptoKey,
): Promise<Uint8Array> {
  const parameters = readOaepParameters(algorithm);
  if (privateKey.algorithm.name !== 'RSA-OAEP') throw new UndecipherableError();
  if ((privateKey.algorithm as RsaHashedKeyAlgorithm).hash.name !== parameters.hash) {
    throw new NotSupportedError(`RSA-OAEP with ${parameters.hash} not supported by the local key`);
  }
  const oaep: RsaOaepParams = { name: 'RSA-OAEP' };
  if (parameters.label !== undefined) oaep.label = bufferSource(parameters.label);
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(oaep, privateKey, bufferSource(encryptedKey)),
    );
  } catch (cause) {
    throw new UndecipherableError({ cause });
  }
}
