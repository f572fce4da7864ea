/**
 * The constructor of McpttClient raises a TypeError naming an invalid option, before JsSIP reads
 * the options and before any message could fail because of it.
 */
import { describe, expect, it } from 'vitest';
import { MemoryKeyStore } from '@mcptt-smime/smime';
import { McpttClient } from '../src/api/mcptt-client.js';
import type { McpttClientOptions } from '../src/api/client-options.js';
import { FakeSocket } from './helpers/fake-socket.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';

async function baseOptions(): Promise<McpttClientOptions> {
  const { alice, pki } = await createKeyStores();
  return {
    uri: 'sip:alice@example.org',
    transport: new FakeSocket(),
    crypto: testCrypto,
    keyStore: alice,
    serverUri: 'sip:mcptt-server@example.org',
    serverCertificates: [pki.certificate('server')],
  };
}

const storeWithoutPins = {
  getIdentity: () => Promise.resolve(undefined),
  getTrustAnchors: () => Promise.resolve([]),
};

describe('McpttClient options', () => {
  it.each([
    ['uri', { uri: '' }],
    ['uri', { uri: 'tel:+1234' }],
    ['uri', { uri: 'alice@example.org' }],
    ['uri', { uri: undefined }],
    ['serverUri', { serverUri: 'not a uri' }],
    ['serverUri', { serverUri: 'https://mcptt-server.example.org' }],
    ['url', { transport: undefined, url: 'http://127.0.0.1:1' }],
    ['url', { transport: undefined }],
    ['crypto', { crypto: undefined }],
    ['crypto', { crypto: { subtle: testCrypto.subtle } }],
    ['crypto', { crypto: { getRandomValues: testCrypto.getRandomValues.bind(testCrypto) } }],
    ['keyStore', { keyStore: undefined }],
    ['keyStore', { keyStore: storeWithoutPins }],
    ['serverCertificates', { serverCertificates: [new Uint8Array(3)] }],
    ['serverCertificates', { serverCertificates: ['MIIB'] }],
    ['serverCertificates', { serverCertificates: new Uint8Array(3) }],
    ['serverIntermediates', { serverIntermediates: [new Uint8Array(3)] }],
    ['serverIntermediates', { serverIntermediates: new Uint8Array(3) }],
    ['revocation', { revocation: 'requires' }],
    ['authorisationExpires', { authorisationExpires: -1 }],
    ['policy', { insecurePlainCalls: true, policy: { isSensitive: () => true } }],
    ['envelopes', { envelopes: {} }],
    ['envelopes', { envelopes: null }],
    ['replayStore', { replayStore: { load: () => Promise.resolve([]) } }],
    ['replayStore', { replayStore: null }],
  ])('raises TypeError naming %s', async (name, override) => {
    const options = { ...(await baseOptions()), ...override } as McpttClientOptions;
    const create = () => new McpttClient(options);

    expect(create).toThrow(TypeError);
    expect(create).toThrow(name);
  });

  it('accepts valid options', async () => {
    const options = await baseOptions();
    const client = new McpttClient({
      ...options,
      uri: 'sips:alice@example.org',
      keyStore: new MemoryKeyStore(),
      revocation: 'require',
      authorisationExpires: 1,
      maxSignatureAge: 0,
      encryptThenSign: 'reject',
    });

    expect(client.ua).toBeDefined();
    client.stop();
  });
});
