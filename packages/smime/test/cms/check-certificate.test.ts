/**
 * checkCertificate checks a certificate outside any message, as verification checks a signer:
 * validity, a path to a trust anchor and revocation, on the committed fixture PKI.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { parseCertificate } from '../../src/cms/certificate.js';
import type { KeyUsageName } from '../../src/cms/certificate-extensions.js';
import { checkCertificate, createCertificate } from '../../src/cms/index.js';
import type { CheckCertificateOptions, RevocationList } from '../../src/cms/index.js';
import { parseRevocationList } from '../../src/cms/revocation-list.js';
import { CertificateUntrustedError, CmsParseError } from '../../src/errors.js';
import { rejection } from '../mime/expect-error.js';
import { buildCrl } from './crl-builder.js';
import { FIXTURE_NOW, crypto, fixtureCertificate, fixtureKeys } from './helpers.js';
import { expectRevoked, expectUnknown } from './revocation-expect.js';

const caDer = fixtureCertificate('ca');
const aliceDer = fixtureCertificate('alice');
const ALICE_SERIAL = 0x1001;
const BOB_SERIAL = 0x1002;

let caKey: CryptoKey;
let intermediate: Uint8Array;
let dave: Uint8Array;

/** Issues a certificate under `issuer`, valid from 2026 to 2036. */
async function issue(
  subject: string,
  serial: number,
  issuer: { certificate: Uint8Array; key: CryptoKey },
  isCa: boolean,
  keyUsage?: readonly KeyUsageName[],
): Promise<{ certificate: Uint8Array; key: CryptoKey }> {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const certificate = await createCertificate({
    crypto,
    subject,
    issuer: issuer.certificate,
    issuerKey: issuer.key,
    publicKey: keys.publicKey,
    serial,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    isCa,
    uris: isCa ? [] : [`sip:${subject}@example.org`],
    ...(keyUsage === undefined ? {} : { keyUsage }),
  });
  return { certificate, key: keys.privateKey };
}

beforeAll(async () => {
  caKey = (await fixtureKeys('ca')).signingKey;
  const issued = await issue('Test Intermediate', 0x3001, { certificate: caDer, key: caKey }, true);
  intermediate = issued.certificate;
  dave = (await issue('dave', 0x3002, issued, false)).certificate;
});

/** Builds a list of the fixture CA, current at FIXTURE_NOW, revoking `serials`. */
async function caList(serials: readonly number[]): Promise<RevocationList> {
  const der = await buildCrl(crypto, {
    issuerName: parseCertificate(caDer).subjectName,
    signingKey: caKey,
    thisUpdate: new Date('2030-05-01T00:00:00Z'),
    nextUpdate: new Date('2030-07-01T00:00:00Z'),
    entries: serials.map((serial) => ({ serial, date: new Date('2030-01-01T00:00:00Z') })),
  });
  return parseRevocationList(der);
}

async function expectUntrusted(attempt: Promise<unknown>, message: string): Promise<void> {
  const error = await rejection(attempt);

  expect(error).toBeInstanceOf(CertificateUntrustedError);
  expect(error).toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403, message });
}

/** Checks alice's certificate against the fixture CA at FIXTURE_NOW, with `overrides`. */
function check(overrides: Partial<CheckCertificateOptions> = {}): Promise<void> {
  return checkCertificate({
    crypto,
    certificate: aliceDer,
    trustAnchors: [caDer],
    now: FIXTURE_NOW,
    ...overrides,
  });
}

describe('checkCertificate', () => {
  it('passes a certificate of the trust anchor', async () => {
    await expect(check()).resolves.toBeUndefined();
  });

  it('passes a certificate that the lists leave out', async () => {
    const revocationLists = [await caList([BOB_SERIAL])];

    await expect(check({ revocationLists, revocation: 'require' })).resolves.toBeUndefined();
  });

  it('rejects a revoked certificate', async () => {
    const revocationLists = [await caList([ALICE_SERIAL])];

    await expectRevoked(check({ revocationLists }));
  });

  it('rejects an unknown status in require mode', async () => {
    await expectUnknown(check({ revocation: 'require' }));
  });

  it('rejects a certificate without a path', async () => {
    await expectUntrusted(
      check({ certificate: dave }),
      'certificate does not chain to a trust anchor',
    );
  });

  it('completes the path with intermediates', async () => {
    await expect(
      check({ certificate: dave, intermediates: [intermediate] }),
    ).resolves.toBeUndefined();
  });

  it('rejects an expired certificate', async () => {
    await expectUntrusted(
      check({ now: new Date('2099-01-01T00:00:00Z') }),
      'certificate has expired',
    );
  });

  it('rejects lists that parseRevocationList did not make', async () => {
    const revocationLists = [{}] as unknown as RevocationList[];

    await expect(check({ revocationLists })).rejects.toThrow(TypeError);
  });

  it('rejects a certificate that does not parse', async () => {
    const error = await rejection(check({ certificate: Uint8Array.of(0x30, 0x03, 0x02, 0x01) }));

    expect(error).toBeInstanceOf(CmsParseError);
    expect(error).toMatchObject({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 });
  });

  it.each([
    ['trustAnchors', { trustAnchors: undefined }],
    ['purpose', { purpose: 'decryption' }],
    ['certificate', { certificate: 'MIIB' }],
    ['intermediates', { intermediates: ['MIIB'] }],
  ])('names a wrong %s in a TypeError', async (name, overrides) => {
    const attempt = check(overrides as unknown as Partial<CheckCertificateOptions>);

    await expect(attempt).rejects.toThrow(TypeError);
    await expect(attempt).rejects.toThrow(`checkCertificate: options.${name} must be`);
  });
});

describe('checkCertificate for encryption', () => {
  const ca = () => ({ certificate: caDer, key: caKey });

  it('passes a certificate whose key may agree keys', async () => {
    await expect(check({ purpose: 'encryption' })).resolves.toBeUndefined();
  });

  it('rejects a certificate whose keyUsage only signs', async () => {
    const { certificate } = await issue('erin', 0x3003, ca(), false, ['digitalSignature']);

    await expect(check({ certificate })).resolves.toBeUndefined();
    await expectUntrusted(
      check({ certificate, purpose: 'encryption' }),
      'recipient certificate keyUsage forbids keyAgreement',
    );
  });

  it('passes a certificate whose keyUsage only agrees keys', async () => {
    const { certificate } = await issue('frank', 0x3004, ca(), false, ['keyAgreement']);

    await expect(check({ certificate, purpose: 'encryption' })).resolves.toBeUndefined();
    await expectUntrusted(check({ certificate }), 'signer certificate keyUsage forbids signing');
  });

  it('rejects a CA certificate', async () => {
    await expectUntrusted(
      check({ certificate: intermediate, purpose: 'encryption' }),
      'recipient certificate keyUsage forbids keyAgreement',
    );
  });

  it('still requires a path and validity', async () => {
    await expectUntrusted(
      check({ certificate: dave, purpose: 'encryption' }),
      'certificate does not chain to a trust anchor',
    );
    await expectUntrusted(
      check({ purpose: 'encryption', now: new Date('2099-01-01T00:00:00Z') }),
      'certificate has expired',
    );
  });
});
