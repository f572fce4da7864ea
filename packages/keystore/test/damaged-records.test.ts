import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { StorageError, pemDecode } from '@mcptt-smime/smime';

import type { IndexedDbKeyStore } from '../src/index.js';
import { TestPki } from './pki.js';
import { openTestStore, testCrypto } from './store.js';

const NAME = 'damaged-records';
const ALICE = 'sip:alice@example.org';

/** Writes records straight into the database, as a hand edit or another script would. */
async function editDatabase(
  factory: IDBFactory,
  edit: (db: Awaited<ReturnType<typeof openDB>>) => Promise<void>,
): Promise<void> {
  vi.stubGlobal('indexedDB', factory);
  try {
    const db = await openDB(NAME);
    await edit(db);
    db.close();
  } finally {
    vi.unstubAllGlobals();
  }
}

/** Opens the store again, so that nothing comes from the read cache of the first one. */
async function reopen(factory: IDBFactory, store: IndexedDbKeyStore): Promise<IndexedDbKeyStore> {
  await store.close();
  return openTestStore({ indexedDB: factory, databaseName: NAME });
}

describe('damaged records in the database', () => {
  const pki = new TestPki();
  let caPem = '';
  let alice = { key: '', cert: '' };
  let factory: IDBFactory;
  let store: IndexedDbKeyStore;
  let aliceRecord: Record<string, unknown>;

  beforeAll(() => {
    caPem = pki.createCa('ca');
    alice = pki.createIdentity('ca', 'alice', ALICE);
  });
  afterAll(() => pki.dispose());

  beforeEach(async () => {
    factory = new IDBFactory();
    store = await openTestStore({ indexedDB: factory, databaseName: NAME });
    await store.addTrustAnchor(caPem);
    await store.importPem({ privateKey: alice.key, certificate: alice.cert });
    await editDatabase(factory, async (db) => {
      aliceRecord = (await db.get('identities', ALICE)) as Record<string, unknown>;
    });
  });

  it('lists an invalid expiry as expired', async () => {
    await editDatabase(factory, async (db) => {
      await db.put('identities', { ...aliceRecord, uri: 'sip:bad@example.org', notAfter: 'soon' });
    });
    store = await reopen(factory, store);

    const report = await store.expiringCertificates({ marginDays: 400 });

    expect(report.map((entry) => [entry.id, entry.expired])).toEqual([
      ['sip:bad@example.org', true],
      [ALICE, false],
    ]);
    expect(report[0]?.notAfter.getTime()).toBe(0);
  });

  it('rejects a damaged identity', async () => {
    await editDatabase(factory, async (db) => {
      await db.put('identities', { ...aliceRecord, uri: 'sip:bad@example.org', chain: undefined });
    });
    store = await reopen(factory, store);

    const failure = await store.getIdentity('sip:bad@example.org').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(StorageError);
    expect(failure).toMatchObject({
      code: 'ERR_STORAGE_FAILED',
      sipStatus: 500,
      message: 'stored identity of sip:bad@example.org is invalid: delete it and enrol again',
    });
    expect((await store.listIdentities()).map((info) => info.uri)).toEqual([ALICE]);
    expect((await store.getIdentity(ALICE))?.uri).toBe(ALICE);
  });

  it.each([
    ['a certificate that is no bytes', { certificate: 'text' }],
    ['a chain entry that is no bytes', { chain: ['text'] }],
    ['a missing public key', { publicKey: undefined }],
    ['a signing key that is public', { signingKey: 'public' }],
    ['an extractable decryption key', { decryptionKey: 'extractable' }],
    ['a backup key that is no key', { backupKey: 'not a key' }],
  ])('rejects an identity with %s', async (_name, change) => {
    const pair = await testCrypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, [
      'deriveBits',
    ]);
    const keys = { public: pair.publicKey, extractable: pair.privateKey };
    const damaged = Object.fromEntries(
      Object.entries(change).map(([field, value]) => [
        field,
        field.endsWith('Key') && value in keys ? keys[value as keyof typeof keys] : value,
      ]),
    );
    await editDatabase(factory, async (db) => {
      await db.put('identities', { ...aliceRecord, ...damaged });
    });
    store = await reopen(factory, store);

    const failure = await store.getIdentity(ALICE).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(StorageError);
    expect(failure).toMatchObject({
      code: 'ERR_STORAGE_FAILED',
      sipStatus: 500,
      message: `stored identity of ${ALICE} is invalid: delete it and enrol again`,
    });
  });

  it('rejects an extractable stored key', async () => {
    const extractable = await testCrypto.subtle.generateKey(
      { name: 'ECDSA', namedCurve: 'P-256' },
      true,
      ['sign'],
    );
    await editDatabase(factory, async (db) => {
      await db.put('identities', { ...aliceRecord, signingKey: extractable.privateKey });
    });
    store = await reopen(factory, store);

    await expect(store.getIdentity(ALICE)).rejects.toMatchObject({
      name: 'StorageError',
      code: 'ERR_STORAGE_FAILED',
      sipStatus: 500,
      message: `stored identity of ${ALICE} is invalid: delete it and enrol again`,
    });
    expect(await store.listIdentities()).toEqual([]);
    let stillStored: unknown;
    await editDatabase(factory, async (db) => {
      stillStored = await db.get('identities', ALICE);
    });
    expect(stillStored).toBeDefined();
  });

  it('skips an anchor that does not parse', async () => {
    await editDatabase(factory, async (db) => {
      await db.put('trustAnchors', {
        fingerprint: 'ff'.repeat(32),
        certificate: new Uint8Array([1, 2, 3]),
        notAfter: new Date(),
      });
      await db.put('trustAnchors', { fingerprint: 'ee'.repeat(32), certificate: 'text' });
    });
    store = await reopen(factory, store);

    expect(await store.getTrustAnchors()).toHaveLength(1);
    await expect(
      store.importPem({ privateKey: alice.key, certificate: alice.cert }),
    ).resolves.toMatchObject({ uri: ALICE });
  });

  it('rejects a pin that is not bytes', async () => {
    await editDatabase(factory, async (db) => {
      await db.put('peers', { addressOfRecord: 'sip:bob@example.org', certificate: 'zzz' });
    });
    store = await reopen(factory, store);

    await expect(store.getPeerCertificate('sip:bob@example.org')).rejects.toMatchObject({
      name: 'StorageError',
      code: 'ERR_STORAGE_FAILED',
      sipStatus: 500,
      message: 'stored certificate of peer sip:bob@example.org is invalid: remove it',
    });
  });

  it('rejects a backup of a damaged identity', async () => {
    await editDatabase(factory, async (db) => {
      await db.put('identities', { ...aliceRecord, backupKey: 'not a key' });
    });
    store = await reopen(factory, store);

    await expect(store.exportPkcs12(ALICE, 'backup password')).rejects.toMatchObject({
      name: 'StorageError',
      code: 'ERR_STORAGE_FAILED',
      sipStatus: 500,
      message: `stored identity of ${ALICE} is invalid: delete it and enrol again`,
    });
  });

  it('rejects completing a damaged enrolment', async () => {
    const request = await store.createCertificateRequest({ uri: 'sip:carol@example.org' });
    const certificate = pki.issue('ca', request.pem, 'carol');
    await editDatabase(factory, async (db) => {
      const pending = (await db.get('pendingIdentities', request.uri)) as object;
      await db.put('pendingIdentities', { ...pending, publicKey: undefined });
    });
    store = await reopen(factory, store);

    await expect(store.completeEnrolment({ uri: request.uri, certificate })).rejects.toMatchObject({
      name: 'StorageError',
      code: 'ERR_STORAGE_FAILED',
      sipStatus: 500,
      message: 'stored enrolment of sip:carol@example.org is invalid: request a certificate again',
    });
  });

  it('rejects reading a damaged pending request', async () => {
    const request = await store.createCertificateRequest({ uri: 'sip:carol@example.org' });
    await editDatabase(factory, async (db) => {
      const pending = (await db.get('pendingIdentities', request.uri)) as object;
      await db.put('pendingIdentities', { ...pending, request: 'text' });
    });

    await expect(store.getPendingRequest(request.uri)).rejects.toMatchObject({
      name: 'StorageError',
      code: 'ERR_STORAGE_FAILED',
      sipStatus: 500,
      message: 'stored enrolment of sip:carol@example.org is invalid: request a certificate again',
    });
  });

  it('keeps a damaged pin when a certificate arrives', async () => {
    const bob = pki.createIdentity('ca', 'bob', 'sip:bob@example.org');
    const bobCertificate = pemDecode(bob.cert, 'CERTIFICATE')[0] as Uint8Array;
    await editDatabase(factory, async (db) => {
      await db.put('peers', { addressOfRecord: 'sip:bob@example.org' });
    });

    const failure = store.setPeerCertificate('sip:bob@example.org', bobCertificate);

    await expect(failure).rejects.toMatchObject({
      name: 'StorageError',
      code: 'ERR_STORAGE_FAILED',
      sipStatus: 500,
      message: 'stored certificate of peer sip:bob@example.org is invalid: remove it',
    });
    await expect(
      store.acceptChangedCertificate('sip:bob@example.org', bobCertificate),
    ).resolves.toBeUndefined();
  });
});
