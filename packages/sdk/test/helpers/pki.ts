/** Key stores for the SDK tests, built on the core's throwaway openssl PKI. */
import { MemoryKeyStore } from '@mcptt-smime/smime';
import { getTestPki, testCrypto } from '../../../smime/test/smime/test-pki.js';

export { testCrypto };

/** Key stores of alice and bob, each trusting the test CA and holding the other's certificate. */
export async function createKeyStores() {
  const pki = await getTestPki();
  const alice = new MemoryKeyStore({
    identities: [await pki.identity('alice')],
    trustAnchors: [pki.caCertificate],
  });
  const bob = new MemoryKeyStore({
    identities: [await pki.identity('bob')],
    trustAnchors: [pki.caCertificate],
  });
  await alice.setPeerCertificate('sip:bob@example.org', pki.certificate('bob'));
  await bob.setPeerCertificate('sip:alice@example.org', pki.certificate('alice'));
  return { pki, alice, bob, now: () => pki.now };
}
