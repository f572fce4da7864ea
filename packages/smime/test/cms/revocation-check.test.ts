/**
 * Revocation check of signer paths in verifySignedData, with lists built by the DER writer and
 * signed with WebCrypto, on the committed fixture PKI at a fixed clock.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Encode } from '../../src/bytes.js';
import { parseCertificate } from '../../src/cms/certificate.js';
import { DER_NULL, derAlgorithm, derEncode, derSequence, derTlv } from '../../src/cms/der.js';
import { createCertificate, signContent, verifySignedData } from '../../src/cms/index.js';
import type { RevocationList, RevocationMode } from '../../src/cms/index.js';
import {
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_ISSUING_DISTRIBUTION_POINT,
} from '../../src/cms/oids.js';
import { parseRevocationList } from '../../src/cms/revocation-list.js';
import { type CrlSpec, buildCrl, derExtension, encodeTbsCertList } from './crl-builder.js';
import { FIXTURE_NOW, crypto, fixtureCertificate, fixtureKeys } from './helpers.js';
import { rejection } from '../mime/expect-error.js';
import { expectRevoked, expectUnknown } from './revocation-expect.js';

const content = utf8Encode('Content-Type: text/plain\r\n\r\nshort data\r\n');
const caDer = fixtureCertificate('ca');
const ca = parseCertificate(caDer);
const ALICE_SERIAL = 0x1001;
const BOB_SERIAL = 0x1002;
const BEFORE = new Date('2030-05-01T00:00:00Z');
const AFTER = new Date('2030-07-01T00:00:00Z');
const REVOKED_AT = new Date('2030-01-01T00:00:00Z');

interface Issued {
  readonly certificate: Uint8Array;
  readonly privateKey: CryptoKey;
}

let caKey: CryptoKey;
let alice: Issued;
let intermediate: Issued;
let dave: Issued;
let otherCa: Issued;

async function issue(
  subject: string,
  serial: number,
  issuer: Issued | undefined,
  isCa: boolean,
  pair?: CryptoKeyPair,
): Promise<Issued> {
  const keys = pair ?? (await newKeyPair());
  const certificate = await createCertificate({
    crypto,
    subject,
    ...(issuer === undefined ? {} : { issuer: issuer.certificate }),
    issuerKey: issuer?.privateKey ?? keys.privateKey,
    publicKey: keys.publicKey,
    serial,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    isCa,
    uris: isCa ? [] : [`sip:${subject}@example.org`],
  });
  return { certificate, privateKey: keys.privateKey };
}

function newKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
}

beforeAll(async () => {
  caKey = (await fixtureKeys('ca')).signingKey;
  alice = {
    certificate: fixtureCertificate('alice'),
    privateKey: (await fixtureKeys('alice')).signingKey,
  };
  const root = { certificate: caDer, privateKey: caKey };
  intermediate = await issue('Test Intermediate', 0x3001, root, true);
  dave = await issue('dave', 0x3002, intermediate, false);
  otherCa = await issue('Other CA', 0x4001, undefined, true);
});

/** Builds a list of the fixture CA, valid from BEFORE to AFTER, with `overrides` applied. */
function caList(overrides: Partial<CrlSpec> = {}): Promise<RevocationList> {
  return buildCrl(crypto, {
    issuerName: ca.subjectName,
    signingKey: caKey,
    thisUpdate: BEFORE,
    nextUpdate: AFTER,
    ...overrides,
  }).then(parseRevocationList);
}

/** Builds a list of the intermediate CA, valid from BEFORE to AFTER. */
function intermediateList(overrides: Partial<CrlSpec> = {}): Promise<RevocationList> {
  return buildCrl(crypto, {
    issuerName: parseCertificate(intermediate.certificate).subjectName,
    signingKey: intermediate.privateKey,
    thisUpdate: BEFORE,
    nextUpdate: AFTER,
    ...overrides,
  }).then(parseRevocationList);
}

const revoke = (serial: number, reason?: number, date = REVOKED_AT) => ({
  serial,
  date,
  ...(reason === undefined ? {} : { reason }),
});

interface CheckOptions {
  readonly lists?: readonly RevocationList[];
  readonly mode?: RevocationMode;
  readonly signer?: Issued;
  readonly chain?: readonly Uint8Array[];
  readonly anchors?: readonly Uint8Array[];
}

async function verify(options: CheckOptions = {}) {
  const signer = options.signer ?? alice;
  const der = await signContent({
    crypto,
    content,
    privateKey: signer.privateKey,
    certificate: signer.certificate,
    chain: options.chain ?? [],
    signingTime: FIXTURE_NOW,
    detached: false,
  });
  return verifySignedData({
    crypto,
    der,
    trustAnchors: options.anchors ?? [caDer],
    now: FIXTURE_NOW,
    revocationLists: options.lists ?? [],
    ...(options.mode === undefined ? {} : { revocation: options.mode }),
  });
}

