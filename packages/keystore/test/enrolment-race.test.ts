/**
 * Writes that reach the database while `completeEnrolment` checks the issued certificate. Each
 * test pauses the chain check's signature verification, runs the other write, then lets the
 * completion go on.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeyNotFoundError } from '@mcptt-smime/smime';

import type { IndexedDbKeyStore } from '../src/index.js';
import { PausableVerify } from './pausable-verify.js';
import { TestPki, notBeforeOf } from './pki.js';
import { openTestStore } from './store.js';

const URI = 'sip:alice@example.org';

describe('enrolment races', () => {
  const pki = new TestPki();
  let caPem = '';
  let now = new Date();
  let verify = new PausableVerify();
  let issued = 0;

  beforeAll(() => {
    caPem = pki.createCa('ca');
    now = new Date(notBeforeOf(pki, 'ca.cert.pem').getTime() + 60 * 60 * 1000);
  });
  afterEach(() => verify.release());
  afterAll(() => pki.dispose());

  async function openStore(): Promise<IndexedDbKeyStore> {
    verify = new PausableVerify();
    const store = await openTestStore({ crypto: verify.crypto, now: () => now });
    await store.addTrustAnchor(caPem);
    return store;
  }

  function issue(requestPem: string): string {
    issued += 1;
    return pki.issue('ca', requestPem, `alice-${String(issued)}`);
  }

  it.each([
    ['wipe', (store: IndexedDbKeyStore) => store.wipe()],
    ['cancelEnrolment', (store: IndexedDbKeyStore) => store.cancelEnrolment(URI)],
    ['deleteIdentity', (store: IndexedDbKeyStore) => store.deleteIdentity(URI)],
  ])('%s during completion stores nothing', async (_name, interrupt) => {
    const store = await openStore();
    const request = await store.createCertificateRequest({ uri: URI });
    const certificate = issue(request.pem);

    const checking = verify.hold();
    const completing = store.completeEnrolment({ uri: URI, certificate });
    await checking;
    await interrupt(store);
    verify.release();

    await expect(completing).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(completing).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND', sipStatus: 500 });
    expect(await store.listIdentities()).toEqual([]);
    expect(await store.getIdentity(URI)).toBeUndefined();
    expect(await store.getPendingRequest(URI)).toBeUndefined();
  });

  it('newer request survives older completion', async () => {
    const store = await openStore();
    const first = await store.createCertificateRequest({ uri: URI });
    const firstCertificate = issue(first.pem);

    const checking = verify.hold();
    const completing = store.completeEnrolment({ uri: URI, certificate: firstCertificate });
    await checking;
    const second = await store.createCertificateRequest({ uri: URI });
    verify.release();

    await expect(completing).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(completing).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND', sipStatus: 500 });
    expect(await store.getIdentity(URI)).toBeUndefined();
    expect((await store.getPendingRequest(URI))?.pem).toBe(second.pem);

    const info = await store.completeEnrolment({ uri: URI, certificate: issue(second.pem) });
    expect(info.uri).toBe(URI);
    expect(await store.getIdentity(URI)).toBeDefined();
    expect(await store.getPendingRequest(URI)).toBeUndefined();
  });

  it('completion without interruption stores', async () => {
    const store = await openStore();
    const request = await store.createCertificateRequest({ uri: URI });
    const certificate = issue(request.pem);

    const checking = verify.hold();
    const completing = store.completeEnrolment({ uri: URI, certificate });
    await checking;
    verify.release();

    expect((await completing).uri).toBe(URI);
    expect(await store.getIdentity(URI)).toBeDefined();
    expect(await store.getPendingRequest(URI)).toBeUndefined();
  });
});
