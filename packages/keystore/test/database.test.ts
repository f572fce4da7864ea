import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StorageError } from '@mcptt-smime/smime';

import { SCHEMA_VERSION } from '../src/index.js';
import { createVersion1Stores } from '../src/schema.js';
import { toStorageError } from '../src/storage-error.js';
import { TestPki } from './pki.js';
import { exportRejections, openTestStore, testCrypto } from './store.js';

const NAME = 'mcptt-smime-keystore';

/** Opens a raw connection with the global factory swapped for `factory`, as idb's openDB needs. */
async function openRaw(
  factory: IDBFactory,
  version: number,
  upgrade?: Parameters<typeof openDB>[2],
) {
  vi.stubGlobal('indexedDB', factory);
  try {
    return await openDB(NAME, version, upgrade);
  } finally {
    vi.unstubAllGlobals();
  }
}

describe('database schema and connections', () => {
  const pki = new TestPki();
  let aliceCertificate = new Uint8Array();
  let caCertificate = new Uint8Array();
  let bobCertificate = new Uint8Array();
  let renewedAlice = new Uint8Array();

  beforeAll(() => {
    pki.createCa('ca');
    pki.createIdentity('ca', 'alice', 'sip:alice@example.org');
    pki.createIdentity('ca', 'bob', 'sip:bob@example.org');
    const der = (file: string) =>
      new Uint8Array(pki.openssl(['x509', '-in', file, '-outform', 'DER']));
    aliceCertificate = der('alice.cert.pem');
    caCertificate = der('ca.cert.pem');
    bobCertificate = der('bob.cert.pem');
    pki.createIdentity('ca', 'alice-renewed', 'sip:alice@example.org', 730);
    renewedAlice = der('alice-renewed.cert.pem');
  });

  /** Returns a version 1 identity's key pair fields and a chain of the CA. */
  async function identityKeys() {
    const signing = await testCrypto.subtle.generateKey(
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    const agreement = await testCrypto.subtle.generateKey(
      { name: 'ECDH', namedCurve: 'P-256' },
      false,
      ['deriveBits'],
    );
    return {
      signingKey: signing.privateKey,
      decryptionKey: agreement.privateKey,
      chain: [caCertificate],
    };
  }
  afterAll(() => pki.dispose());

  it('migrates a version 1 database', async () => {
    const factory = new IDBFactory();
    const keys = await testCrypto.subtle.generateKey(
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    const ecdh = await testCrypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, [
      'deriveBits',
    ]);
    const v1 = await openRaw(factory, 1, { upgrade: (db) => createVersion1Stores(db) });
    await v1.put('keys', {
      uri: 'SIP:alice@Example.org',
      signingKey: keys.privateKey,
      decryptionKey: ecdh.privateKey,
      certificate: aliceCertificate,
      chain: [caCertificate],
    });
    await v1.put('certificates', caCertificate, 'anchor:00ff');
    await v1.put('certificates', bobCertificate, 'peer:sip:bob@example.org');
    v1.close();

    const store = await openTestStore({ indexedDB: factory, now: () => new Date(0) });
    const identity = await store.getIdentity('sip:alice@example.org');
    const [info] = await store.listIdentities();

    expect(SCHEMA_VERSION).toBe(3);
    expect(identity?.uri).toBe('sip:alice@example.org');
    expect(identity?.chain).toEqual([caCertificate]);
    expect(identity?.decryptionKey.algorithm.name).toBe('ECDH');
    expect(await exportRejections([identity!.signingKey, identity!.decryptionKey])).toEqual([
      true,
      true,
    ]);
    expect(info?.notAfter.getTime()).toBeGreaterThan(Date.now());
    expect(await store.getTrustAnchors()).toEqual([caCertificate]);
    expect(await store.getPeerCertificate('sip:bob@example.org')).toEqual(bobCertificate);
    await store.close();

    const raw = await openRaw(factory, 3);
    expect([...raw.objectStoreNames].sort()).toEqual([
      'identities',
      'peers',
      'pendingIdentities',
      'replayRecords',
      'trustAnchors',
    ]);
    raw.close();
  });

  it('migrates past a version 1 record with a numeric URI', async () => {
    const factory = new IDBFactory();
    const v1 = await openRaw(factory, 1, { upgrade: (db) => createVersion1Stores(db) });
    await v1.put('keys', { uri: 42, ...(await identityKeys()), certificate: aliceCertificate });
    await v1.put('keys', {
      uri: 'sip:alice@example.org',
      ...(await identityKeys()),
      certificate: aliceCertificate,
    });
    v1.close();

    const store = await openTestStore({ indexedDB: factory, now: () => new Date(0) });

    expect((await store.listIdentities()).map((info) => info.uri)).toEqual([
      'sip:alice@example.org',
    ]);
    await store.close();
    const raw = await openRaw(factory, 3);
    expect(await raw.getAllKeys('identities')).toEqual([42, 'sip:alice@example.org']);
    raw.close();
  });

  it('keeps the latest of two spellings of one identity', async () => {
    const factory = new IDBFactory();
    const older = await identityKeys();
    const newer = await identityKeys();
    // The keys come back as structured clones, so the certificate identifies the record kept.
    const v1 = await openRaw(factory, 1, { upgrade: (db) => createVersion1Stores(db) });
    // The record with the later certificate comes first, so that the order cannot decide.
    await v1.put('keys', { uri: 'sip:alice@Example.org', ...newer, certificate: renewedAlice });
    await v1.put('keys', { uri: 'sip:alice@example.org', ...older, certificate: aliceCertificate });
    v1.close();

    const store = await openTestStore({ indexedDB: factory, now: () => new Date(0) });
    const identity = await store.getIdentity('sip:alice@example.org');
    const listed = await store.listIdentities();
    await store.close();

    expect(listed).toHaveLength(1);
    expect(identity?.certificate).toEqual(renewedAlice);
  });

  it('creates version 3 on an empty factory', async () => {
    const factory = new IDBFactory();
    const store = await openTestStore({ indexedDB: factory });
    await store.close();

    const raw = await openRaw(factory, 3);
    expect(raw.version).toBe(3);
    expect(raw.objectStoreNames.contains('keys')).toBe(false);
    expect(raw.objectStoreNames.contains('replayRecords')).toBe(true);
    raw.close();
  });

  it('upgrades version 2 and keeps its records', async () => {
    const factory = new IDBFactory();
    const oldTab = await openRaw(factory, 2, {
      upgrade: (db) => {
        db.createObjectStore('identities', { keyPath: 'uri' });
        db.createObjectStore('pendingIdentities', { keyPath: 'uri' });
        db.createObjectStore('trustAnchors', { keyPath: 'fingerprint' });
        db.createObjectStore('peers', { keyPath: 'addressOfRecord' });
      },
    });
    await oldTab.put('peers', {
      addressOfRecord: 'sip:bob@example.org',
      certificate: bobCertificate,
      notAfter: new Date('2030-01-01T00:00:00Z'),
      storedAt: new Date('2026-01-01T00:00:00Z'),
    });
    oldTab.close();

    const store = await openTestStore({ indexedDB: factory });

    expect(await store.getPeerCertificate('sip:bob@example.org')).toEqual(bobCertificate);
    expect(await store.replayStore().load()).toEqual([]);
  });

  it('reports an upgrade blocked by an old tab', async () => {
    const factory = new IDBFactory();
    // An old tab at version 1 that ignores versionchange, as code before version 2 might.
    const oldTab = await openRaw(factory, 1, { upgrade: (db) => createVersion1Stores(db) });

    const failure = openTestStore({ indexedDB: factory });

    await expect(failure).rejects.toBeInstanceOf(StorageError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_STORAGE_BLOCKED', sipStatus: 500 });
    oldTab.close();
  });

  it('closes on a newer version in another tab', async () => {
    const factory = new IDBFactory();
    const onVersionChange = vi.fn();
    const store = await openTestStore({ indexedDB: factory, onVersionChange });

    const newTab = await openRaw(factory, 4);

    expect(onVersionChange).toHaveBeenCalledOnce();
    expect(newTab.version).toBe(4);
    const failure = store.listIdentities();
    await expect(failure).rejects.toBeInstanceOf(StorageError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_STORAGE_FAILED', sipStatus: 500 });
    newTab.close();
  });

  it('reopens after the connection closed', async () => {
    const store = await openTestStore();
    await store.setPeerCertificate('sip:bob@example.org', bobCertificate);
    await store.close();

    expect(await store.getPeerCertificate('sip:bob@example.org')).toEqual(bobCertificate);
  });

  it('wipes every store', async () => {
    const factory = new IDBFactory();
    const store = await openTestStore({ indexedDB: factory });
    await store.addTrustAnchor(caCertificate);
    await store.setPeerCertificate('sip:bob@example.org', bobCertificate);
    await store.importPem({
      privateKey: pki.read('alice.key.pem'),
      certificate: pki.read('alice.cert.pem'),
    });
    await store.createCertificateRequest({ uri: 'sip:carol@example.org' });

    await store.wipe();
    await store.close();
    const reopened = await openTestStore({ indexedDB: factory });

    expect(await reopened.listIdentities()).toEqual([]);
    expect(await reopened.getTrustAnchors()).toEqual([]);
    expect(await reopened.getPeerCertificate('sip:bob@example.org')).toBeUndefined();
    expect(await reopened.getPendingRequest('sip:carol@example.org')).toBeUndefined();
  });

  it('maps a quota failure of a real write', async () => {
    const factory = new IDBFactory();
    const store = await openTestStore({ indexedDB: factory });
    const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('quota reached', 'QuotaExceededError');
    });
    try {
      const failure = store.setPeerCertificate('sip:bob@example.org', bobCertificate);
      await expect(failure).rejects.toBeInstanceOf(StorageError);
      await expect(failure).rejects.toMatchObject({ code: 'ERR_STORAGE_QUOTA', sipStatus: 500 });
    } finally {
      put.mockRestore();
    }
  });

  it('rejects an open without a factory', async () => {
    vi.stubGlobal('indexedDB', undefined);
    try {
      await expect(
        openTestStore({ indexedDB: undefined as unknown as IDBFactory }),
      ).rejects.toThrow(TypeError);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('storage error mapping', () => {
  it.each([
    ['QuotaExceededError', 'ERR_STORAGE_QUOTA'],
    ['DataCloneError', 'ERR_STORAGE_DATA_CLONE'],
    ['AbortError', 'ERR_STORAGE_FAILED'],
    ['UnknownError', 'ERR_STORAGE_FAILED'],
  ])('maps %s to %s', (name, code) => {
    const error = toStorageError(new DOMException('browser detail', name), 'identity write');

    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code, sipStatus: 500 });
    expect(error.message).toBe(`keystore identity write failed: ${name}`);
  });

  it('passes library errors through', () => {
    const original = new StorageError('already mapped', { code: 'ERR_STORAGE_BLOCKED' });

    expect(toStorageError(original, 'open')).toBe(original);
  });
});
