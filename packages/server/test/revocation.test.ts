import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemEncode } from '@mcptt-smime/smime';
import { parseCertificate } from '../../smime/src/cms/certificate.js';
import { buildCrl } from '../../smime/test/cms/crl-builder.js';
import { opensslAvailable, opensslCrl } from '../../smime/test/cms/openssl-crl.js';
import { MEDIA_TYPES, textPart } from '../src/body-parts.js';
import { parseConfig } from '../src/config.js';
import { loadRevocationLists } from '../src/identity-files.js';
import { buildMcpttInfo } from '../src/mcptt-xml.js';
import { DOMAIN, McpttTestClient, SERVER_URI, status } from './helpers/mcptt-test-client.js';

import { startFixture, type ServerFixture } from './helpers/server-fixture.js';
import { asIssuer, demoCa, issue, type Issuer } from './helpers/test-ca.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Sends a PUBLISH of poc-settings, the service authorisation, and returns its status. */
async function authorise(client: McpttTestClient): Promise<number> {
  const publish = await client.protect(
    client.request(
      'PUBLISH',
      SERVER_URI,
      [textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo({ clientId: `${client.uri}-1` }))],
      [{ name: 'Event', value: 'poc-settings' }],
    ),
  );
  return status(await client.send(publish));
}

describe.skipIf(!opensslAvailable)('server with a revocation list', () => {
  let fixture: ServerFixture;
  const clients: McpttTestClient[] = [];

  beforeAll(async () => {
    fixture = await startFixture('relay', { revokedUsers: ['dave'], revocation: 'require' });
    for (const name of ['alice', 'dave']) {
      const client = await McpttTestClient.connect(fixture.coreUrl, name, fixture.pki, fixture.pki);
      expect(await client.bind()).toBe(200);
      clients.push(client);
    }
  });

  afterAll(async () => {
    for (const client of clients) {
      client.close();
    }
    await fixture?.stop();
  });

  it('rejects a revoked client with 403', async () => {
    const [, dave] = clients;
    if (dave === undefined) throw new Error('client missing');

    expect(await authorise(dave)).toBe(403);
    const rejections = fixture.logLines
      .map((line) => JSON.parse(line) as { msg?: string; code?: string; method?: string })
      .filter((entry) => entry.msg === 'request rejected' && entry.method === 'PUBLISH');
    expect(rejections.map((entry) => entry.code)).toContain('ERR_CERT_REVOKED');
  });

  it('accepts a client the list leaves out', async () => {
    const [alice] = clients;
    if (alice === undefined) throw new Error('client missing');

    expect(await authorise(alice)).toBe(200);
  });
});

describe.skipIf(!opensslAvailable)('server reloading its revocation lists', () => {
  let fixture: ServerFixture;
  let dave: McpttTestClient;

  beforeAll(async () => {
    fixture = await startFixture('relay', { revokedUsers: [] });
    dave = await McpttTestClient.connect(fixture.coreUrl, 'dave', fixture.pki, fixture.pki);
    expect(await dave.bind()).toBe(200);
  });

  afterAll(async () => {
    dave?.close();
    await fixture?.stop();
  });

  it('applies a newer list after a reload', async () => {
    const before = await authorise(dave);
    const list = opensslCrl({
      caCertificate: join(fixture.pki, 'ca.cert.pem'),
      caKey: join(fixture.pki, 'ca.key.pem'),
      revoke: [{ certificate: join(fixture.pki, 'dave.cert.pem'), reason: 'keyCompromise' }],
    });
    await writeFile(join(fixture.pki, 'ca.crl.pem'), list.pem);

    const registry = fixture.server.context.registry;
    const authorisedBefore = registry.isAuthorised(dave.uri);
    const count = await fixture.server.reloadRevocationLists();

    expect(before).toBe(200);
    expect(authorisedBefore).toBe(true);
    expect(count).toBe(1);
    // The reload withdraws the revoked user at once, not when the authorisation lapses.
    expect(registry.isAuthorised(dave.uri)).toBe(false);
    expect(registry.certificate(dave.uri)).toBeUndefined();
    expect(
      fixture.logLines.some((line) => line.includes('user withdrawn: certificate revoked')),
    ).toBe(true);
    expect(await authorise(dave)).toBe(403);
  });

  it('keeps the lists in force when a file breaks', async () => {
    const inForce = fixture.server.context.revocationLists;
    await writeFile(join(fixture.pki, 'ca.crl.pem'), Uint8Array.of(0x30, 0x01));

    await expect(fixture.server.reloadRevocationLists()).rejects.toThrow(TypeError);
    expect(fixture.server.context.revocationLists).toBe(inForce);
  });
});

