/**
 * A PUBLISH of the client's own that cannot be protected fails as the client's other requests do.
 * It rejects with SipRequestFailedError of the local failure's code and status, which a REGISTER
 * or MESSAGE gets from the protecting socket's synthetic response.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyStore } from '@mcptt-smime/smime';
import type { McpttClient } from '../src/api/mcptt-client.js';
import { SipRequestFailedError } from '../src/api/sip-request-failed-error.js';
import { createSocketClient } from './helpers/socket-client.js';
import { createKeyStores } from './helpers/pki.js';

const SERVER = 'sip:mcptt-server@example.org';
let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

/** Returns alice's key store, which loses her identity once `forget` is called. */
async function forgettingKeyStore(): Promise<{ keyStore: KeyStore; forget: () => void }> {
  const { alice } = await createKeyStores();
  let forgotten = false;
  const keyStore: KeyStore = {
    getIdentity: (uri) => (forgotten ? Promise.resolve(undefined) : alice.getIdentity(uri)),
    getTrustAnchors: () => alice.getTrustAnchors(),
    getPeerCertificate: (aor) => alice.getPeerCertificate(aor),
    setPeerCertificate: (aor, certificate) => alice.setPeerCertificate(aor, certificate),
  };
  return { keyStore, forget: () => (forgotten = true) };
}

describe('PUBLISH that cannot be protected', () => {
  it('rejects setAffiliation with SipRequestFailedError', async () => {
    const { keyStore, forget } = await forgettingKeyStore();
    const { client } = await createSocketClient({ keyStore });
    clients.push(client);
    await client.start();
    forget();

    const error: unknown = await client
      .setAffiliation({ target: SERVER, groups: ['sip:fire-north@example.org'] })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SipRequestFailedError);
    expect(error).toMatchObject({ code: 'ERR_KEY_NOT_FOUND', sipStatus: 500 });
  });
});
