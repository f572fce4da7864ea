import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CmsParseError,
  CredentialInvalidError,
  KeyNotFoundError,
  NotExportableError,
  NotSupportedError,
  pemDecode,
} from '@mcptt-smime/smime';

import { inCi } from '../../../tools/required-tool.js';
import type { IndexedDbKeyStore } from '../src/index.js';
import { pkcs12WithKeyBags } from './pkcs12-key-bags.js';
import { TestPki } from './pki.js';
import { exportRejections, openTestStore, testCrypto } from './store.js';

const URI = 'sip:alice@example.org';
const PASSWORD = 'correct horse battery staple';
const DAY_MS = 24 * 60 * 60 * 1000;

describe('credential import and export', () => {
  const pki = new TestPki();
  let alice = { key: '', cert: '' };
  let bob = { key: '', cert: '' };
  let caPem = '';

  beforeAll(() => {
    caPem = pki.createCa('ca');
    alice = pki.createIdentity('ca', 'alice', URI);
    bob = pki.createIdentity('ca', 'bob', 'sip:bob@example.org');
  });
  afterAll(() => pki.dispose());

  /** Opens a store that trusts the test CA, as an import requires by default. */
  async function openTrustingStore(): Promise<IndexedDbKeyStore> {
    const store = await openTestStore();
    await store.addTrustAnchor(caPem);
    return store;
  }

  it('imports an OpenSSL 3 PKCS#12 file', async () => {
    const store = await openTrustingStore();
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
    const store = await openTrustingStore();
    const file = pki.pkcs12('alice', '');

    expect((await store.importPkcs12(file, '')).uri).toBe(URI);
  });

  it('rejects a wrong PKCS#12 password', async () => {
    const store = await openTrustingStore();
    const file = pki.pkcs12('alice', PASSWORD);

    const failure = store.importPkcs12(file, 'wrong password');

    await expect(failure).rejects.toBeInstanceOf(CredentialInvalidError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
    expect(await store.listIdentities()).toEqual([]);
  });

  it('rejects a modified PKCS#12 file', async () => {
    const store = await openTrustingStore();
    const file = pki.pkcs12('alice', PASSWORD).slice();
    const offset = file.length - 40;
    file[offset] = (file[offset] ?? 0) ^ 0x01;

    const failure = store.importPkcs12(file, PASSWORD);

    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
  });

  it('rejects a PKCS#12 file without MAC and a wrong password', async () => {
    const store = await openTrustingStore();
    const file = pki.pkcs12('alice', PASSWORD, ['-nomac']);

    const failure = store.importPkcs12(file, 'wrong password');

    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
  });

  // A wrong password leaves valid CBC padding about once in 256 tries, so one file meets that case.
  it('rejects every wrong password of a file without MAC', async () => {
    const store = await openTrustingStore();
    const file = pki.pkcs12('alice', PASSWORD, ['-nomac']);
    const codes = new Set<unknown>();
    for (let attempt = 0; attempt < 1000; attempt++) {
      const error: unknown = await store
        .importPkcs12(file, `wrong ${attempt}`)
        .catch((rejection: unknown) => rejection);
      codes.add((error as { code?: unknown }).code);
    }

    expect([...codes]).toEqual(['ERR_CREDENTIAL_INVALID']);
  }, 60_000);

  it('rejects legacy 3DES PKCS#12', async () => {
    const store = await openTrustingStore();
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

  it('rejects legacy RC2 PKCS#12', async (context) => {
    const store = await openTrustingStore();
    let file: Uint8Array;
    try {
      file = pki.pkcs12('alice', PASSWORD, ['-legacy']);
    } catch (error) {
      // OpenSSL builds without the legacy provider cannot write RC2 at all. CI has the provider.
      if (inCi) throw error;
      context.skip('openssl cannot write RC2 without its legacy provider');
      return;
    }

    const failure = store.importPkcs12(file, PASSWORD);

    await expect(failure).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });

  it('rejects bytes that are not PKCS#12', async () => {
    const store = await openTrustingStore();
    const failure = store.importPkcs12(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x03]), PASSWORD);

    await expect(failure).rejects.toBeInstanceOf(CmsParseError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 });
  });

  it('rejects every truncation of a PKCS#12 file', async () => {
    const store = await openTrustingStore();
    const file = pki.pkcs12('alice', PASSWORD);

    for (let length = 0; length < file.length; length++) {
      const error: unknown = await store
        .importPkcs12(file.slice(0, length), PASSWORD)
        .catch((rejection: unknown) => rejection);
      expect(error, `${length} bytes`).toBeInstanceOf(CmsParseError);
      expect(error, `${length} bytes`).toMatchObject({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 });
    }
    expect(await store.listIdentities()).toEqual([]);
  });

  it('rejects bytes after a PKCS#12 file', async () => {
    const store = await openTrustingStore();
    const file = pki.pkcs12('alice', PASSWORD);
    const extended = new Uint8Array([...file, 0x00]);

    const failure = store.importPkcs12(extended, PASSWORD);

    await expect(failure).rejects.toMatchObject({
      code: 'ERR_CMS_MALFORMED',
      sipStatus: 400,
      message: 'PKCS#12 file has bytes after its end',
    });
    expect(await store.listIdentities()).toEqual([]);
  });

  it('imports a PEM key and certificate', async () => {
    const store = await openTrustingStore();
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
    const store = await openTrustingStore();
    const failure = store.importPem({
      privateKey: alice.key,
      certificate: pki.read('bob.cert.pem'),
    });

    await expect(failure).rejects.toBeInstanceOf(CredentialInvalidError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
  });

  it('rejects a URI the certificate lacks', async () => {
    const store = await openTrustingStore();
    const failure = store.importPem({
      privateKey: alice.key,
      certificate: alice.cert,
      uri: 'sip:mallory@example.org',
    });

    await expect(failure).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', sipStatus: 500 });
  });

  it('rejects an encrypted PEM key', async () => {
    const store = await openTrustingStore();
    const encrypted = pki
      .openssl(['pkcs8', '-topk8', '-in', 'alice.key.pem', '-passout', `pass:${PASSWORD}`])
      .toString();

    const failure = store.importPem({ privateKey: encrypted, certificate: alice.cert });

    await expect(failure).rejects.toBeInstanceOf(NotSupportedError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });

  it('refuses to back up a non-exportable identity', async () => {
    const store = await openTrustingStore();
    await store.importPem({ privateKey: alice.key, certificate: alice.cert });

    const failure = store.exportPkcs12(URI, PASSWORD);

    await expect(failure).rejects.toBeInstanceOf(NotExportableError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_NOT_EXPORTABLE', sipStatus: 500 });
  });

  it('refuses to back up an unknown identity', async () => {
    const store = await openTrustingStore();
    const failure = store.exportPkcs12(URI, PASSWORD);

    await expect(failure).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND', sipStatus: 500 });
  });

  it('writes a PBES2 backup that OpenSSL reads', async () => {
    const store = await openTrustingStore();
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

  it('rejects an empty backup password', async () => {
    const store = await openTrustingStore();
    await store.importPem({ privateKey: alice.key, certificate: alice.cert, exportable: true });

    const empty = store.exportPkcs12(URI, '');
    const missing = store.exportPkcs12(URI, undefined as unknown as string);
    const number = store.exportPkcs12(URI, 1234 as unknown as string);

    await expect(empty).rejects.toThrow(TypeError);
    await expect(empty).rejects.toThrow('password must be a non-empty string');
    await expect(missing).rejects.toThrow(TypeError);
    await expect(number).rejects.toThrow(TypeError);
  });

  it('rejects an import password that is not a string', async () => {
    const store = await openTrustingStore();
    const file = pki.pkcs12('alice', '');

    const missing = store.importPkcs12(file, undefined as unknown as string);
    const number = store.importPkcs12(file, 0 as unknown as string);

    await expect(missing).rejects.toThrow(TypeError);
    await expect(missing).rejects.toThrow('password must be a string');
    await expect(number).rejects.toThrow(TypeError);
    expect(await store.listIdentities()).toEqual([]);
  });

  it('imports its own backup', async () => {
    const source = await openTrustingStore();
    await source.importPem({ privateKey: alice.key, certificate: alice.cert, exportable: true });
    const backup = await source.exportPkcs12(URI, PASSWORD);

    const target = await openTrustingStore();
    const info = await target.importPkcs12(backup, PASSWORD);

    expect(info.uri).toBe(URI);
    expect(info.exportable).toBe(false);
  });

  it('rejects an import whose keyUsage forbids signing', async () => {
    const store = await openTestStore();
    pki.createSelfSigned('signless', [
      `subjectAltName=URI:${URI}`,
      'keyUsage=critical,keyAgreement',
    ]);

    const failure = store.importPem({
      privateKey: pki.read('signless.key.pem'),
      certificate: pki.read('signless.cert.pem'),
      requireTrustAnchor: false,
    });

    await expect(failure).rejects.toMatchObject({
      code: 'ERR_CREDENTIAL_INVALID',
      message: 'certificate keyUsage forbids signing',
    });
    expect(await store.listIdentities()).toEqual([]);
  });

  describe('iteration limits', () => {
    /** 8,388,607, the largest 3-byte INTEGER. */
    const HUGE = [0x7f, 0xff, 0xff] as const;

    /** Replaces the 3-byte INTEGER 70,000 with another 3-byte value at the given occurrences. */
    function setIterations(
      file: Uint8Array,
      value: readonly [number, number, number],
      occurrences: 'last' | 'all' = 'all',
    ): Uint8Array {
      const pattern = [0x02, 0x03, 0x01, 0x11, 0x70];
      const starts: number[] = [];
      for (let index = 0; index + pattern.length <= file.length; index++) {
        if (pattern.every((byte, offset) => file[index + offset] === byte)) starts.push(index);
      }
      const patched = file.slice();
      for (const start of occurrences === 'last' ? starts.slice(-1) : starts) {
        patched.set(value, start + 2);
      }
      return patched;
    }

    it('rejects a huge MAC iteration count', async () => {
      const store = await openTrustingStore();
      const file = setIterations(pki.pkcs12('alice', PASSWORD, ['-iter', '70000']), HUGE, 'last');

      const failure = store.importPkcs12(file, PASSWORD);

      await expect(failure).rejects.toMatchObject({
        code: 'ERR_NOT_SUPPORTED',
        sipStatus: 415,
        message:
          'PKCS#12 MAC iteration count 8388607 exceeds the limit of 1000000: re-export the file with OpenSSL 3 defaults',
      });
    });

    it('rejects a huge PBKDF2 iteration count', async () => {
      const store = await openTrustingStore();
      const plain = pki.pkcs12('alice', PASSWORD, ['-iter', '70000', '-nomac']);
      const file = setIterations(plain, HUGE);

      const failure = store.importPkcs12(file, PASSWORD);

      await expect(failure).rejects.toMatchObject({
        code: 'ERR_NOT_SUPPORTED',
        sipStatus: 415,
        message:
          'PKCS#12 PBKDF2 iteration counts add up to 8388607, over the limit of 5000000: re-export the file with OpenSSL 3 defaults',
      });
      expect(await store.listIdentities()).toEqual([]);
    });

    it('rejects a negative PBKDF2 iteration count', async () => {
      const store = await openTrustingStore();
      const plain = pki.pkcs12('alice', PASSWORD, ['-iter', '70000', '-nomac']);
      // -8,388,608, which would otherwise lower the sum that the limit checks.
      const file = setIterations(plain, [0x80, 0x00, 0x00]);

      const failure = store.importPkcs12(file, PASSWORD);

      await expect(failure).rejects.toBeInstanceOf(CmsParseError);
      await expect(failure).rejects.toMatchObject({
        code: 'ERR_CMS_MALFORMED',
        sipStatus: 400,
        message: 'PKCS#12 PBKDF2 iteration count -8388608 is below 1',
      });
      expect(await store.listIdentities()).toEqual([]);
    });

    it('rejects a PBKDF2 iteration sum over the limit', async () => {
      const store = await openTrustingStore();
      // 2,600,000 for the certificates' safe and again for the key bag: each under the limit.
      const options = ['-iter', '2600000', '-nomac', '-certpbe', 'AES-256-CBC'];
      const file = pki.pkcs12('alice', PASSWORD, options);

      const failure = store.importPkcs12(file, PASSWORD);

      await expect(failure).rejects.toMatchObject({
        code: 'ERR_NOT_SUPPORTED',
        sipStatus: 415,
        message:
          'PKCS#12 PBKDF2 iteration counts add up to 5200000, over the limit of 5000000: re-export the file with OpenSSL 3 defaults',
      });
      expect(await store.listIdentities()).toEqual([]);
    });
  });

  describe('key count', () => {
    it('rejects a file without a private key', async () => {
      const store = await openTrustingStore();
      const file = pki.pkcs12('alice', PASSWORD, ['-nokeys']);

      const failure = store.importPkcs12(file, PASSWORD);

      await expect(failure).rejects.toMatchObject({
        code: 'ERR_CREDENTIAL_INVALID',
        sipStatus: 500,
        message: 'PKCS#12 file contains 0 private keys, expected 1',
      });
      expect(await store.listIdentities()).toEqual([]);
    });

    it('rejects a second key bag before decrypting any key', async () => {
      const store = await openTrustingStore();
      // Under another password, the second key would fail as a wrong password if it were opened.
      const file = await pkcs12WithKeyBags(testCrypto, [
        { privateKey: pemDecode(alice.key, 'PRIVATE KEY')[0]!, password: PASSWORD },
        { privateKey: pemDecode(bob.key, 'PRIVATE KEY')[0]!, password: 'another password' },
      ]);

      const failure = store.importPkcs12(file, PASSWORD);

      await expect(failure).rejects.toMatchObject({
        code: 'ERR_CREDENTIAL_INVALID',
        sipStatus: 500,
        message: 'PKCS#12 file contains 2 private keys, expected 1',
      });
      expect(await store.listIdentities()).toEqual([]);
    });
  });

  describe('trust anchor check', () => {
    it('rejects a certificate from another CA', async () => {
      const store = await openTrustingStore();
      pki.createCa('other');
      const mallory = pki.createIdentity('other', 'mallory', URI);

      const failure = store.importPem({ privateKey: mallory.key, certificate: mallory.cert });

      await expect(failure).rejects.toBeInstanceOf(CredentialInvalidError);
      await expect(failure).rejects.toMatchObject({
        code: 'ERR_CREDENTIAL_INVALID',
        sipStatus: 500,
        message: 'certificate does not chain to a stored trust anchor',
      });
      expect(await store.listIdentities()).toEqual([]);
    });

    it('names a certificate that expired', async () => {
      const store = await openTestStore({ now: () => new Date(Date.now() + 400 * DAY_MS) });
      await store.addTrustAnchor(caPem);
      const notAfter = pki
        .openssl(['x509', '-in', 'alice.cert.pem', '-noout', '-enddate'])
        .toString()
        .trim()
        .replace('notAfter=', '');

      const failure = store.importPem({ privateKey: alice.key, certificate: alice.cert });

      await expect(failure).rejects.toMatchObject({
        code: 'ERR_CREDENTIAL_INVALID',
        message: `certificate expired on ${new Date(notAfter).toISOString()}`,
      });
      expect(await store.listIdentities()).toEqual([]);
    });

    it('rejects an import before any anchor', async () => {
      const store = await openTestStore();

      const failure = store.importPkcs12(pki.pkcs12('alice', PASSWORD), PASSWORD);

      await expect(failure).rejects.toMatchObject({
        code: 'ERR_CREDENTIAL_INVALID',
        sipStatus: 500,
        message: expect.stringContaining('no trust anchor is stored') as unknown,
      });
      expect(await store.listIdentities()).toEqual([]);
    });

    it('imports without anchors when not required', async () => {
      const store = await openTestStore();

      const info = await store.importPem({
        privateKey: alice.key,
        certificate: alice.cert,
        requireTrustAnchor: false,
      });

      expect(info.uri).toBe(URI);
      expect(await store.getTrustAnchors()).toEqual([]);
    });

    it('rejects an expired certificate', async () => {
      const later = new Date(Date.now() + 400 * 24 * 3600 * 1000);
      const store = await openTestStore({ now: () => later });
      await store.addTrustAnchor(caPem);

      const failure = store.importPem({ privateKey: alice.key, certificate: alice.cert });

      await expect(failure).rejects.toMatchObject({
        code: 'ERR_CREDENTIAL_INVALID',
        sipStatus: 500,
      });
      expect(await store.listIdentities()).toEqual([]);
    });

    it('follows an intermediate in the file', async () => {
      const subPem = pki.createIntermediateCa('ca', 'sub');
      const carol = pki.createIdentity('sub', 'carol', 'sip:carol@example.org');

      const withIntermediate = await openTrustingStore();
      const info = await withIntermediate.importPem({
        privateKey: carol.key,
        certificate: carol.cert,
        chain: subPem,
      });
      const withoutIntermediate = await openTrustingStore();
      const failure = withoutIntermediate.importPem({
        privateKey: carol.key,
        certificate: carol.cert,
      });

      expect(info.chain).toHaveLength(1);
      await expect(failure).rejects.toMatchObject({
        code: 'ERR_CREDENTIAL_INVALID',
        sipStatus: 500,
      });
    });

    describe('a chain with unrelated certificates', () => {
      /** Imports carol of an intermediate CA with a chain that also contains three unrelated CAs. */
      async function importWithJunk(requireTrustAnchor: boolean) {
        const subPem = pki.createIntermediateCa('ca', 'junk-sub');
        const carol = pki.createIdentity('junk-sub', 'carol', 'sip:carol@example.org');
        const unrelated = ['junk-1', 'junk-2', 'junk-3'].map((name) => pki.createCa(name));
        const store = requireTrustAnchor ? await openTrustingStore() : await openTestStore();
        const info = await store.importPem({
          privateKey: carol.key,
          certificate: carol.cert,
          chain: [unrelated[0], caPem, unrelated[1], subPem, unrelated[2]].join(''),
          requireTrustAnchor,
        });
        const der = (pem: string) => pemDecode(pem, 'CERTIFICATE')[0];
        return { info, path: [der(subPem), der(caPem)] };
      }

      it('keeps the path to the anchor', async () => {
        const { info, path } = await importWithJunk(true);

        expect(info.chain).toEqual(path);
      });

      it('keeps the linked certificates without an anchor', async () => {
        const { info, path } = await importWithJunk(false);

        expect(info.chain).toEqual(path);
      });
    });
  });
});