describe.skipIf(!opensslAvailable)('reloading lists for an intermediate CA', () => {
  let fixture: ServerFixture;
  let erin: McpttTestClient;
  let intermediate: Issuer;

  /** Issues `erin`'s key and certificate from an intermediate CA of the fixture's CA. */
  async function issueFromIntermediate(folder: string): Promise<void> {
    intermediate = asIssuer(
      await issue(await demoCa(fixture.pki), 'Intermediate CA', { serial: 0x7001 }),
    );
    const erin = await issue(intermediate, 'erin', {
      serial: 0x7002,
      uris: [`sip:erin@${DOMAIN}`],
      extractable: true,
    });

    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', erin.keys.privateKey));
    await writeFile(join(folder, 'erin.key.pem'), pemEncode(pkcs8, 'PRIVATE KEY'));
    await writeFile(join(folder, 'erin.cert.pem'), pemEncode(erin.certificate, 'CERTIFICATE'));
  }

  beforeAll(async () => {
    fixture = await startFixture('relay', { revokedUsers: [], extraUsers: ['erin'] });
    const folder = await mkdtemp(join(tmpdir(), 'intermediate-'));
    await issueFromIntermediate(folder);
    erin = await McpttTestClient.connect(fixture.coreUrl, 'erin', folder, fixture.pki, [
      intermediate.certificate,
    ]);
    expect(await erin.bind()).toBe(200);
  });

  afterAll(async () => {
    erin?.close();
    await fixture?.stop();
  });

  it('withdraws a user whose intermediate CA revoked it', async () => {
    expect(await authorise(erin)).toBe(200);
    const list = await buildCrl(crypto, {
      issuerName: parseCertificate(intermediate.certificate).subjectName,
      signingKey: intermediate.key,
      thisUpdate: new Date(Date.now() - DAY_MS),
      nextUpdate: new Date(Date.now() + DAY_MS),
      entries: [{ serial: 0x7002, date: new Date(Date.now() - DAY_MS), reason: 1 }],
    });
    await writeFile(join(fixture.pki, 'ca.crl.pem'), pemEncode(list, 'X509 CRL'));
    const registry = fixture.server.context.registry;

    await fixture.server.reloadRevocationLists();

    expect(registry.isAuthorised(erin.uri)).toBe(false);
    expect(registry.certificate(erin.uri)).toBeUndefined();
  });
});

describe('revocation configuration', () => {
  const identity = { key: 'k.pem', certificate: 'c.pem', trustAnchors: ['ca.pem'] };
  const config = (extra: Record<string, unknown>) => ({
    serverUri: SERVER_URI,
    identity: { ...identity, ...extra },
    users: [],
    groups: [],
  });

  it('resolves the list paths', () => {
    const parsed = parseConfig(
      config({ revocationLists: ['pki/ca.crl.pem'], revocation: 'require' }),
      '/srv',
    );

    expect(parsed.identity.revocationLists).toEqual(['/srv/pki/ca.crl.pem']);
    expect(parsed.identity.revocation).toBe('require');
  });

  it('rejects an unknown mode', () => {
    expect(() => parseConfig(config({ revocation: 'always' }), '/srv')).toThrow(
      "identity.revocation: expected 'if-available' or 'require'",
    );
  });

  it('rejects lists that are no array', () => {
    expect(() => parseConfig(config({ revocationLists: 'ca.crl' }), '/srv')).toThrow(
      'identity.revocationLists: expected an array',
    );
  });

  it('names a list file that cannot be parsed', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'mcptt-server-crl-')), 'bad.crl');
    await writeFile(file, Uint8Array.of(0x30, 0x01));

    await expect(loadRevocationLists(file)).rejects.toThrow(
      `identity.revocationLists: ${file}: CRL is not valid DER`,
    );
  });
});
