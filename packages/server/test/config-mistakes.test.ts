// Configuration mistakes that an integrator makes. The server rejects each at start with an error
// that names the field or the file, rather than run without the protection it was given or fail
// every request.
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNodeCrypto } from '@mcptt-smime/smime/node';
import { parseConfig } from '../src/config.js';
import { loadCredentials, loadPeerCertificates } from '../src/identity-files.js';
import { createDemoPki } from '../src/openssl-ca.js';
import { DOMAIN, SERVER_URI } from './helpers/mcptt-test-client.js';

const ALICE = `sip:alice@${DOMAIN}`;
const DAY_MS = 24 * 3_600_000;

const IDENTITY = {
  key: 'pki/mcptt-server.key.pem',
  certificate: 'pki/mcptt-server.cert.pem',
  trustAnchors: ['pki/ca.cert.pem'],
};

const ENGINE_1 = { id: `sip:engine-1@${DOMAIN}`, displayName: 'Engine 1', members: [ALICE] };

const ENROLMENT = { caCertificate: 'pki/ca.cert.pem', caKey: 'pki/ca.key.pem', codes: {} };

/** Returns a valid configuration with `change` applied. */
function configWith(change: Record<string, unknown>): Record<string, unknown> {
  return {
    serverUri: SERVER_URI,
    identity: IDENTITY,
    users: [{ uri: ALICE }],
    groups: [],
    ...change,
  };
}

describe('parseConfig with a mistake', () => {
  it('accepts the valid configuration', () => {
    expect(() => parseConfig(configWith({}), '/srv/mcptt')).not.toThrow();
  });

  it('accepts every documented field', () => {
    const config = configWith({
      identity: { ...IDENTITY, revocationLists: ['pki/ca.crl.pem'], revocation: 'require' },
      peerCertificates: 'pki',
      users: [{ uri: ALICE, displayName: 'Alice', mayCancelEmergencies: true }],
      groups: [ENGINE_1],
      enrolment: { ...ENROLMENT, port: 0, validityDays: 30 },
      insecurePlainCalls: false,
      floor: { maxTalkTimeMs: 30_000, queueCapacity: 8 },
      stateFile: 'state.json',
    });

    expect(() => parseConfig(config, '/srv/mcptt')).not.toThrow();
  });

  it('rejects a misspelt revocationLists', () => {
    // Without the error, the server checks no certificate against the CA's list.
    const identity = { ...IDENTITY, revocationList: ['pki/ca.crl.pem'] };

    expect(() => parseConfig(configWith({ identity }), '/srv/mcptt')).toThrow(
      /identity\.revocationList/,
    );
  });

  it('lists the known fields', () => {
    const identity = { ...IDENTITY, revocationList: ['pki/ca.crl.pem'] };

    expect(() => parseConfig(configWith({ identity }), '/srv/mcptt')).toThrow(
      new TypeError(
        'identity.revocationList is not a known field. Check its spelling ' +
          '(expected: key, certificate, trustAnchors, revocationLists, revocation)',
      ),
    );
  });

  it('rejects a misspelt stateFile', () => {
    expect(() => parseConfig(configWith({ statefile: 'state.json' }), '/srv/mcptt')).toThrow(
      /statefile/,
    );
  });

  it.each([
    ['users[0].displayname', { users: [{ uri: ALICE, displayname: 'Alice' }] }],
    ['groups[0].member', { groups: [{ ...ENGINE_1, member: [ALICE] }] }],
    ['enrolment.validity', { enrolment: { ...ENROLMENT, validity: 30 } }],
    ['floor.queueSize', { floor: { queueSize: 4 } }],
  ])('rejects an unknown field %s', (field, change) => {
    expect(() => parseConfig(configWith(change), '/srv/mcptt')).toThrow(TypeError);
    expect(() => parseConfig(configWith(change), '/srv/mcptt')).toThrow(
      `${field} is not a known field`,
    );
  });

  it("rejects revocation 'require' without lists", () => {
    // No list covers any certificate, so every signed request would get 403.
    const identity = { ...IDENTITY, revocation: 'require' };

    expect(() => parseConfig(configWith({ identity }), '/srv/mcptt')).toThrow(
      /identity\.revocation/,
    );
  });

  it("rejects revocation 'require' with empty lists", () => {
    const identity = { ...IDENTITY, revocation: 'require', revocationLists: [] };

    expect(() => parseConfig(configWith({ identity }), '/srv/mcptt')).toThrow(
      /^identity\.revocation: 'require'/,
    );
  });

  it('rejects empty trustAnchors', () => {
    // No signature could chain to a trust anchor, so every signed request would get 403.
    const identity = { ...IDENTITY, trustAnchors: [] };

    expect(() => parseConfig(configWith({ identity }), '/srv/mcptt')).toThrow(
      /identity\.trustAnchors/,
    );
  });

  it('rejects two users with one address-of-record', () => {
    const users = [{ uri: `sip:alice@${DOMAIN}` }, { uri: `sip:alice@${DOMAIN.toUpperCase()}` }];

    expect(() => parseConfig(configWith({ users }), '/srv/mcptt')).toThrow(/users\[1\]/);
  });

  it('accepts a member by address-of-record', () => {
    // The registry compares members as addresses of record, so the host's case does not matter.
    const groups = [{ ...ENGINE_1, members: [`sip:alice@${DOMAIN.toUpperCase()}`] }];

    expect(() => parseConfig(configWith({ groups }), '/srv/mcptt')).not.toThrow();
  });

  it('rejects a member who is not a user', () => {
    const groups = [{ ...ENGINE_1, members: [`sip:bob@${DOMAIN}`] }];

    expect(() => parseConfig(configWith({ groups }), '/srv/mcptt')).toThrow(
      new TypeError(`groups[0].members: sip:bob@${DOMAIN} is not a configured user`),
    );
  });

  it('rejects two groups with one ID', () => {
    // The registry finds groups by address-of-record, so the second would hide the first.
    const groups = [ENGINE_1, { ...ENGINE_1, id: `sip:engine-1@${DOMAIN.toUpperCase()}` }];

    expect(() => parseConfig(configWith({ groups }), '/srv/mcptt')).toThrow(
      new TypeError(
        `groups[1].id: sip:engine-1@${DOMAIN.toUpperCase()} names the same group as ` +
          `groups[0] (address-of-record sip:engine-1@${DOMAIN}). Give each group its own URI`,
      ),
    );
  });

  it('rejects a group ID of a user', () => {
    // Short data to Alice would go to the group's members instead.
    const groups = [{ ...ENGINE_1, id: ALICE }];

    expect(() => parseConfig(configWith({ groups }), '/srv/mcptt')).toThrow(
      new TypeError(
        `groups[0].id: ${ALICE} is also the address-of-record of a configured user. ` +
          'Give the group its own URI',
      ),
    );
  });

  it('rejects a group ID of the server', () => {
    const groups = [{ ...ENGINE_1, id: SERVER_URI }];

    expect(() => parseConfig(configWith({ groups }), '/srv/mcptt')).toThrow(
      /^groups\[0\]\.id: .* of the server\. Give the group its own URI$/,
    );
  });

  it('rejects one member twice', () => {
    // A group call would invite the member twice.
    const groups = [{ ...ENGINE_1, members: [ALICE, `sip:alice@${DOMAIN.toUpperCase()}`] }];

    expect(() => parseConfig(configWith({ groups }), '/srv/mcptt')).toThrow(
      /^groups\[0\]\.members\[1\]/,
    );
  });
});

