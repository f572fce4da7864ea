// A path with a typo in the configuration. Each error names the configuration field, as the
// errors for a file with the wrong contents do, so that the operator knows which entry to fix.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNodeCrypto } from '@mcptt-smime/smime/node';
import { loadCredentials, loadPeerCertificates } from '../src/identity-files.js';
import { createDemoPki } from '../src/openssl-ca.js';
import { DOMAIN, SERVER_URI } from './helpers/mcptt-test-client.js';

describe('identity files that are missing', () => {
  let pki: string;
  const crypto = createNodeCrypto();
  const file = (name: string) => join(pki, name);
  const serverFiles = () => ({
    key: file('mcptt-server.key.pem'),
    certificate: file('mcptt-server.cert.pem'),
    trustAnchors: [file('ca.cert.pem')],
  });

  beforeAll(async () => {
    pki = join(await mkdtemp(join(tmpdir(), 'mcptt-missing-')), 'pki');
    await createDemoPki({ folder: pki, domain: DOMAIN, users: ['alice'], server: 'mcptt-server' });
  });

  it('names the missing key field', async () => {
    const files = { ...serverFiles(), key: file('server.key.pem') };

    await expect(loadCredentials(crypto, SERVER_URI, files)).rejects.toThrow(
      /^identity\.key: .*server\.key\.pem/,
    );
  });

  it('names the missing certificate field', async () => {
    const files = { ...serverFiles(), certificate: file('server.cert.pem') };

    await expect(loadCredentials(crypto, SERVER_URI, files)).rejects.toThrow(
      /^identity\.certificate: .*server\.cert\.pem/,
    );
  });

  it('names the missing trust anchor field', async () => {
    const files = { ...serverFiles(), trustAnchors: [file('root.cert.pem')] };

    await expect(loadCredentials(crypto, SERVER_URI, files)).rejects.toThrow(
      /^identity\.trustAnchors\[0\]: .*root\.cert\.pem/,
    );
  });

  it('names the missing revocation list field', async () => {
    const files = { ...serverFiles(), revocationLists: [file('ca-typo.crl.pem')] };

    const error = await loadCredentials(crypto, SERVER_URI, files).then(
      () => undefined,
      (reason: unknown) => reason as NodeJS.ErrnoException,
    );
    expect(error?.message).toMatch(/^identity\.revocationLists: .*ca-typo\.crl\.pem: /);
    expect(error?.code).toBe('ENOENT');
  });

  it('names a trust anchor that does not parse', async () => {
    // Such as a certificate that repeats an extension, which the certificate reader rejects.
    const broken = file('broken.cert.pem');
    await writeFile(broken, '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n');
    const files = { ...serverFiles(), trustAnchors: [broken] };

    await expect(loadCredentials(crypto, SERVER_URI, files)).rejects.toThrow(
      /^identity: trust anchor .*broken\.cert\.pem /,
    );
  });

  it('names the missing peerCertificates folder', async () => {
    await expect(loadPeerCertificates(join(pki, 'peers'))).rejects.toThrow(
      /^peerCertificates: .*peers/,
    );
  });
});
