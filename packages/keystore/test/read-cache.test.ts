import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TestPki, notBeforeOf } from './pki.js';
import { eventually, openTwoTabs } from './store.js';

const ALICE = 'sip:alice@example.org';
const BOB = 'sip:bob@example.org';

describe('cached reads', () => {
  const pki = new TestPki();
  let caPem = '';
  let otherCaPem = '';
  let now = new Date();
  let alice = { key: '', cert: '' };
  let bob = { key: '', cert: '' };

  beforeAll(() => {
    caPem = pki.createCa('ca');
    otherCaPem = pki.createCa('other-ca');
    now = new Date(notBeforeOf(pki, 'ca.cert.pem').getTime() + 60_000);
    alice = pki.createIdentity('ca', 'alice', ALICE);
    bob = pki.createIdentity('ca', 'bob', BOB);
  });
  afterAll(() => pki.dispose());

  /** Imports without the anchor check, because these tests count the reads of anchors. */
  function untrusted(identity: { key: string; cert: string }) {
    return { privateKey: identity.key, certificate: identity.cert, requireTrustAnchor: false };
  }

  it('reads an identity once until a write', async () => {
    const [store] = await openTwoTabs(() => now);
    await store.importPem(untrusted(alice));

    const first = await store.getIdentity(ALICE);
    const second = await store.getIdentity(ALICE);
    expect(second?.signingKey).toBe(first?.signingKey);
    expect(second?.decryptionKey).toBe(first?.decryptionKey);
    expect(second?.certificate).toEqual(first?.certificate);
  });

  it('returns copies of the certificates', async () => {
    const [store] = await openTwoTabs(() => now);
    await store.importPem(untrusted(alice));
    await store.addTrustAnchor(caPem);

    const identity = await store.getIdentity(ALICE);
    const original = identity?.certificate.slice();
    identity?.certificate.fill(0);
    const [anchor] = await store.getTrustAnchors();
    anchor?.fill(0);

    expect((await store.getIdentity(ALICE))?.certificate).toEqual(original);
    expect((await store.getTrustAnchors())[0]?.some((byte) => byte !== 0)).toBe(true);
  });

  it('drops a cached identity on delete', async () => {
    const [store] = await openTwoTabs(() => now);
    await store.importPem(untrusted(alice));
    expect(await store.getIdentity(ALICE)).toBeDefined();

    await store.deleteIdentity(ALICE);
    expect(await store.getIdentity(ALICE)).toBeUndefined();
  });

  it('sees trust anchor changes at once', async () => {
    const [store] = await openTwoTabs(() => now);
    const fingerprint = await store.addTrustAnchor(caPem);
    expect(await store.getTrustAnchors()).toHaveLength(1);

    await store.addTrustAnchor(otherCaPem);
    expect(await store.getTrustAnchors()).toHaveLength(2);
    await store.removeTrustAnchor(fingerprint);
    expect(await store.getTrustAnchors()).toHaveLength(1);
  });

  it('sees writes of another keystore', async () => {
    const [reader, writer] = await openTwoTabs(() => now);
    await writer.addTrustAnchor(caPem);
    expect(await reader.getTrustAnchors()).toHaveLength(1);
    expect(await reader.getIdentity(BOB)).toBeUndefined();

    await writer.addTrustAnchor(otherCaPem);
    await writer.importPem(untrusted(bob));

    const anchorsSeen = await eventually(async () => (await reader.getTrustAnchors()).length === 2);
    expect(anchorsSeen).toBe(true);
    expect(await reader.getIdentity(BOB)).toBeDefined();
  });

  it('reads the database every time after close', async () => {
    const [store] = await openTwoTabs(() => now);
    await store.importPem(untrusted(alice));
    await store.close();

    const first = await store.getIdentity(ALICE);
    const second = await store.getIdentity(ALICE);
    expect(first?.signingKey).toBeDefined();
    expect(second?.signingKey).not.toBe(first?.signingKey);
  });
});
