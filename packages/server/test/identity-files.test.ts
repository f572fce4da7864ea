import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCredentials } from '../src/identity-files.js';
import { createDemoPki } from '../src/openssl-ca.js';

const SERVER_URI = 'sip:mcptt-server@mcptt.example';

describe('loadCredentials', () => {
  let folder = '';
  const file = (name: string) => join(folder, name);
  const filesWith = (trustAnchors: string[]) => ({
    key: file('mcptt-server.key.pem'),
    certificate: file('mcptt-server.cert.pem'),
    trustAnchors,
  });

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'identity-files-'));
    await createDemoPki({
      folder,
      domain: 'mcptt.example',
      users: ['alice'],
      server: 'mcptt-server',
    });
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('loads the CA as trust anchor', async () => {
    const credentials = await loadCredentials(crypto, SERVER_URI, filesWith([file('ca.cert.pem')]));

    expect(credentials.trustAnchors).toHaveLength(1);
    expect(credentials.identity.uri).toBe(SERVER_URI);
  });

  it('rejects a user certificate as trust anchor', async () => {
    const alice = file('alice.cert.pem');

    await expect(loadCredentials(crypto, SERVER_URI, filesWith([alice]))).rejects.toThrow(
      new TypeError(
        `identity: trust anchor ${alice} is not a CA certificate (basicConstraints does not mark it as a CA)`,
      ),
    );
  });
});
