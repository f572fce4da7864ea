import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SipMessage, protectMessage, unprotectMessage } from '@mcptt-smime/smime';
import type { KeyStore } from '@mcptt-smime/smime';

import type { IndexedDbKeyStore } from '../src/index.js';
import { TestPki, notBeforeOf } from './pki.js';
import { MCPTT_BODY, sipMessageBytes } from './sip-message.js';
import { exportRejections, openTestStore, testCrypto } from './store.js';

describe('KeyStore interface', () => {
  const pki = new TestPki();
  let store: IndexedDbKeyStore;
  let now = new Date();

  beforeAll(async () => {
    const caPem = pki.createCa('ca');
    now = new Date(notBeforeOf(pki, 'ca.cert.pem').getTime() + 60_000);
    store = await openTestStore({ now: () => now });
    await store.addTrustAnchor(caPem);

    const request = await store.createCertificateRequest({ uri: 'sip:alice@example.org' });
    await store.completeEnrolment({
      uri: request.uri,
      certificate: pki.issue('ca', request.pem, 'alice'),
    });
    const bob = pki.createIdentity('ca', 'bob', 'sip:bob@example.org');
    await store.importPem({ privateKey: bob.key, certificate: bob.cert, exportable: true });
  });
  afterAll(() => pki.dispose());

  it('protects and unprotects with stored keys', async () => {
    const keyStore: KeyStore = store;
    const alice = await keyStore.getIdentity('sip:alice@example.org');
    const bob = await keyStore.getIdentity('sip:bob@example.org');

    const sent = await protectMessage(SipMessage.parse(sipMessageBytes()), {
      crypto: testCrypto,
      signer: alice!,
      recipients: [bob!.certificate],
      now: () => now,
    });
    const { message, security } = await unprotectMessage(sent, {
      crypto: testCrypto,
      identity: bob!,
      trustAnchors: await keyStore.getTrustAnchors(),
      now: () => now,
      getPeerCertificate: (aor) => keyStore.getPeerCertificate(aor),
    });

    expect(new TextDecoder().decode(sent.toBytes())).not.toContain('mcptt-calling-user-id');
    expect(new TextDecoder().decode(message.body)).toBe(MCPTT_BODY);
    expect(security.encrypted).toBe(true);
    expect(security.signed).toBe(true);
    expect(security.signerUri).toBe('sip:alice@example.org');
  });

  it('never exports a stored signing or decryption key', async () => {
    const keys: CryptoKey[] = [];
    for (const info of await store.listIdentities()) {
      const identity = await store.getIdentity(info.uri);
      if (identity !== undefined) keys.push(identity.signingKey, identity.decryptionKey);
    }

    expect(keys).toHaveLength(4);
    expect(await exportRejections(keys)).toEqual([true, true, true, true]);
  });

  it('returns no identity for an unknown URI', async () => {
    expect(await store.getIdentity('sip:carol@example.org')).toBeUndefined();
    expect(await store.getIdentity('sip:alice@example.org\u0000.evil.example')).toBeUndefined();
  });
});
