/**
 * The search for a signer's path tries every certificate that names the issuer, so that a valid
 * path is found behind an expired copy of a renewed CA or an unrelated anchor of the same name,
 * and stays bounded when many certificates name one another.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';

import { utf8Encode } from '../../src/bytes.js';
import {
  checkCertificate,
  createCertificate,
  signContent,
  verifySignedData,
} from '../../src/cms/index.js';
import { CertificateUntrustedError } from '../../src/errors.js';
import { rejection } from '../mime/expect-error.js';
import { FIXTURE_NOW, crypto, fixtureCertificate, fixtureKeys } from './helpers.js';

const content = utf8Encode('short data\r\n');
const caDer = fixtureCertificate('ca');
const VALID_FROM = new Date('2026-01-01T00:00:00Z');
const VALID_TO = new Date('2036-01-01T00:00:00Z');
const EXPIRED_AT = new Date('2027-01-01T00:00:00Z');

interface Holder {
  readonly certificate: Uint8Array;
  readonly keys: CryptoKeyPair;
}

let caKey: CryptoKey;
let serial = 0x5000;

function newKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
}

/** Issues a certificate for `keys` under `issuer` (the fixture CA by default). */
async function issue(
  subject: string,
  keys: CryptoKeyPair,
  options: { issuer?: Holder; isCa?: boolean; notAfter?: Date } = {},
): Promise<Holder> {
  serial += 1;
  const certificate = await createCertificate({
    crypto,
    subject,
    issuer: options.issuer?.certificate ?? caDer,
    issuerKey: options.issuer?.keys.privateKey ?? caKey,
    publicKey: keys.publicKey,
    serial,
    notBefore: VALID_FROM,
    notAfter: options.notAfter ?? VALID_TO,
    isCa: options.isCa ?? false,
    uris: options.isCa === true ? [] : [`sip:${subject}@example.org`],
  });
  return { certificate, keys };
}

/** Signs as `signer` with `chain`, then verifies against `anchors`. */
async function verify(signer: Holder, chain: readonly Uint8Array[], anchors = [caDer]) {
  const der = await signContent({
    crypto,
    content,
    privateKey: signer.keys.privateKey,
    certificate: signer.certificate,
    chain,
    signingTime: FIXTURE_NOW,
    detached: false,
  });
  return verifySignedData({ crypto, der, trustAnchors: anchors, now: FIXTURE_NOW });
}

beforeAll(async () => {
  caKey = (await fixtureKeys('ca')).signingKey;
});

describe('signer path search', () => {
  it('passes an expired copy of a renewed intermediate', async () => {
    const intermediateKeys = await newKeys();
    const expired = await issue('Ops CA', intermediateKeys, { isCa: true, notAfter: EXPIRED_AT });
    const renewed = await issue('Ops CA', intermediateKeys, { isCa: true });
    const signer = await issue('alice', await newKeys(), { issuer: renewed });

    // The order is kept here: a SignedData sorts its certificates by their encoding.
    const check = checkCertificate({
      crypto,
      certificate: signer.certificate,
      intermediates: [expired.certificate, renewed.certificate],
      trustAnchors: [caDer],
      now: FIXTURE_NOW,
    });

    await expect(check).resolves.toBeUndefined();
  });

  it('passes an unrelated anchor of the same name', async () => {
    const intermediate = await issue('Ops CA', await newKeys(), { isCa: true });
    const impostor = await issue('Ops CA', await newKeys(), { isCa: true });
    const signer = await issue('alice', await newKeys(), { issuer: intermediate });

    const result = await verify(signer, [intermediate.certificate], [impostor.certificate, caDer]);

    expect(result.chainTrusted).toBe(true);
  });

  it('finds a short path after a detour that reached the length limit', async () => {
    // signer <- B or A1 (same name and key). A1 leads to D only through P1, P2 and P3, so the
    // path through it reaches MAX_CHAIN_LENGTH; through B it is signer, B, D, E and the anchor.
    const e = await issue('EE', await newKeys(), { isCa: true });
    const d = await issue('DD', await newKeys(), { isCa: true, issuer: e });
    const p3 = await issue('P3', await newKeys(), { isCa: true, issuer: d });
    const p2 = await issue('P2', await newKeys(), { isCa: true, issuer: p3 });
    const p1 = await issue('P1', await newKeys(), { isCa: true, issuer: p2 });
    const sharedKeys = await newKeys();
    const a1 = await issue('XX', sharedKeys, { isCa: true, issuer: p1 });
    const b = await issue('XX', sharedKeys, { isCa: true, issuer: d });
    const signer = await issue('alice', await newKeys(), { issuer: a1 });
    const detour = [a1, p1, p2, p3].map((holder) => holder.certificate);

    const check = checkCertificate({
      crypto,
      certificate: signer.certificate,
      intermediates: [...detour, b.certificate, d.certificate, e.certificate],
      trustAnchors: [caDer],
      now: FIXTURE_NOW,
    });

    await expect(check).resolves.toBeUndefined();
  });

  it('reports the expired issuer when no copy is valid', async () => {
    const expired = await issue('Ops CA', await newKeys(), { isCa: true, notAfter: EXPIRED_AT });
    const signer = await issue('alice', await newKeys(), { issuer: expired });

    const error = await rejection(verify(signer, [expired.certificate]));

    expect(error).toBeInstanceOf(CertificateUntrustedError);
    expect(error.message).toBe('certificate has expired');
  });

  it('reports a forged issuer', async () => {
    const intermediate = await issue('Ops CA', await newKeys(), { isCa: true });
    const forged = await issue('Ops CA', await newKeys(), { isCa: true });
    const signer = await issue('alice', await newKeys(), { issuer: intermediate });

    const error = await rejection(verify(signer, [forged.certificate]));

    expect(error).toBeInstanceOf(CertificateUntrustedError);
    expect(error.message).toBe('certificate signature is invalid');
  });

  it('stays bounded among CAs that certify one another', async () => {
    // Four CAs of one name, each certifying the three others, none under the anchor: a search
    // that tried every ordering of the twelve certificates would run into the hundred thousands.
    const keys = await Promise.all(Array.from({ length: 4 }, () => newKeys()));
    const roots = await Promise.all(keys.map((pair) => issue('Mesh CA', pair, { isCa: true })));
    const mesh: Uint8Array[] = [];
    for (const subject of roots) {
      for (const issuer of roots) {
        if (subject === issuer) continue;
        mesh.push((await issue('Mesh CA', subject.keys, { isCa: true, issuer })).certificate);
      }
    }
    const [firstRoot] = roots;
    if (firstRoot === undefined) throw new Error('no mesh CA');
    const signer = await issue('alice', await newKeys(), { issuer: firstRoot });
    const verifying = vi.spyOn(crypto.subtle, 'verify');

    try {
      const error = await rejection(verify(signer, mesh, [fixtureCertificate('bob')]));
      expect(error).toBeInstanceOf(CertificateUntrustedError);
      // The message signature, then at most each certificate against each of the twelve.
      expect(verifying.mock.calls.length).toBeLessThanOrEqual(1 + mesh.length + mesh.length ** 2);
    } finally {
      verifying.mockRestore();
    }
  });
});