async function expectTrusted(attempt: Promise<{ chainTrusted: boolean }>): Promise<void> {
  expect((await attempt).chainTrusted).toBe(true);
}

describe('revocation of the signer', () => {
  it('rejects a revoked signer', async () => {
    const lists = [await caList({ entries: [revoke(ALICE_SERIAL, 1)] })];
    const error = await expectRevoked(verify({ lists }));

    expect(error.message).toBe(
      'certificate O=mcptt-smime tests, CN=alice (serial 1001) was revoked on ' +
        '2030-01-01T00:00:00.000Z, reason keyCompromise',
    );
  });

  it('rejects a revoked signer in require mode', async () => {
    const lists = [await caList({ entries: [revoke(ALICE_SERIAL)] })];

    await expectRevoked(verify({ lists, mode: 'require' }));
  });

  it('accepts a signer that is not listed', async () => {
    const lists = [await caList({ entries: [revoke(BOB_SERIAL, 1)] })];

    await expectTrusted(verify({ lists }));
    await expectTrusted(verify({ lists, mode: 'require' }));
  });

  it('matches a serial written with a redundant zero', async () => {
    const serial = Uint8Array.of(0x00, 0x10, 0x01);
    const lists = [await caList({ entries: [{ serial, date: REVOKED_AT }] })];

    await expectRevoked(verify({ lists }));
  });

  it('does not revoke before the revocation date', async () => {
    const lists = [await caList({ entries: [revoke(ALICE_SERIAL, 1, AFTER)] })];

    await expectTrusted(verify({ lists }));
  });

  it('does not revoke with removeFromCRL', async () => {
    const lists = [await caList({ entries: [revoke(ALICE_SERIAL, 8)] })];

    await expectTrusted(verify({ lists, mode: 'require' }));
  });

  it('rejects a certificate on hold', async () => {
    const lists = [await caList({ entries: [revoke(ALICE_SERIAL, 6)] })];
    const error = await expectRevoked(verify({ lists }));

    expect(error.message).toContain('is on hold since 2030-01-01T00:00:00.000Z');
  });

  it('releases a hold that a newer list drops', async () => {
    const held = await caList({ entries: [revoke(ALICE_SERIAL, 6)] });
    const newer = await caList({ thisUpdate: new Date('2030-05-15T00:00:00Z') });

    await expectTrusted(verify({ lists: [held, newer] }));
  });

  it('keeps a revocation that a newer list drops', async () => {
    const revoked = await caList({ entries: [revoke(ALICE_SERIAL, 1)] });
    const newer = await caList({ thisUpdate: new Date('2030-05-15T00:00:00Z') });

    await expectRevoked(verify({ lists: [newer, revoked] }));
  });

  it('revokes with a stale list', async () => {
    const stale = await caList({
      nextUpdate: new Date('2030-05-02T00:00:00Z'),
      entries: [revoke(ALICE_SERIAL)],
    });

    await expectRevoked(verify({ lists: [stale] }));
  });
});

