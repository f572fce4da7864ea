import { describe, expect, it } from 'vitest';

import { utf8Encode } from '../../src/bytes.js';
import {
  createCertificate,
  importPrivateKey,
  signContent,
  verifySignedData,
} from '../../src/cms/index.js';
import {
  CertificateUntrustedError,
  NotSupportedError,
  SignatureInvalidError,
} from '../../src/errors.js';
import { FIXTURE_NOW, crypto, fixtureCertificate, fixtureKey, fixtureKeys } from './helpers.js';

const content = utf8Encode('short data\r\n');
const caCertificate = fixtureCertificate('ca');

/** Serial of the next certificate that a test issues, unique within the run and not random. */
let nextSerial = 0x10000;

interface Issued {
  readonly certificate: Uint8Array;
  readonly privateKey: CryptoKey;
}

async function caKey(): Promise<CryptoKey> {
  return (await importPrivateKey(crypto, fixtureKey('ca'))).signingKey;
}

async function issue(options: {
  notBefore?: Date;
  notAfter?: Date;
  isCa?: boolean;
  issuer?: Issued;
  subject?: string;
}): Promise<Issued> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const certificate = await createCertificate({
    crypto,
    subject: options.subject ?? 'dave',
    issuer: options.issuer?.certificate ?? caCertificate,
    issuerKey: options.issuer?.privateKey ?? (await caKey()),
    publicKey: pair.publicKey,
    serial: nextSerial++,
    notBefore: options.notBefore ?? new Date('2026-01-01T00:00:00Z'),
    notAfter: options.notAfter ?? new Date('2036-01-01T00:00:00Z'),
    isCa: options.isCa ?? false,
    uris: ['sip:dave@example.org'],
  });
  return { certificate, privateKey: pair.privateKey };
}

async function sign(signer: Issued, chain: readonly Uint8Array[] = []): Promise<Uint8Array> {
  return signContent({
    crypto,
    content,
    privateKey: signer.privateKey,
    certificate: signer.certificate,
    chain,
    signingTime: FIXTURE_NOW,
    detached: false,
  });
}

async function expectRejection(
  attempt: Promise<unknown>,
  type: typeof CertificateUntrustedError | typeof SignatureInvalidError | typeof NotSupportedError,
  message?: string,
): Promise<void> {
  await expect(attempt).rejects.toBeInstanceOf(type);
  await expect(attempt).rejects.toMatchObject({
    code: type.code,
    sipStatus: type === NotSupportedError ? 415 : 403,
  });
  if (message !== undefined) await expect(attempt).rejects.toThrow(message);
}

