/**
 * Attacks on the cached reads of the keystore: stale identities and trust anchors after writes by
 * this keystore or another one on the same database, and returned values that could change the
 * cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TestPki, notBeforeOf } from './pki.js';
import { eventually, openTwoTabs } from './store.js';

const ALICE = 'sip:alice@example.org';

/**
 * Waits for the messages of earlier writes, so that a late message cannot clear a read that a test
 * caches next and hide a missing one.
 */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('cached reads under attack', () => {
  const pki = new TestPki();
  let caPem = '';
  let otherCaPem = '';
  let now = new Date();
  let alice = { key: '', cert: '' };

  beforeAll(() => {
    caPem = pki.createCa('ca');
    otherCaPem = pki.createCa('other-ca');
    now = new Date(notBeforeOf(pki, 'ca.cert.pem').getTime() + 60_000);
    alice = pki.createIdentity('ca', 'alice', ALICE);
  });
  afterAll(() => pki.dispose());

  /** Alice's credential, imported without the anchor check: these stores start with no anchor. */
  function untrustedAlice() {
    return { privateKey: alice.key, certificate: alice.cert, requireTrustAnchor: false };
  }

  it('read during delete is dropped', async () => {
    const [store] = await openTwoTabs(() => now);
    await store.importPem(untrustedAlice());

    const reading = store.getIdentity(ALICE);
    const deleting = store.deleteIdentity(ALICE);
    await reading;
    await deleting;
    expect(await store.getIdentity(ALICE)).toBeUndefined();
  });

  it('read during anchor removal is dropped', async () => {
    const [store] = await openTwoTabs(() => now);
    const fingerprint = await store.addTrustAnchor(caPem);

    const reading = store.getTrustAnchors();
    const removing = store.removeTrustAnchor(fingerprint);
    await reading;
    await removing;
    expect(await store.getTrustAnchors()).toHaveLength(0);
  });

  it('import replaces a cached absence', async () => {
    const [store] = await openTwoTabs(() => now);
    expect(await store.getIdentity(ALICE)).toBeUndefined();
    expect(await store.getTrustAnchors()).toHaveLength(0);

    await store.importPem(untrustedAlice());
    await store.addTrustAnchor(caPem);
    expect(await store.getIdentity(ALICE)).toBeDefined();
    expect(await store.getTrustAnchors()).toHaveLength(1);
  });

  it('wipe drops every cached read', async () => {
    const [store, other] = await openTwoTabs(() => now);
    await store.importPem(untrustedAlice());
    await store.addTrustAnchor(caPem);
    await settle();
    expect(await store.getIdentity(ALICE)).toBeDefined();
    expect(await other.getIdentity(ALICE)).toBeDefined();
    expect(await other.getTrustAnchors()).toHaveLength(1);

    await store.wipe();
    expect(await store.getIdentity(ALICE)).toBeUndefined();
    expect(await store.getTrustAnchors()).toHaveLength(0);
    const otherSeesWipe = await eventually(
      async () =>
        (await other.getIdentity(ALICE)) === undefined &&
        (await other.getTrustAnchors()).length === 0,
    );
    expect(otherSeesWipe).toBe(true);
  });

  it('other keystore sees a delete', async () => {
    const [reader, writer] = await openTwoTabs(() => now);
    await writer.importPem(untrustedAlice());
    await settle();
    expect(await reader.getIdentity(ALICE)).toBeDefined();

    await writer.deleteIdentity(ALICE);
    const deleteSeen = await eventually(
      async () => (await reader.getIdentity(ALICE)) === undefined,
    );
    expect(deleteSeen).toBe(true);
  });

  it('other keystore sees an anchor removal', async () => {
    const [reader, writer] = await openTwoTabs(() => now);
    const fingerprint = await writer.addTrustAnchor(caPem);
    await writer.addTrustAnchor(otherCaPem);
    await settle();
    expect(await reader.getTrustAnchors()).toHaveLength(2);

    await writer.removeTrustAnchor(fingerprint);
    const removalSeen = await eventually(async () => (await reader.getTrustAnchors()).length === 1);
    expect(removalSeen).toBe(true);
  });

  it('returned anchor list is a copy', async () => {
    const [store] = await openTwoTabs(() => now);
    await store.addTrustAnchor(caPem);

    const anchors = (await store.getTrustAnchors()) as Uint8Array[];
    const original = anchors[0]?.slice();
    anchors.push(new Uint8Array(3));
    anchors[0] = new Uint8Array(3);

    const again = await store.getTrustAnchors();
    expect(again).toHaveLength(1);
    expect(again[0]).toEqual(original);
  });

  it('returned identity is a copy', async () => {
    const [store] = await openTwoTabs(() => now);
    await store.importPem({ ...untrustedAlice(), chain: pki.read('ca.cert.pem') });

    const identity = await store.getIdentity(ALICE);
    expect(identity?.chain).toHaveLength(1);
    const chain = identity?.chain.map((certificate) => certificate.slice());
    const certificate = identity?.certificate.slice();
    identity?.chain[0]?.fill(0);
    (identity?.chain as Uint8Array[] | undefined)?.push(new Uint8Array(3));
    (identity as { uri: string }).uri = 'sip:mallory@example.org';

    const again = await store.getIdentity(ALICE);
    expect(again?.uri).toBe(ALICE);
    expect(again?.chain).toEqual(chain);
    expect(again?.certificate).toEqual(certificate);
  });

  it('write after close still succeeds', async () => {
    const [store] = await openTwoTabs(() => now);
    await store.close();

    await expect(store.addTrustAnchor(caPem)).resolves.toMatch(/^[0-9a-f]{64}$/);
    expect(await store.getTrustAnchors()).toHaveLength(1);
  });

  it('write after close reaches other keystores', async () => {
    const [reader, writer] = await openTwoTabs(() => now);
    const fingerprint = await writer.addTrustAnchor(caPem);
    await settle();
    expect(await reader.getTrustAnchors()).toHaveLength(1);

    await writer.close();
    // The previous test checks that the removal resolves. This one checks that the reader sees it.
    await writer.removeTrustAnchor(fingerprint).catch(() => undefined);
    const removalSeen = await eventually(async () => (await reader.getTrustAnchors()).length === 0);
    expect(removalSeen).toBe(true);
  });

  it('closed keystore reads fresh values', async () => {
    const [reader, writer] = await openTwoTabs(() => now);
    await reader.close();
    expect(await reader.getTrustAnchors()).toHaveLength(0);

    await writer.addTrustAnchor(caPem);
    expect(await reader.getTrustAnchors()).toHaveLength(1);
  });
});