describe('identity files with a mistake', () => {
  let pki: string;
  const crypto = createNodeCrypto();
  const file = (name: string) => join(pki, name);
  const serverFiles = () => ({
    key: file('mcptt-server.key.pem'),
    certificate: file('mcptt-server.cert.pem'),
    trustAnchors: [file('ca.cert.pem')],
  });

  beforeAll(async () => {
    pki = join(await mkdtemp(join(tmpdir(), 'mcptt-config-')), 'pki');
    await createDemoPki({ folder: pki, domain: DOMAIN, users: ['alice'], server: 'mcptt-server' });
  });

  it('accepts the files of the demo PKI', async () => {
    await expect(loadCredentials(crypto, SERVER_URI, serverFiles())).resolves.toBeDefined();
  });

  it('rejects a key of another certificate', async () => {
    // Clients encrypt for the certificate, so the server could open no request.
    const files = {
      key: file('alice.key.pem'),
      certificate: file('mcptt-server.cert.pem'),
      trustAnchors: [file('ca.cert.pem')],
    };

    await expect(loadCredentials(crypto, SERVER_URI, files)).rejects.toThrow(/identity\.key/);
  });

  it('names a key file without a key', async () => {
    const files = { ...serverFiles(), key: file('mcptt-server.cert.pem') };

    await expect(loadCredentials(crypto, SERVER_URI, files)).rejects.toThrow(
      `identity.key: ${file('mcptt-server.cert.pem')}: PEM block PRIVATE KEY is missing`,
    );
  });

  it('names a certificate file without a certificate', async () => {
    const files = { ...serverFiles(), certificate: file('mcptt-server.key.pem') };

    await expect(loadCredentials(crypto, SERVER_URI, files)).rejects.toThrow(
      `identity.certificate: ${file('mcptt-server.key.pem')}: PEM block CERTIFICATE is missing`,
    );
  });

  it('names a trust anchor file without a certificate', async () => {
    const files = {
      key: file('mcptt-server.key.pem'),
      certificate: file('mcptt-server.cert.pem'),
      trustAnchors: [file('ca.key.pem')],
    };

    await expect(loadCredentials(crypto, SERVER_URI, files)).rejects.toThrow(/ca\.key\.pem/);
    await expect(loadCredentials(crypto, SERVER_URI, files)).rejects.toThrow(
      /^identity\.trustAnchors\[0\]/,
    );
  });

  it('rejects an expired server certificate', async () => {
    // The demo PKI issues certificates for 30 days.
    const later = new Date(Date.now() + 60 * DAY_MS);

    await expect(loadCredentials(crypto, SERVER_URI, serverFiles(), later)).rejects.toThrow(
      /^identity\.certificate: .* expired at its notAfter \d{4}-\d\d-\d\dT/,
    );
  });

  it('rejects a server certificate not yet valid', async () => {
    const earlier = new Date(Date.now() - DAY_MS);

    await expect(loadCredentials(crypto, SERVER_URI, serverFiles(), earlier)).rejects.toThrow(
      /^identity\.certificate: .* is not valid before its notBefore \d{4}-\d\d-\d\dT/,
    );
  });

  it('names a peer certificate file without a certificate', async () => {
    const peers = join(pki, '..', 'peers');
    await mkdir(peers);
    // A key file copied under a certificate's name.
    await copyFile(file('alice.key.pem'), join(peers, 'alice.cert.pem'));

    await expect(loadPeerCertificates(peers)).rejects.toThrow(/alice\.cert\.pem/);
  });
});