describe('lists that do not count', () => {
  it('ignores a list of another issuer', async () => {
    const foreign = await buildCrl(crypto, {
      issuerName: parseCertificate(otherCa.certificate).subjectName,
      signingKey: otherCa.privateKey,
      thisUpdate: BEFORE,
      nextUpdate: AFTER,
      entries: [revoke(ALICE_SERIAL, 1)],
    });
    const lists = [parseRevocationList(foreign)];

    await expectTrusted(verify({ lists }));
    await expectUnknown(verify({ lists, mode: 'require' }));
  });

  it('ignores a list signed by another key', async () => {
    const lists = [
      await caList({ signingKey: otherCa.privateKey, entries: [revoke(ALICE_SERIAL, 1)] }),
    ];

    await expectTrusted(verify({ lists }));
    const error = await expectUnknown(verify({ lists, mode: 'require' }));
    expect(error.message).toBe(
      'revocation status unknown: no current verified CRL for certificate ' +
        'O=mcptt-smime tests, CN=alice (serial 1001) from issuer O=mcptt-smime tests, CN=Test CA',
    );
  });

  it('ignores a list with a damaged signature', async () => {
    const der = await buildCrl(crypto, {
      issuerName: ca.subjectName,
      signingKey: caKey,
      thisUpdate: BEFORE,
      nextUpdate: AFTER,
      entries: [revoke(ALICE_SERIAL, 1)],
    });
    const damaged = der.slice();
    const at = damaged.length - 5;
    damaged[at] = (damaged[at] ?? 0) ^ 0x01;
    const lists = [parseRevocationList(damaged)];

    await expectTrusted(verify({ lists }));
    await expectUnknown(verify({ lists, mode: 'require' }));
  });

  it('ignores a list whose algorithm does not fit the key', async () => {
    const rsa = derAlgorithm('1.2.840.113549.1.1.11', DER_NULL);
    const tbs = encodeTbsCertList(
      {
        issuerName: ca.subjectName,
        signingKey: caKey,
        thisUpdate: BEFORE,
        nextUpdate: AFTER,
        entries: [revoke(ALICE_SERIAL)],
      },
      rsa,
    );
    const list = derSequence(tbs, rsa, derTlv(0x03, new Uint8Array(257)));
    const lists = [parseRevocationList(derEncode(list))];

    await expectTrusted(verify({ lists }));
    await expectUnknown(verify({ lists, mode: 'require' }));
  });

  it('ignores a list from the future', async () => {
    const lists = [
      await caList({
        thisUpdate: new Date('2030-06-02T00:00:00Z'),
        entries: [revoke(ALICE_SERIAL, 1)],
      }),
    ];

    await expectTrusted(verify({ lists }));
    await expectUnknown(verify({ lists, mode: 'require' }));
  });

  it('ignores a list whose AKI names another key', async () => {
    const otherKey = derExtension(
      OID_AUTHORITY_KEY_IDENTIFIER,
      derSequence(derTlv(0x80, new Uint8Array(20).fill(7))),
    );
    const lists = [await caList({ extensions: [otherKey], entries: [revoke(ALICE_SERIAL)] })];

    await expectTrusted(verify({ lists }));
    await expectUnknown(verify({ lists, mode: 'require' }));
  });

  it('uses a list whose AKI names the issuer key', async () => {
    const key = ca.subjectKeyIdentifier;
    expect(key).toBeDefined();
    const own = derExtension(OID_AUTHORITY_KEY_IDENTIFIER, derSequence(derTlv(0x80, key!)));
    const lists = [await caList({ extensions: [own], entries: [revoke(ALICE_SERIAL)] })];

    await expectRevoked(verify({ lists }));
  });

  it('ignores a CA-only list for a signer', async () => {
    const onlyCa = derExtension(
      OID_ISSUING_DISTRIBUTION_POINT,
      derSequence(Uint8Array.of(0x82, 0x01, 0xff)),
      true,
    );
    const lists = [await caList({ extensions: [onlyCa], entries: [revoke(ALICE_SERIAL)] })];

    await expectTrusted(verify({ lists }));
    await expectUnknown(verify({ lists, mode: 'require' }));
  });

  it('uses a user-only list for a signer', async () => {
    const onlyUser = derExtension(
      OID_ISSUING_DISTRIBUTION_POINT,
      derSequence(Uint8Array.of(0x81, 0x01, 0xff)),
      true,
    );
    const lists = [await caList({ extensions: [onlyUser], entries: [revoke(ALICE_SERIAL)] })];

    await expectRevoked(verify({ lists }));
  });

  it('ignores an unmatched distribution point list', async () => {
    const uri = derTlv(0x86, utf8Encode('http://crl.example.org/ca.crl'));
    const scoped = derExtension(
      OID_ISSUING_DISTRIBUTION_POINT,
      derSequence(derTlv(0xa0, derTlv(0xa0, uri))),
      true,
    );
    const lists = [await caList({ extensions: [scoped], entries: [revoke(ALICE_SERIAL)] })];

    await expectTrusted(verify({ lists }));
    await expectUnknown(verify({ lists, mode: 'require' }));
  });
});

describe('require mode', () => {
  it('accepts a current list', async () => {
    await expectTrusted(verify({ lists: [await caList()], mode: 'require' }));
  });

  it('rejects a stale list', async () => {
    const lists = [await caList({ nextUpdate: new Date('2030-05-31T23:59:59Z') })];

    await expectUnknown(verify({ lists, mode: 'require' }));
  });

  it('rejects a list without nextUpdate', async () => {
    const lists = [
      parseRevocationList(
        await buildCrl(crypto, {
          issuerName: ca.subjectName,
          signingKey: caKey,
          thisUpdate: BEFORE,
        }),
      ),
    ];

    await expectTrusted(verify({ lists }));
    await expectUnknown(verify({ lists, mode: 'require' }));
  });

  it('rejects without lists', async () => {
    await expectUnknown(verify({ mode: 'require' }));
  });

  it('rejects a signer without a path', async () => {
    const required = await expectUnknown(
      verify({ lists: [await caList()], mode: 'require', anchors: [] }),
    );
    const available = await expectUnknown(verify({ lists: [await caList()], anchors: [] }));

    expect(required.message).toContain('has no path to a trust anchor');
    expect(available.message).toContain('has no path to a trust anchor');
    expect((await verify({ anchors: [] })).chainTrusted).toBe(false);
  });

  it('does not check a trust anchor', async () => {
    const lists = [await caList({ entries: [revoke(ALICE_SERIAL)] })];

    await expectTrusted(verify({ lists, mode: 'require', anchors: [alice.certificate] }));
  });
});

