/**
 * An RSA modulus must be a DER INTEGER in its fewest octets: zero octets in front would make a
 * short key pass the 2048-bit checks, which read its size from the encoding.
 */
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';

import { parseCertificate } from '../../src/cms/certificate.js';
import { createCertificate } from '../../src/cms/index.js';
import { CmsParseError } from '../../src/errors.js';
import { crypto, fixtureCertificate, fixtureKeys } from './helpers.js';

const caDer = fixtureCertificate('ca');
let caKey: CryptoKey;

beforeAll(async () => {
  caKey = (await fixtureKeys('ca')).signingKey;
  pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto }));
});

function tlv(tag: number, body: Uint8Array): Uint8Array {
  const length = body.length;
  let header = [0x82, length >> 8, length & 0xff];
  if (length < 0x100) header = [0x81, length];
  if (length < 0x80) header = [length];
  return Uint8Array.from([tag, ...header, ...body]);
}

/** Returns the SPKI of `key` with `pad` zero octets in front of its modulus. */
async function paddedSpki(key: CryptoKey, pad: number): Promise<ArrayBuffer> {
  const jwk = await crypto.subtle.exportKey('jwk', key);
  const modulus = Uint8Array.from([
    ...new Uint8Array(pad),
    ...Buffer.from(jwk.n ?? '', 'base64url'),
  ]);
  const exponent = Uint8Array.from(Buffer.from(jwk.e ?? '', 'base64url'));
  const rsaKey = tlv(0x30, Uint8Array.from([...tlv(0x02, modulus), ...tlv(0x02, exponent)]));
  const algorithm = Buffer.from('300d06092a864886f70d0101010500', 'hex');
  const spki = tlv(
    0x30,
    Uint8Array.from([...algorithm, ...tlv(0x03, Uint8Array.of(0, ...rsaKey))]),
  );
  return spki.slice().buffer;
}

/** Issues a CA certificate for an RSA key of `bits` and returns it with `pad` zeros in its modulus. */
async function rsaCertificate(bits: number, pad: number): Promise<Uint8Array> {
  const keys = await crypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: bits,
      publicExponent: Uint8Array.of(1, 0, 1),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  );
  const plain = await createCertificate({
    crypto,
    subject: 'RSA CA',
    issuer: caDer,
    issuerKey: caKey,
    publicKey: keys.publicKey,
    serial: 0x9001,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    isCa: true,
  });
  if (pad === 0) return plain;
  const certificate = pkijs.Certificate.fromBER(plain.slice().buffer);
  certificate.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(
    await paddedSpki(keys.publicKey, pad),
  );
  await certificate.sign(caKey, 'SHA-256');
  return new Uint8Array(certificate.toSchema(true).toBER());
}

describe('RSA modulus encoding', () => {
  it('reads the size of a minimal modulus', async () => {
    expect(parseCertificate(await rsaCertificate(1024, 0)).publicKeyAlgorithm).toEqual({
      kind: 'rsa',
      modulusBits: 1024,
    });
  });

  it('rejects a modulus padded with zero octets', async () => {
    const padded = await rsaCertificate(1024, 130);
    const attempt = () => parseCertificate(padded);

    expect(attempt).toThrow(CmsParseError);
    expect(attempt).toThrow('RSA modulus is not a positive INTEGER in its fewest octets');
    expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 }));
  });
});
