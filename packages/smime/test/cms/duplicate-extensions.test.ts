/**
 * RFC 5280 §4.2 allows one instance of each extension in a certificate. Readers that take the last
 * of two and readers that take the first disagree on whether a certificate is a CA, and OpenSSL
 * rejects such a certificate, so a repeated extension must not verify here either.
 */
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';

import { checkCertificate, createCertificate } from '../../src/cms/index.js';
import { CmsParseError } from '../../src/errors.js';
import { rejection } from '../mime/expect-error.js';
import { FIXTURE_NOW, crypto, fixtureCertificate, fixtureKeys } from './helpers.js';

const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const caDer = fixtureCertificate('ca');

let intermediate: Uint8Array;
let dave: Uint8Array;

/** Returns a copy of `der` with `extension` before its others, signed again by `issuerKey`. */
async function withLeadingExtension(
  der: Uint8Array,
  extension: pkijs.Extension,
  issuerKey: CryptoKey,
): Promise<Uint8Array> {
  const certificate = pkijs.Certificate.fromBER(der.slice().buffer);
  certificate.extensions = [extension, ...(certificate.extensions ?? [])];
  await certificate.sign(issuerKey, 'SHA-256', new pkijs.CryptoEngine({ crypto }));
  return new Uint8Array(certificate.toSchema(true).toBER());
}

async function newKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
}

beforeAll(async () => {
  const caKey = (await fixtureKeys('ca')).signingKey;
  const intermediateKeys = await newKeys();
  const validity = {
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
  };
  const ca = await createCertificate({
    crypto,
    subject: 'Repeated Extension CA',
    issuer: caDer,
    issuerKey: caKey,
    publicKey: intermediateKeys.publicKey,
    serial: 0x4001,
    isCa: true,
    ...validity,
  });
  // The first basicConstraints marks an end entity, and the one createCertificate wrote a CA.
  const notCa = new pkijs.Extension({
    extnID: OID_BASIC_CONSTRAINTS,
    critical: true,
    extnValue: new pkijs.BasicConstraints({ cA: false }).toSchema().toBER(false),
  });
  intermediate = await withLeadingExtension(ca, notCa, caKey);

  // The issuer named here only lends its name and key identifier, which the copy keeps.
  const daveKeys = await newKeys();
  dave = await createCertificate({
    crypto,
    subject: 'dave',
    issuer: ca,
    issuerKey: intermediateKeys.privateKey,
    publicKey: daveKeys.publicKey,
    serial: 0x4002,
    uris: ['sip:dave@example.org'],
    ...validity,
  });
});

describe('repeated certificate extensions', () => {
  it('rejects an issuer with two basicConstraints', async () => {
    const error = await rejection(
      checkCertificate({
        crypto,
        certificate: dave,
        intermediates: [intermediate],
        trustAnchors: [caDer],
        now: FIXTURE_NOW,
      }),
    );

    expect(error).toBeInstanceOf(CmsParseError);
    expect(error).toMatchObject({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 });
  });
});
