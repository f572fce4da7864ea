/**
 * Certificate revocation lists built in the tests with the library's DER writer and WebCrypto,
 * so that the tests can make lists that no CA would issue: bad signatures, odd extensions,
 * malformed fields.
 */
import {
  derBitString,
  derExplicit,
  derOctetString,
  derOid,
  derSequence,
  derSmallInteger,
  derTime,
  derTlv,
  derEncode,
  type DerInput,
} from '../../src/cms/der.js';
import { encodeSignatureAlgorithm, schemeForKey, signBytes } from '../../src/cms/signature.js';
import { OID_CRL_NUMBER, OID_CRL_REASON } from '../../src/cms/oids.js';

/** One revoked certificate of a built list. */
export interface EntrySpec {
  /** Serial number: a number, or the INTEGER content octets as they are to be written. */
  readonly serial: number | Uint8Array;
  readonly date: Date;
  /** CRLReason code (RFC 5280 §5.3.1), written as a reasonCode entry extension. */
  readonly reason?: number;
  /** Further encoded Extension elements of the entry; an empty array writes an empty list. */
  readonly extensions?: readonly DerInput[];
}

/** What a built list contains. */
export interface CrlSpec {
  /** DER of the issuer Name. */
  readonly issuerName: DerInput;
  readonly signingKey: CryptoKey;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  readonly entries?: readonly EntrySpec[];
  /** Encoded Extension elements of the list; default a cRLNumber of 1. An empty array omits them. */
  readonly extensions?: readonly DerInput[];
  /** Version field value; default 1 (v2); null leaves the field out, as a v1 list does. */
  readonly version?: number | null;
  /** Encoded AlgorithmIdentifier for the tbsCertList signature field, in place of the real one. */
  readonly innerAlgorithm?: DerInput;
}

/** Encodes an INTEGER from a number or from its content octets. */
export function derInteger(value: number | Uint8Array): Uint8Array {
  return derEncode(typeof value === 'number' ? derSmallInteger(value) : derTlv(0x02, value));
}

/** Encodes an Extension. */
export function derExtension(oid: string, value: DerInput, critical = false): Uint8Array {
  const flag = critical ? [Uint8Array.of(0x01, 0x01, 0xff)] : [];
  return derEncode(derSequence(derOid(oid), ...flag, derOctetString(derEncode(value))));
}

/** Encodes a reasonCode entry extension. */
export function reasonExtension(code: number): Uint8Array {
  return derExtension(OID_CRL_REASON, Uint8Array.of(0x0a, 0x01, code));
}

/** Encodes the TBSCertList of a spec, with `algorithm` as its signature field. */
export function encodeTbsCertList(spec: CrlSpec, algorithm: DerInput): Uint8Array {
  const version = spec.version === null ? [] : [derSmallInteger(spec.version ?? 1)];
  const next = spec.nextUpdate === undefined ? [] : [derTime(spec.nextUpdate)];
  const entries = (spec.entries ?? []).map((entry) => {
    const extensions = [
      ...(entry.reason === undefined ? [] : [reasonExtension(entry.reason)]),
      ...(entry.extensions ?? []),
    ];
    // Given extensions are written even when the array is empty, for malformed lists.
    const written = entry.reason !== undefined || entry.extensions !== undefined;
    const tail = written ? [derSequence(...extensions)] : [];
    return derSequence(derInteger(entry.serial), derTime(entry.date), ...tail);
  });
  const revoked = entries.length === 0 ? [] : [derSequence(...entries)];
  const listExtensions = spec.extensions ?? [derExtension(OID_CRL_NUMBER, derSmallInteger(1))];
  const extensions =
    listExtensions.length === 0 ? [] : [derExplicit(0, derSequence(...listExtensions))];
  return derEncode(
    derSequence(
      ...version,
      spec.innerAlgorithm ?? algorithm,
      spec.issuerName,
      derTime(spec.thisUpdate),
      ...next,
      ...revoked,
      ...extensions,
    ),
  );
}

/** Signs an encoded TBSCertList and returns the DER CertificateList. */
export async function signTbsCertList(
  crypto: Crypto,
  signingKey: CryptoKey,
  tbs: Uint8Array,
): Promise<Uint8Array> {
  const scheme = schemeForKey(signingKey);
  const signature = await signBytes(crypto, signingKey, scheme, tbs);
  return derEncode(derSequence(tbs, encodeSignatureAlgorithm(scheme), derBitString(signature)));
}

/** Builds and signs a list. */
export async function buildCrl(crypto: Crypto, spec: CrlSpec): Promise<Uint8Array> {
  const algorithm = derEncode(encodeSignatureAlgorithm(schemeForKey(spec.signingKey)));
  return signTbsCertList(crypto, spec.signingKey, encodeTbsCertList(spec, algorithm));
}
