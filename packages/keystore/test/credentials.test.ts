import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CmsParseError,
  CredentialInvalidError,
  KeyNotFoundError,
  NotExportableError,
  NotSupportedError,
} from '@mcptt-smime/smime';

import { TestPki } from './pki.js';
import { exportRejections, openTestStore } from './store.js';

const URI = 'sip:alice@example.org';
const PASSWORD = 'correct horse battery staple';

describe('credential import and export', () => {
  const pki = new TestPki();
  let alice = { key: '', cert: '' };
  let caPem = '';

  beforeAll(() => {
    caPem = pki.createCa('ca');
    alice = pki.createIdentity('ca', 'alice', URI);
    pki.createIdentity('ca', 'bob', 'sip:bob@example.org');
  });
  afterAll(() => pki.dispose());

  it('imports an OpenSSL 3 PKCS#12 file', async () => {
    const store = await openTestStore();
    const file = pki.pkcs12('alice', PASSWORD, ['-certfile', 'ca.cert.pem']);

    const info = await store.importPkcs12(file, PASSWORD);
    const identity = await store.getIdentity(URI);

    expect(info.uri).toBe(URI);
    expect(info.chain).toHaveLength(1);
    expect(identity?.chain[0]).toEqual(
      new Uint8Array(pki.openssl(['x509', '-in', 'ca.cert.pem', '-outform', 'DER'])),
    );
    expect(await exportRejections([identity!.signingKey, identity!.decryptionKey])).toEqual([
      true,
      true,
    ]);
  });

  it('imports a PKCS#12 file with an empty password', async () => {
    const store = await openTestStore();
    const file = pki.pkcs12('alice', '');

    expect((await store.importPkcs12(file, '')).uri).toBe(URI);
  });

  it('rejects a wrong PKCS#12 password', async () => {
    const store = await openTestStore();
    const file = pki.pkcs12('alice', PASSWORD);

    const failure = store.importPkcs12(file, 'wrong password');

    await expect(failure).rejects.toBeInstanceOf(CredentialInvalidError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
    expect(await store.listIdentities()).toEqual([]);
  });

  it('rejects a modified PKCS#12 file', async () => {
    const store = await openTestStore();
    const file = pki.pkcs12('alice', PASSWORD).slice();
    const offset = file.length - 40;
    file[offset] = (file[offset] ?? 0) ^ 0x01;

    const failure = store.importPkcs12(file, PASSWORD);

    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
  });

  it('rejects a PKCS#12 file without MAC and a wrong password', async () => {
    const store = await openTestStore();
    const file = pki.pkcs12('alice', PASSWORD, ['-nomac']);

    const failure = store.importPkcs12(file, 'wrong password');

    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
  });

  it('rejects legacy 3DES PKCS#12', async () => {
    const store = await openTestStore();
    const file = pki.pkcs12('alice', PASSWORD, [
      '-keypbe',
      'PBE-SHA1-3DES',
      '-certpbe',
      'PBE-SHA1-3DES',
      '-macalg',
      'sha1',
    ]);

    const failure = store.importPkcs12(file, PASSWORD);

    await expect(failure).rejects.toBeInstanceOf(NotSupportedError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });

  it('rejects legacy RC2 PKCS#12', async () => {
    const store = await openTestStore();
    let file: Uint8Array;
    try {
      file = pki.pkcs12('alice', PASSWORD, ['-legacy']);
    } catch {
      // OpenSSL builds without the legacy provider cannot write RC2 at all.
      return;
    }

    const failure = store.importPkcs12(file, PASSWORD);

    await expect(failure).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });

  it('rejects bytes that are not PKCS#12', async () => {
    const store = await openTestStore();
    const failure = store.importPkcs12(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x03]), PASSWORD);

    await expect(failure).rejects.toBeInstanceOf(CmsParseError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 });
  });

  it('imports a PEM key and certificate', async () => {
    const store = await openTestStore();
    const info = await store.importPem({
      privateKey: alice.key,
      certificate: alice.cert,
      chain: caPem,
    });

    expect(info.uri).toBe(URI);
    expect(info.exportable).toBe(false);
    expect((await store.getIdentity(URI))?.signingKey.extractable).toBe(false);
  });

  it('rejects a PEM key for another certificate', async () => {
    const store = await openTestStore();
    const failure = store.importPem({
      privateKey: alice.key,
      certificate: pki.read('bob.cert.pem'),
    });

    await expect(failure).rejects.toBeInstanceOf(CredentialInvalidError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
  });

  it('rejects a URI the certificate lacks', async () => {
    const store = await openTestStore();
    const failure = store.importPem({
      privateKey: alice.key,
      certificate: alice.cert,
      uri: 'sip:mallory@example.org',
    });

    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
  });

  it('rejects an encrypted PEM key', async () => {
    const store = await openTestStore();
    const encrypted = pki
      .openssl(['pkcs8', '-topk8', '-in', 'alice.key.pem', '-passout', `pass:${PASSWORD}`])
      .toString();

    const failure = store.importPem({ privateKey: encrypted, certificate: alice.cert });

    await expect(failure).rejects.toBeInstanceOf(NotSupportedError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });

  it('refuses to back up a non-exportable identity', async () => {
    const store = await openTestStore();
    await store.importPem({ privateKey: alice.key, certificate: alice.cert });

    const failure = store.exportPkcs12(URI, PASSWORD);

    await expect(failure).rejects.toBeInstanceOf(NotExportableError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_NOT_EXPORTABLE', sipStatus: 500 });
  });

  it('refuses to back up an unknown identity', async () => {
    const store = await openTestStore();
    const failure = store.exportPkcs12(URI, PASSWORD);

    await expect(failure).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND', sipStatus: 500 });
  });

  it('writes a PBES2 backup that OpenSSL reads', async () => {
    const store = await openTestStore();
    const info = await store.importPem({
      privateKey: alice.key,
      certificate: alice.cert,
      chain: caPem,
      exportable: true,
    });
    const identity = await store.getIdentity(URI);

    const backup = await store.exportPkcs12(URI, PASSWORD);
    pki.write('backup.p12', backup);
    const report = pki.opensslReport([
      'pkcs12',
      '-in',
      'backup.p12',
      '-info',
      '-noout',
      '-passin',
      `pass:${PASSWORD}`,
    ]);
    const exported = pki
      .openssl(['pkcs12', '-in', 'backup.p12', '-nodes', '-nocerts', '-passin', `pass:${PASSWORD}`])
      .toString();
    const original = pki.openssl(['pkey', '-in', 'alice.key.pem', '-pubout']).toString();
    const roundTrip = pki.openssl(['pkey', '-pubout'], exported).toString();

    expect(info.exportable).toBe(true);
    expect(identity?.signingKey.extractable).toBe(false);
    expect(identity?.decryptionKey.extractable).toBe(false);
    expect(roundTrip).toBe(original);
    expect(report).toMatch(/PBES2, PBKDF2, AES-256-CBC/);
    expect(report).toMatch(/MAC: sha256/);
  });

  it('imports its own backup', async () => {
    const source = await openTestStore();
    await source.importPem({ privateKey: alice.key, certificate: alice.cert, exportable: true });
    const backup = await source.exportPkcs12(URI, PASSWORD);

    const target = await openTestStore();
    const info = await target.importPkcs12(backup, PASSWORD);

    expect(info.uri).toBe(URI);
    expect(info.exportable).toBe(false);
  });
});
