/**
 * A failed enrolment drops its own pending key, and only its own: the keystore keeps one pending
 * enrolment per MCPTT ID, and another tab of the profile may have replaced it meanwhile.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IndexedDbKeyStore } from '@mcptt-smime/keystore';
import type { DemoConfig } from '../src/demo-config.js';
import { EnrolmentRejectedError } from '../src/identity.js';
import { createKeystoreIdentities } from '../src/keystore-identities.js';

const ALICE = 'sip:alice@mcptt.example';

const CONFIG: DemoConfig = {
  wsUrl: 'ws://127.0.0.1:9',
  serverUri: 'sip:mcptt-server@mcptt.example',
  enrolUrl: 'http://127.0.0.1:9/enrol',
  coreLogUrl: undefined,
  serverCertificate: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
  trustAnchors: [],
  users: [],
  groups: [],
  insecurePlainCalls: false,
};

/** Returns a keystore stand-in and its pending requests by MCPTT ID. */
function pendingStore() {
  const pending = new Map<string, Uint8Array>();
  let requests = 0;
  const store = {
    getTrustAnchors: () => Promise.resolve([]),
    getPeerCertificate: () => Promise.resolve(new Uint8Array(1)),
    createCertificateRequest: ({ uri }: { uri: string }) => {
      // Each request stands for a new key pair, as in the keystore.
      const der = Uint8Array.of(++requests);
      pending.set(uri, der);
      return Promise.resolve({ uri, der, pem: 'request' });
    },
    getPendingRequest: (uri: string) => {
      const der = pending.get(uri);
      return Promise.resolve(der === undefined ? undefined : { uri, der, pem: 'request' });
    },
    cancelEnrolment: (uri: string) => {
      pending.delete(uri);
      return Promise.resolve();
    },
  };
  return { pending, store, open: () => Promise.resolve(store as unknown as IndexedDbKeyStore) };
}

/** Returns the response of the enrolment endpoint to a wrong code. */
function rejection(): Response {
  return new Response(JSON.stringify({ error: 'code rejected' }), { status: 403 });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('a failed enrolment', () => {
  it('drops its pending key', async () => {
    const { pending, open } = pendingStore();
    vi.stubGlobal('fetch', () => Promise.resolve(rejection()));

    const enrolment = createKeystoreIdentities(CONFIG, open).enrol(ALICE, 'AAAA-AAAA');

    await expect(enrolment).rejects.toBeInstanceOf(EnrolmentRejectedError);
    expect(pending.has(ALICE)).toBe(false);
  });

  it('keeps the enrolment that another tab started meanwhile', async () => {
    const { pending, store, open } = pendingStore();
    vi.stubGlobal('fetch', async () => {
      // Another tab enrols the same MCPTT ID while this request is on its way.
      await store.createCertificateRequest({ uri: ALICE });
      return rejection();
    });

    const enrolment = createKeystoreIdentities(CONFIG, open).enrol(ALICE, 'AAAA-AAAA');

    await expect(enrolment).rejects.toBeInstanceOf(EnrolmentRejectedError);
    expect(pending.get(ALICE)).toEqual(Uint8Array.of(2));
  });
});
