import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialInvalidError, KeyNotFoundError, pemDecode } from '@mcptt-smime/smime';

import { TestPki, notBeforeOf } from './pki.js';
import { exportRejections, openTestStore, testCrypto } from './store.js';

const URI = 'sip:alice@example.org';
const DAY_MS = 24 * 60 * 60 * 1000;

describe('enrolment', () => {
  const pki = new TestPki();
  let caPem = '';
  let now = new Date();

  beforeAll(() => {
    caPem = pki.createCa('ca');
    pki.createCa('other-ca');
    now = new Date(notBeforeOf(pki, 'ca.cert.pem').getTime() + 60 * 60 * 1000);
  });
  afterAll(() => pki.dispose());

  it('builds a request that OpenSSL verifies', async () => {
    const store = await openTestStore({ now: () => now });
    const request = await store.createCertificateRequest({ uri: URI });
    pki.write('verify.csr.pem', request.pem);

    const text = pki
      .openssl(['req', '-in', 'verify.csr.pem', '-verify', '-noout', '-text'])
      .toString();
    expect(text).toContain('URI:sip:alice@example.org');
    expect(text).toContain('ecdsa-with-SHA256');
    expect(text).toContain('Digital Signature, Key Agreement');
    expect(request.uri).toBe(URI);
  });

  it('stores the issued certificate with non-extractable keys', async () => {
    const store = await openTestStore({ now: () => now });
    await store.addTrustAnchor(caPem);
    const request = await store.createCertificateRequest({ uri: URI });
    const certificate = pki.issue('ca', request.pem, 'alice-enrolled');

    const info = await store.completeEnrolment({ uri: URI, certificate });
    const identity = await store.getIdentity(URI);

    expect(info.uri).toBe(URI);
    expect(info.exportable).toBe(false);
    expect(identity?.signingKey.extractable).toBe(false);
    expect(identity?.decryptionKey.extractable).toBe(false);
    expect(identity?.decryptionKey.algorithm.name).toBe('ECDH');
    const keys = identity === undefined ? [] : [identity.signingKey, identity.decryptionKey];
    expect(await exportRejections(keys)).toEqual([true, true]);
    expect(await store.getPendingRequest(URI)).toBeUndefined();
  });

  it('keeps the pending keys across a reopen', async () => {
    const factory = new IDBFactory();
    const first = await openTestStore({ indexedDB: factory, now: () => now });
    await first.addTrustAnchor(caPem);
    const request = await first.createCertificateRequest({ uri: URI });
    await first.close();

    const second = await openTestStore({ indexedDB: factory, now: () => now });
    const pending = await second.getPendingRequest(URI);
    expect(pending?.pem).toBe(request.pem);
    const certificate = pki.issue('ca', request.pem, 'alice-reopened');
    await second.completeEnrolment({ uri: URI, certificate });

    const identity = await second.getIdentity(URI);
    const signature = await testCrypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      identity!.signingKey,
      new Uint8Array([1, 2, 3]),
    );
    expect(signature.byteLength).toBe(64);
  });

  it('rejects a certificate for another key', async () => {
    const store = await openTestStore({ now: () => now });
    await store.addTrustAnchor(caPem);
    await store.createCertificateRequest({ uri: URI });
    const other = pki.createIdentity('ca', 'alice-other-key', URI);

    const failure = store.completeEnrolment({ uri: URI, certificate: other.cert });

    await expect(failure).rejects.toBeInstanceOf(CredentialInvalidError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
    expect(await store.getIdentity(URI)).toBeUndefined();
    expect(await store.getPendingRequest(URI)).toBeDefined();
  });

  it('rejects a certificate from an untrusted CA', async () => {
    const store = await openTestStore({ now: () => now });
    await store.addTrustAnchor(caPem);
    const request = await store.createCertificateRequest({ uri: URI });
    const certificate = pki.issue('other-ca', request.pem, 'alice-untrusted');

    const failure = store.completeEnrolment({ uri: URI, certificate });

    await expect(failure).rejects.toBeInstanceOf(CredentialInvalidError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
  });

  it('names a certificate that is not valid yet', async () => {
    let clock = now;
    const store = await openTestStore({ now: () => clock });
    await store.addTrustAnchor(caPem);
    const request = await store.createCertificateRequest({ uri: URI });
    const certificate = pki.issue('ca', request.pem, 'alice-early');
    const notBefore = notBeforeOf(pki, 'alice-early.cert.pem');
    clock = new Date(notBefore.getTime() - 60 * 60 * 1000);

    const failure = store.completeEnrolment({ uri: URI, certificate });

    await expect(failure).rejects.toMatchObject({
      code: 'ERR_CREDENTIAL_INVALID',
      message: `issued certificate is not valid until ${notBefore.toISOString()}: check the clock of this device`,
    });
    expect(await store.getPendingRequest(URI)).toBeDefined();
  });

  it('names a certificate that expired', async () => {
    let clock = now;
    const store = await openTestStore({ now: () => clock });
    await store.addTrustAnchor(caPem);
    const request = await store.createCertificateRequest({ uri: URI });
    const certificate = pki.issue('ca', request.pem, 'alice-expired', 1);
    const notAfter = new Date(notBeforeOf(pki, 'alice-expired.cert.pem').getTime() + DAY_MS);
    clock = new Date(notAfter.getTime() + DAY_MS);

    const failure = store.completeEnrolment({ uri: URI, certificate });

    await expect(failure).rejects.toMatchObject({
      code: 'ERR_CREDENTIAL_INVALID',
      message: `issued certificate expired on ${notAfter.toISOString()}`,
    });
  });

  it.each([
    ['keyCertSign', 'keyUsage=critical,keyCertSign', 'keyUsage forbids signing'],
    ['digitalSignature', 'keyUsage=critical,digitalSignature', 'keyUsage forbids keyAgreement'],
    ['serverAuth', 'extendedKeyUsage=serverAuth', 'extKeyUsage lacks emailProtection'],
  ])('rejects a certificate only for %s', async (name, extension, reason) => {
    const store = await openTestStore({ now: () => now });
    await store.addTrustAnchor(caPem);
    const request = await store.createCertificateRequest({ uri: URI });
    pki.write(`${name}.csr.pem`, request.pem);
    pki.write(`${name}.ext`, `subjectAltName=URI:${URI}\n${extension}\n`);
    pki.openssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr.pem`,
      '-CA',
      'ca.cert.pem',
      '-CAkey',
      'ca.key.pem',
      '-days',
      '30',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.cert.pem`,
    ]);

    const certificate = pki.read(`${name}.cert.pem`);
    const failure = store.completeEnrolment({ uri: URI, certificate });

    await expect(failure).rejects.toMatchObject({
      code: 'ERR_CREDENTIAL_INVALID',
      message: `issued certificate ${reason}`,
    });
    expect(await store.listIdentities()).toEqual([]);
    expect(await store.getPendingRequest(URI)).toBeDefined();
  });

  it('rejects a certificate while no anchor is stored', async () => {
    const store = await openTestStore({ now: () => now });
    const request = await store.createCertificateRequest({ uri: URI });
    const certificate = pki.issue('ca', request.pem, 'alice-no-anchor');

    const failure = store.completeEnrolment({ uri: URI, certificate });

    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
  });

  it('rejects a certificate for another URI', async () => {
    const store = await openTestStore({ now: () => now });
    await store.addTrustAnchor(caPem);
    const request = await store.createCertificateRequest({ uri: URI });
    const certificate = pki.issue('ca', request.pem, 'alice-enrolled-bob');

    await store.createCertificateRequest({ uri: 'sip:bob@example.org' });
    const failure = store.completeEnrolment({ uri: 'sip:bob@example.org', certificate });

    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
  });

  it('rejects completion without a pending request', async () => {
    const store = await openTestStore({ now: () => now });
    const failure = store.completeEnrolment({ uri: URI, certificate: caPem });

    await expect(failure).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND', sipStatus: 500 });
  });

  it('drops the pending keys on cancel', async () => {
    const store = await openTestStore({ now: () => now });
    await store.createCertificateRequest({ uri: URI });
    await store.cancelEnrolment(URI);

    expect(await store.getPendingRequest(URI)).toBeUndefined();
  });

  it('keeps several identities side by side', async () => {
    const store = await openTestStore({ now: () => now });
    await store.addTrustAnchor(caPem);
    for (const uri of ['sip:alice@example.org', 'sip:dispatcher@example.org']) {
      const request = await store.createCertificateRequest({ uri });
      await store.completeEnrolment({
        uri,
        certificate: pki.issue('ca', request.pem, uri.slice(4, 9)),
      });
    }

    const uris = (await store.listIdentities()).map((info) => info.uri).sort();
    expect(uris).toEqual(['sip:alice@example.org', 'sip:dispatcher@example.org']);
    expect(await store.getIdentity('sip:Dispatcher@EXAMPLE.org')).toBeUndefined();
    expect((await store.getIdentity('sip:dispatcher@EXAMPLE.org;transport=ws'))?.uri).toBe(
      'sip:dispatcher@example.org',
    );
  });

  it('stores only the chain certificates on the path', async () => {
    const store = await openTestStore({ now: () => now });
    await store.addTrustAnchor(caPem);
    const subPem = pki.createIntermediateCa('ca', 'enrol-sub');
    const unrelated = ['junk-1', 'junk-2', 'junk-3'].map((name) => pki.createCa(name));
    const request = await store.createCertificateRequest({ uri: URI });
    const certificate = pki.issue('enrol-sub', request.pem, 'alice-sub');

    const info = await store.completeEnrolment({
      uri: URI,
      certificate,
      chain: [...unrelated, caPem, subPem],
    });

    const der = (pem: string) => pemDecode(pem, 'CERTIFICATE')[0];
    expect(info.chain).toEqual([der(subPem), der(caPem)]);
    expect((await store.getIdentity(URI))?.chain).toEqual([der(subPem), der(caPem)]);
  });
});