describe('verifySignedData certificate rules', () => {
  it('accepts a signer issued by the anchor', async () => {
    const signer = await issue({});
    const result = await verifySignedData({
      crypto,
      der: await sign(signer),
      trustAnchors: [caCertificate],
      now: FIXTURE_NOW,
    });
    expect(result.chainTrusted).toBe(true);
    expect(result.signerUris).toEqual(['sip:dave@example.org']);
    expect(result.signingTime).toEqual(FIXTURE_NOW);
    // The URIs come from the shared parsed certificate, so a caller cannot add one.
    expect(() => (result.signerUris as string[]).push('sip:mallory@example.org')).toThrow(
      TypeError,
    );
  });

  it('rejects an expired signer', async () => {
    const signer = await issue({ notAfter: new Date('2027-01-01T00:00:00Z') });
    await expectRejection(
      verifySignedData({
        crypto,
        der: await sign(signer),
        trustAnchors: [caCertificate],
        now: FIXTURE_NOW,
      }),
      CertificateUntrustedError,
      'certificate has expired',
    );
  });

  it('rejects a signer not yet valid', async () => {
    const signer = await issue({ notBefore: new Date('2031-01-01T00:00:00Z') });
    await expectRejection(
      verifySignedData({
        crypto,
        der: await sign(signer),
        trustAnchors: [caCertificate],
        now: FIXTURE_NOW,
      }),
      CertificateUntrustedError,
      'certificate is not yet valid',
    );
  });

  it('rejects an expired anchor', async () => {
    const der = await sign(await issue({}));
    const later = new Date('2060-01-01T00:00:00Z');
    await expectRejection(
      verifySignedData({ crypto, der, trustAnchors: [caCertificate], now: later }),
      CertificateUntrustedError,
      'certificate has expired',
    );
  });

  it('reports an unknown issuer as untrusted chain', async () => {
    const signer = await issue({});
    const result = await verifySignedData({
      crypto,
      der: await sign(signer),
      trustAnchors: [fixtureCertificate('alice')],
      now: FIXTURE_NOW,
    });
    expect(result.chainTrusted).toBe(false);
  });

  it('follows an included intermediate CA', async () => {
    const intermediate = await issue({ isCa: true, subject: 'Intermediate CA' });
    const signer = await issue({ issuer: intermediate });
    const der = await sign(signer, [intermediate.certificate]);
    const result = await verifySignedData({
      crypto,
      der,
      trustAnchors: [caCertificate],
      now: FIXTURE_NOW,
    });
    expect(result.chainTrusted).toBe(true);
  });

  it('rejects an intermediate that is not a CA', async () => {
    const notCa = await issue({ subject: 'Not a CA' });
    const signer = await issue({ issuer: notCa });
    const der = await sign(signer, [notCa.certificate]);
    await expectRejection(
      verifySignedData({ crypto, der, trustAnchors: [caCertificate], now: FIXTURE_NOW }),
      CertificateUntrustedError,
      'issuer certificate is not a CA',
    );
  });

  it('rejects a forged issuer signature', async () => {
    const forger = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ]);
    const signer = await issue({
      issuer: { certificate: caCertificate, privateKey: forger.privateKey },
    });
    await expectRejection(
      verifySignedData({
        crypto,
        der: await sign(signer),
        trustAnchors: [caCertificate],
        now: FIXTURE_NOW,
      }),
      CertificateUntrustedError,
      'certificate signature is invalid',
    );
  });

  it('rejects a CA certificate used as signer', async () => {
    const signer = await issue({ isCa: true });
    await expectRejection(
      verifySignedData({
        crypto,
        der: await sign(signer),
        trustAnchors: [caCertificate],
        now: FIXTURE_NOW,
      }),
      CertificateUntrustedError,
      'keyUsage forbids signing',
    );
  });

  it('rechecks validity on a cached chain', async () => {
    const signer = await issue({ notAfter: new Date('2031-01-01T00:00:00Z') });
    const der = await sign(signer);
    await verifySignedData({ crypto, der, trustAnchors: [caCertificate], now: FIXTURE_NOW });
    await expectRejection(
      verifySignedData({
        crypto,
        der,
        trustAnchors: [caCertificate],
        now: new Date('2032-01-01T00:00:00Z'),
      }),
      CertificateUntrustedError,
      'certificate has expired',
    );
  });

  it('rejects detached content that differs', async () => {
    const alice = await fixtureKeys('alice');
    const der = await signContent({
      crypto,
      content,
      privateKey: alice.signingKey,
      certificate: fixtureCertificate('alice'),
      signingTime: FIXTURE_NOW,
      detached: true,
    });
    const attempt = verifySignedData({
      crypto,
      der,
      detachedContent: utf8Encode('other data\r\n'),
      trustAnchors: [caCertificate],
      now: FIXTURE_NOW,
    });
    await expectRejection(
      attempt,
      SignatureInvalidError,
      'messageDigest does not match the content',
    );
  });

  it('rejects detached content given to an opaque signature', async () => {
    const alice = await fixtureKeys('alice');
    const der = await signContent({
      crypto,
      content,
      privateKey: alice.signingKey,
      certificate: fixtureCertificate('alice'),
      signingTime: FIXTURE_NOW,
      detached: false,
    });
    const attempt = verifySignedData({
      crypto,
      der,
      detachedContent: content,
      trustAnchors: [caCertificate],
      now: FIXTURE_NOW,
    });
    await expectRejection(attempt, SignatureInvalidError, 'both encapsulated and detached');
  });

  it('signs with SHA-384 for a P-384 key', async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, [
      'sign',
      'verify',
    ]);
    const certificate = await createCertificate({
      crypto,
      subject: 'erin',
      issuer: caCertificate,
      issuerKey: await caKey(),
      publicKey: pair.publicKey,
      serial: 77,
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2036-01-01T00:00:00Z'),
    });
    const der = await signContent({
      crypto,
      content,
      privateKey: pair.privateKey,
      certificate,
      signingTime: FIXTURE_NOW,
      detached: false,
    });
    const result = await verifySignedData({
      crypto,
      der,
      trustAnchors: [caCertificate],
      now: FIXTURE_NOW,
    });
    expect(result.signatureAlgorithm).toBe('ecdsa-with-SHA384');
    expect(result.digestAlgorithm).toBe('sha-384');
  });
});

describe('verifySignedData with short RSA keys', () => {
  /** Issues a certificate for a new RSA key of `bits` bits under `issuer`, the CA by default. */
  async function issueRsa(bits: number, isCa: boolean, issuer?: Issued): Promise<Issued> {
    const pair = await crypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: bits,
        publicExponent: Uint8Array.of(1, 0, 1),
        hash: 'SHA-256',
      },
      false,
      ['sign', 'verify'],
    );
    const certificate = await createCertificate({
      crypto,
      subject: isCa ? 'Short Key CA' : 'dave',
      issuer: issuer?.certificate ?? caCertificate,
      issuerKey: issuer?.privateKey ?? (await caKey()),
      publicKey: pair.publicKey,
      serial: nextSerial++,
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2036-01-01T00:00:00Z'),
      isCa,
      uris: isCa ? [] : ['sip:dave@example.org'],
    });
    return { certificate, privateKey: pair.privateKey };
  }

  const verify = (der: Uint8Array) =>
    verifySignedData({ crypto, der, trustAnchors: [caCertificate], now: FIXTURE_NOW });

  it.each([512, 1024])('rejects a %i-bit signer', async (bits) => {
    const signer = await issueRsa(bits, false);

    await expectRejection(
      verify(await sign(signer)),
      CertificateUntrustedError,
      `RSA key of ${String(bits)} bits is shorter than 2048`,
    );
  });

  it('rejects a 1024-bit intermediate CA', async () => {
    const intermediate = await issueRsa(1024, true);
    const signer = await issue({ issuer: intermediate });

    await expectRejection(
      verify(await sign(signer, [intermediate.certificate])),
      CertificateUntrustedError,
      'RSA key of 1024 bits is shorter than 2048',
    );
  });

  it('accepts a 2048-bit signer', async () => {
    const signer = await issueRsa(2048, false);

    expect((await verify(await sign(signer))).chainTrusted).toBe(true);
  });
});
