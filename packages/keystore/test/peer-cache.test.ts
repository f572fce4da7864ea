/**
 * Cached peer certificates. A pin is read from IndexedDB once, and every write through this
 * keystore or another one on the same database drops it. So a removed or replaced pin is seen at
 * once by the writer, and by the other keystore after the BroadcastChannel message.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import type { IndexedDbKeyStore } from '../src/index.js';
import { MAX_CACHED_PEERS } from '../src/read-cache.js';
import { TestPki, notBeforeOf } from './pki.js';
import { eventually, openTwoTabs } from './store.js';

const BOB = 'sip:bob@example.org';
const CAROL = 'sip:carol@example.org';

/** Runs `reads` and returns how many IndexedDB transactions it opened. */
async function countTransactions(reads: () => Promise<unknown>): Promise<number> {
  const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
  try {
    await reads();
    return transaction.mock.calls.length;
  } finally {
    transaction.mockRestore();
  }
}

describe('cached peer certificates', () => {
  const pki = new TestPki();
  let now = new Date();
  let bobOld = new Uint8Array();
  let bobNew = new Uint8Array();
  let carol = new Uint8Array();
  let alice = { key: '', cert: '' };

  const der = (file: string) =>
    new Uint8Array(pki.openssl(['x509', '-in', file, '-outform', 'DER']));

  beforeAll(() => {
    pki.createCa('ca');
    now = new Date(notBeforeOf(pki, 'ca.cert.pem').getTime() + 60_000);
    pki.createIdentity('ca', 'bob-old', BOB);
    pki.createIdentity('ca', 'bob-new', BOB);
    pki.createIdentity('ca', 'carol', CAROL);
    alice = pki.createIdentity('ca', 'alice', 'sip:alice@example.org');
    bobOld = der('bob-old.cert.pem');
    bobNew = der('bob-new.cert.pem');
    carol = der('carol.cert.pem');
  });
  afterAll(() => pki.dispose());

  /** Opens two keystores on one database, pins Bob through the first and reads the pin once. */
  async function pinnedBob(): Promise<[IndexedDbKeyStore, IndexedDbKeyStore]> {
    const [store, other] = await openTwoTabs(() => now);
    await store.setPeerCertificate(BOB, bobOld);
    expect(await store.getPeerCertificate(BOB)).toEqual(bobOld);
    return [store, other];
  }

  it('reads a pin once', async () => {
    const [store] = await pinnedBob();

    const transactions = await countTransactions(async () => {
      expect(await store.getPeerCertificate(BOB)).toEqual(bobOld);
      expect(await store.getPeerCertificate('sip:bob@EXAMPLE.org;transport=ws')).toEqual(bobOld);
    });

    expect(transactions).toBe(0);
  });

  it('reads a missing pin once', async () => {
    const [store] = await openTwoTabs(() => now);
    expect(await store.getPeerCertificate(CAROL)).toBeUndefined();

    const transactions = await countTransactions(async () => {
      expect(await store.getPeerCertificate(CAROL)).toBeUndefined();
    });

    expect(transactions).toBe(0);
  });

  it('returns a copy of the pin', async () => {
    const [store] = await pinnedBob();

    (await store.getPeerCertificate(BOB))?.fill(0);

    expect(await store.getPeerCertificate(BOB)).toEqual(bobOld);
  });

  it('sees a removal at once', async () => {
    const [store] = await pinnedBob();

    await store.removePeerCertificate(BOB);

    expect(await store.getPeerCertificate(BOB)).toBeUndefined();
  });

  it('sees a replacement at once', async () => {
    const [store] = await pinnedBob();

    await store.setPeerCertificate(BOB, bobNew, { replace: true });
    expect(await store.getPeerCertificate(BOB)).toEqual(bobNew);
    await store.acceptChangedCertificate(BOB, bobOld);
    expect(await store.getPeerCertificate(BOB)).toEqual(bobOld);
  });

  it('sees a first pin at once', async () => {
    const [store] = await openTwoTabs(() => now);
    expect(await store.getPeerCertificate(CAROL)).toBeUndefined();

    await store.setPeerCertificate(CAROL, carol);

    expect(await store.getPeerCertificate(CAROL)).toEqual(carol);
  });

  it('sees a wipe at once', async () => {
    const [store] = await pinnedBob();

    await store.wipe();

    expect(await store.getPeerCertificate(BOB)).toBeUndefined();
  });

  it('drops pins on an import', async () => {
    const [store] = await pinnedBob();

    await store.importPem({
      privateKey: alice.key,
      certificate: alice.cert,
      requireTrustAnchor: false,
    });
    const transactions = await countTransactions(() => store.getPeerCertificate(BOB));

    expect(transactions).toBe(1);
  });

  it('other keystore sees a removal', async () => {
    const [writer, reader] = await pinnedBob();
    expect(await reader.getPeerCertificate(BOB)).toEqual(bobOld);

    await writer.removePeerCertificate(BOB);

    const removalSeen = await eventually(
      async () => (await reader.getPeerCertificate(BOB)) === undefined,
    );
    expect(removalSeen).toBe(true);
  });

  it('other keystore sees a replacement', async () => {
    const [writer, reader] = await pinnedBob();
    expect(await reader.getPeerCertificate(BOB)).toEqual(bobOld);

    await writer.acceptChangedCertificate(BOB, bobNew);

    const replacementSeen = await eventually(async () => {
      const pin = await reader.getPeerCertificate(BOB);
      return pin !== undefined && pin.every((byte, index) => byte === bobNew[index]);
    });
    expect(replacementSeen).toBe(true);
  });

  it('other keystore sees a wipe', async () => {
    const [writer, reader] = await pinnedBob();
    expect(await reader.getPeerCertificate(BOB)).toEqual(bobOld);

    await writer.wipe();

    const wipeSeen = await eventually(
      async () => (await reader.getPeerCertificate(BOB)) === undefined,
    );
    expect(wipeSeen).toBe(true);
  });

  it('forgets the oldest of too many pins', async () => {
    const [store] = await pinnedBob();
    for (let index = 0; index < MAX_CACHED_PEERS; index++) {
      await store.getPeerCertificate(`sip:user-${String(index)}@example.org`);
    }

    const oldest = await countTransactions(() => store.getPeerCertificate(BOB));
    const newest = await countTransactions(() =>
      store.getPeerCertificate(`sip:user-${String(MAX_CACHED_PEERS - 1)}@example.org`),
    );

    expect(oldest).toBe(1);
    expect(newest).toBe(0);
  });
});
