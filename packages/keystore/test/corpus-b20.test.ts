import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { decryptContent, encryptContent } from '@mcptt-smime/smime';

import { corporaAvailable, readCorpus, readCorpusText } from '../../smime/test/corpora.js';
import { exportRejections, openTestStore, testCrypto } from './store.js';

describe.skipIf(!corporaAvailable)('non-extractable key from IndexedDB decrypts', () => {
  async function storedBob() {
    const factory = new IDBFactory();
    const first = await openTestStore({ indexedDB: factory });
    await first.addTrustAnchor(readCorpusText('cases/keys/ca.cert.pem'));
    await first.importPem({
      privateKey: readCorpusText('cases/keys/bob.key.pem'),
      certificate: readCorpusText('cases/keys/bob.cert.pem'),
    });
    await first.close();

    const reopened = await openTestStore({ indexedDB: factory });
    const identity = await reopened.getIdentity('sip:bob@example.org');
    if (identity === undefined) throw new Error('bob missing after reopen');
    return identity;
  }

  it('reads the key back non-extractable', async () => {
    const bob = await storedBob();

    expect(bob.decryptionKey).toBeInstanceOf(CryptoKey);
    expect(bob.decryptionKey.extractable).toBe(false);
    expect(await exportRejections([bob.decryptionKey, bob.signingKey])).toEqual([true, true]);
  });

  it('decrypts an envelope made by the library', async () => {
    const bob = await storedBob();
    const plaintext = readCorpus('cases/B13-expected-plaintext.xml');
    const envelope = await encryptContent({
      crypto: testCrypto,
      content: plaintext,
      recipients: [bob.certificate],
      algorithm: 'aes-128-cbc',
    });

    const result = await decryptContent({
      crypto: testCrypto,
      der: envelope.der,
      certificate: bob.certificate,
      privateKey: bob.decryptionKey,
    });

    expect(result.content).toEqual(plaintext);
  });

  it('decrypts the OpenSSL envelope', async () => {
    const bob = await storedBob();

    const result = await decryptContent({
      crypto: testCrypto,
      der: readCorpus('cases/B13-enveloped-kari-p256-openssl.der'),
      certificate: bob.certificate,
      privateKey: bob.decryptionKey,
    });

    expect(result.content).toEqual(readCorpus('cases/B13-expected-plaintext.xml'));
  });
});