describe('revocation along a path', () => {
  const viaIntermediate = (lists: readonly RevocationList[], mode?: RevocationMode) =>
    verify({
      signer: dave,
      chain: [intermediate.certificate],
      lists,
      ...(mode === undefined ? {} : { mode }),
    });

  it('rejects a revoked intermediate', async () => {
    const lists = [await caList({ entries: [revoke(0x3001, 2)] }), await intermediateList()];
    const error = await expectRevoked(viaIntermediate(lists));

    expect(error.message).toContain('CN=Test Intermediate (serial 3001)');
    expect(error.message).toContain('reason cACompromise');
  });

  it('rejects a signer revoked by its intermediate', async () => {
    const lists = [await caList(), await intermediateList({ entries: [revoke(0x3002, 1)] })];
    const error = await expectRevoked(viaIntermediate(lists));

    expect(error.message).toContain('CN=dave (serial 3002)');
  });

  it('accepts a path that current lists cover', async () => {
    await expectTrusted(viaIntermediate([await caList(), await intermediateList()], 'require'));
  });

  it('requires a list of every issuer', async () => {
    const error = await expectUnknown(viaIntermediate([await caList()], 'require'));

    expect(error.message).toContain('CN=dave (serial 3002)');
  });

  it('ignores a CA list for a signer of the intermediate', async () => {
    const lists = [await caList({ entries: [revoke(0x3002)] }), await intermediateList()];

    await expectTrusted(viaIntermediate(lists));
  });
});

describe('validated-chain cache', () => {
  it('rejects a signer revoked after it was validated', async () => {
    await expectTrusted(verify());
    await expectRevoked(verify({ lists: [await caList({ entries: [revoke(ALICE_SERIAL, 1)] })] }));
  });

  it('checks require mode on a cached path', async () => {
    await expectTrusted(verify({ lists: [await caList()], mode: 'require' }));
    await expectUnknown(verify({ mode: 'require' }));
  });

  it('rejects an intermediate revoked after caching', async () => {
    const lists = [await caList(), await intermediateList()];
    await expectTrusted(verify({ signer: dave, chain: [intermediate.certificate], lists }));
    const revoked = [await caList({ entries: [revoke(0x3001)] })];

    // The second message finds the cached path, and revocation is still checked on it.
    await expectRevoked(
      verify({ signer: dave, chain: [intermediate.certificate], lists: revoked }),
    );
  });

  it('keeps a replayed old path apart', async () => {
    // The CA re-issued an intermediate under the same key and revoked the old certificate.
    const root = { certificate: caDer, privateKey: caKey };
    const pair = await newKeyPair();
    const old = await issue('Reissued Intermediate', 0x3101, root, true, pair);
    const current = await issue('Reissued Intermediate', 0x3109, root, true, pair);
    const frank = await issue('frank', 0x3102, old, false);
    const lists = [await caList({ entries: [revoke(0x3101)] })];

    // A replay of frank's message with the old intermediate must not poison his later ones.
    await expectRevoked(verify({ signer: frank, chain: [old.certificate], lists }));
    await expectTrusted(verify({ signer: frank, chain: [current.certificate], lists }));
  });
});

describe('revocation options', () => {
  it('rejects a list not made by the parser', async () => {
    const forged = { ...(await caList()) };
    const error = await rejection(verify({ lists: [forged] }));

    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('options.revocationLists');
  });

  it('rejects an unknown mode', async () => {
    const error = await rejection(verify({ mode: 'strict' as RevocationMode }));

    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('options.revocation');
  });

  it('rejects an unknown mode before reading the input', async () => {
    const attempt = verifySignedData({
      crypto,
      der: new TextEncoder().encode('not DER'),
      trustAnchors: [caDer],
      now: FIXTURE_NOW,
      revocation: 'strict' as RevocationMode,
    });
    const error = await rejection(attempt);

    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('options.revocation');
  });
});

describe('the intermediates of a verified signature', () => {
  it('returns the certificates the signer carried', async () => {
    const result = await verify({ signer: dave, chain: [intermediate.certificate] });

    expect(result.intermediates).toEqual([intermediate.certificate]);
    expect(result.intermediates[0]).not.toBe(intermediate.certificate);
  });

  it('returns none for a signer without them', async () => {
    expect((await verify()).intermediates).toEqual([]);
  });
});
