/**
 * Input checks of the trust anchor and peer keyring methods: PEM bundles, certificates that are
 * not CA certificates, fingerprint spellings, and peer certificates for another address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityMismatchError } from '@mcptt-smime/smime';

import { TestPki } from './pki.js';
import { openTestStore } from './store.js';

describe('trust anchor checks', () => {
  const pki = new TestPki();
  let caPem = '';
  let otherCaPem = '';
  let fingerprint = '';
  let otherFingerprint = '';
  let carol = { key: '', cert: '' };

  const selfSigned = (name: string, extensions: readonly string[]): string =>
    pki.createSelfSigned(name, extensions, 365);

  function sha256(file: string): string {
    const output = pki.openssl(['x509', '-in', file, '-noout', '-fingerprint', '-sha256']);
    return output.toString().trim().split('=')[1]?.replaceAll(':', '').toLowerCase() ?? '';
  }

  beforeAll(() => {
    caPem = pki.createCa('ca');
    otherCaPem = pki.createCa('other-ca');
    fingerprint = sha256('ca.cert.pem');
    otherFingerprint = sha256('other-ca.cert.pem');
    pki.createIdentity('ca', 'alice', 'sip:alice@example.org');
    carol = pki.createIdentity('other-ca', 'carol', 'sip:carol@example.org');
  });
  afterAll(() => pki.dispose());

  it('stores every anchor of a bundle', async () => {
    const store = await openTestStore();

    const first = await store.addTrustAnchor(caPem + otherCaPem);

    expect(first).toBe(fingerprint);
    expect(await store.getTrustAnchors()).toHaveLength(2);
    const info = await store.importPem({ privateKey: carol.key, certificate: carol.cert });
    expect(info.uri).toBe('sip:carol@example.org');
    expect(await store.removeTrustAnchor(otherFingerprint)).toBe(true);
  });

  it('rejects an end-entity anchor', async () => {
    const store = await openTestStore();

    const failure = store.addTrustAnchor(pki.read('alice.cert.pem'));

    await expect(failure).rejects.toThrow(TypeError);
    await expect(failure).rejects.toThrow('trust anchor is not a CA certificate');
    expect(await store.getTrustAnchors()).toEqual([]);
  });

  it.each([
    ['CA:FALSE', ['basicConstraints=critical,CA:FALSE']],
    ['no basicConstraints', ['keyUsage=critical,digitalSignature']],
    ['no keyCertSign', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,cRLSign']],
  ])('rejects a self-signed anchor with %s', async (name, extensions) => {
    const store = await openTestStore();
    const pem = selfSigned(name.replaceAll(/\W/g, '-'), extensions);

    await expect(store.addTrustAnchor(pem)).rejects.toThrow(TypeError);
    expect(await store.getTrustAnchors()).toEqual([]);
  });

  it('rejects a version 1 root', async () => {
    const store = await openTestStore();
    pki.openssl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'v1.key.pem',
      '-out',
      'v1.csr.pem',
      '-subj',
      '/CN=v1',
    ]);
    pki.openssl(['x509', '-req', '-in', 'v1.csr.pem', '-signkey', 'v1.key.pem', '-out', 'v1.pem']);
    expect(pki.openssl(['x509', '-in', 'v1.pem', '-noout', '-text']).toString()).toContain(
      'Version: 1 (0x0)',
    );

    const failure = store.addTrustAnchor(pki.read('v1.pem'));

    await expect(failure).rejects.toThrow(TypeError);
    await expect(failure).rejects.toThrow('basicConstraints does not mark it as a CA');
  });

  it('stores nothing of a bundle with a leaf', async () => {
    const store = await openTestStore();

    const failure = store.addTrustAnchor(caPem + pki.read('alice.cert.pem'));

    await expect(failure).rejects.toThrow(TypeError);
    await expect(failure).rejects.toThrow('trust anchor 2 of 2 is not a CA certificate');
    expect(await store.getTrustAnchors()).toEqual([]);
  });

  it('rejects an anchor that is neither bytes nor text', async () => {
    const store = await openTestStore();

    await expect(store.addTrustAnchor(undefined as unknown as string)).rejects.toThrow(TypeError);
  });

  it.each([
    ['upper case', (hex: string) => hex.toUpperCase()],
    ['colons', (hex: string) => hex.match(/../g)?.join(':') ?? ''],
    ['spaces', (hex: string) => hex.match(/../g)?.join(' ') ?? ''],
    ['upper case with colons', (hex: string) => hex.toUpperCase().match(/../g)?.join(':') ?? ''],
  ])('removes an anchor named with %s', async (_name, spell) => {
    const store = await openTestStore();
    await store.addTrustAnchor(caPem);

    expect(await store.removeTrustAnchor(spell(fingerprint))).toBe(true);
    expect(await store.getTrustAnchors()).toEqual([]);
  });

  it('reports removing an unknown anchor', async () => {
    const store = await openTestStore();
    await store.addTrustAnchor(caPem);

    expect(await store.removeTrustAnchor(otherFingerprint)).toBe(false);
    expect(await store.getTrustAnchors()).toHaveLength(1);
  });

  it.each(['', 'ca', '0'.repeat(63), '0'.repeat(65), `${'0'.repeat(63)}g`, 'sha256:00'])(
    'rejects fingerprint %j',
    async (value) => {
      const store = await openTestStore();
      await store.addTrustAnchor(caPem);

      await expect(store.removeTrustAnchor(value)).rejects.toThrow(TypeError);
      expect(await store.getTrustAnchors()).toHaveLength(1);
    },
  );
});

describe('peer certificate address check', () => {
  const pki = new TestPki();
  let bob = new Uint8Array();

  beforeAll(() => {
    pki.createCa('ca');
    pki.createIdentity('ca', 'bob', 'sip:bob@example.org');
    bob = new Uint8Array(pki.openssl(['x509', '-in', 'bob.cert.pem', '-outform', 'DER']));
  });
  afterAll(() => pki.dispose());

  it('rejects a certificate for another address', async () => {
    const store = await openTestStore();

    const failure = store.setPeerCertificate('sip:alice@example.org', bob);

    await expect(failure).rejects.toBeInstanceOf(IdentityMismatchError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_IDENTITY_MISMATCH', sipStatus: 403 });
    expect(await store.getPeerCertificate('sip:alice@example.org')).toBeUndefined();
  });

  it('rejects accepting a certificate for another address', async () => {
    const store = await openTestStore();
    await store.setPeerCertificate('sip:bob@example.org', bob);

    const failure = store.acceptChangedCertificate('sip:carol@example.org', bob);

    await expect(failure).rejects.toBeInstanceOf(IdentityMismatchError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_IDENTITY_MISMATCH', sipStatus: 403 });
    expect(await store.getPeerCertificate('sip:carol@example.org')).toBeUndefined();
  });

  it('matches the address as the keyring does', async () => {
    const store = await openTestStore();

    await store.setPeerCertificate('SIP:bob@EXAMPLE.org;transport=ws', bob);

    expect(await store.getPeerCertificate('sip:bob@example.org')).toEqual(bob);
    await expect(store.setPeerCertificate('sip:Bob@example.org', bob)).rejects.toBeInstanceOf(
      IdentityMismatchError,
    );
    await expect(store.setPeerCertificate('sips:bob@example.org', bob)).rejects.toBeInstanceOf(
      IdentityMismatchError,
    );
  });

  it('rejects a PEM text as the certificate', async () => {
    const store = await openTestStore();

    const failure = store.setPeerCertificate(
      'sip:bob@example.org',
      pki.read('bob.cert.pem') as unknown as Uint8Array,
    );

    await expect(failure).rejects.toThrow(TypeError);
  });
});
