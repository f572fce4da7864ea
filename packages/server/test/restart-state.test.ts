import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64Encode, pemDecode, type SipMessage } from '@mcptt-smime/smime';
import { opensslAvailable, opensslCrl } from '../../smime/test/cms/openssl-crl.js';
import { textPart } from '../src/body-parts.js';
import { randomToken } from '../src/sip-builder.js';
import type { RegistrySnapshot } from '../src/registry.js';
import {
  affiliation,
  callInvite,
  connectAuthorised,
  isInvite,
  mcpttInfo,
  publish,
} from './helpers/call-setup.js';
import { SERVER_URI, status, type McpttTestClient } from './helpers/mcptt-test-client.js';
import { GROUP_ID, startFixture, type ServerFixture } from './helpers/server-fixture.js';

const BOB = 'sip:bob@mcptt.example';
const GROUP_CALL = { sessionType: 'prearranged', callingGroupId: GROUP_ID } as const;

/** Protects short data from alice to bob, with signed copies of its Call-ID and CSeq. */
function boundShortData(alice: McpttTestClient, text: string): Promise<SipMessage> {
  return alice.protect(
    alice.request('MESSAGE', SERVER_URI, [
      mcpttInfo({ calledPartyId: BOB }),
      textPart('text/plain', text),
    ]),
    undefined,
    ['Call-ID', 'CSeq'],
  );
}

async function shortDataToBob(alice: McpttTestClient, text: string) {
  return status(await alice.send(await boundShortData(alice, text)));
}

/** `message` once more, as the core would send it: the same request in a new transaction. */
const resent = (message: SipMessage) =>
  message.withHeader('Via', `SIP/2.0/WS replay.invalid;branch=z9hG4bKresent${randomToken()}`);

describe('a server restarted with a state file', () => {
  let fixture: ServerFixture;
  let clients: Record<string, McpttTestClient> = {};
  const client = (name: string) => clients[name] as McpttTestClient;

  beforeAll(async () => {
    fixture = await startFixture('relay', { stateFile: true });
    clients = await connectAuthorised(fixture, ['alice', 'bob']);
    await publish(client('bob'), 'presence', affiliation([GROUP_ID]));
    await fixture.restartServer();
  });

  afterAll(async () => {
    await fixture?.stop();
    for (const user of Object.values(clients)) user.close();
  });

  it('keeps the authorisations and certificates', async () => {
    expect(await shortDataToBob(client('alice'), 'after the restart')).toBe(200);
    const atBob = await client('bob').receive((i) => i.raw.method === 'MESSAGE');
    expect(atBob.error).toBeUndefined();
  });

  it('keeps the affiliations', async () => {
    const alice = client('alice');
    const answer = alice.send(await callInvite(alice, GROUP_CALL));

    const invite = await client('bob').receive(isInvite);

    expect(invite.error).toBeUndefined();
    expect(status(await answer)).toBe(200);
  });

  it('writes the file for its owner alone', async () => {
    const file = fixture.stateFile as string;

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const snapshot = JSON.parse(await readFile(file, 'utf8')) as RegistrySnapshot;
    expect(snapshot.users.map((user) => user.uri).sort()).toEqual([
      'sip:alice@mcptt.example',
      'sip:bob@mcptt.example',
    ]);
  });

  it('rejects a request that the core sends again after the restart', async () => {
    const alice = client('alice');
    const message = await boundShortData(alice, 'sent before the restart');
    expect(status(await alice.send(message))).toBe(200);
    await client('bob').receive((i) => i.raw.method === 'MESSAGE');

    await fixture.restartServer();
    const before = fixture.logLines.length;

    expect(status(await alice.send(resent(message)))).toBe(403);
    expect(fixture.logLines.slice(before).join('\n')).toContain('"code":"ERR_REPLAYED"');
    expect((await stat(`${fixture.stateFile as string}.replay`)).mode & 0o777).toBe(0o600);
    expect(await shortDataToBob(alice, 'a new request')).toBe(200);
    await client('bob').receive((i) => i.raw.method === 'MESSAGE');
  });

  it('withdraws a user whose restored certificate fails the checks', async () => {
    const file = fixture.stateFile as string;
    // alice's certificate from a CA that the server does not trust.
    const pem = await readFile(join(fixture.untrustedPki, 'alice.cert.pem'), 'utf8');
    const [untrusted] = pemDecode(pem, 'CERTIFICATE') as [Uint8Array];

    const server = await fixture.restartServer(async () => {
      const snapshot = JSON.parse(await readFile(file, 'utf8')) as RegistrySnapshot;
      const users = snapshot.users.map((user) =>
        user.uri === 'sip:alice@mcptt.example'
          ? { ...user, certificate: base64Encode(untrusted) }
          : user,
      );
      await writeFile(file, JSON.stringify({ ...snapshot, users }));
    });

    expect(server.context.registry.isAuthorised('sip:alice@mcptt.example')).toBe(false);
    expect(server.context.registry.certificate('sip:alice@mcptt.example')).toBeUndefined();
    expect(server.context.registry.isAuthorised(BOB)).toBe(true);
    const withdrawn = fixture.logLines.filter((line) =>
      line.includes('restored user withdrawn: certificate no longer valid'),
    );
    expect(withdrawn).toHaveLength(1);
    expect(withdrawn[0]).toContain('"code":"ERR_CERT_UNTRUSTED"');
  });

  it('starts without a state file it cannot read', async () => {
    const server = await fixture.restartServer(() =>
      writeFile(fixture.stateFile as string, '{"version": 1, "users": ['),
    );

    expect(server.context.registry.isAuthorised(BOB)).toBe(false);
    expect(
      fixture.logLines.some((line) => line.includes('state file not usable: starting without it')),
    ).toBe(true);
  });
});

/** Replaces the certificate of `uri` in a state file with `der`. */
async function replaceCertificate(file: string, uri: string, der: Uint8Array): Promise<void> {
  const snapshot = JSON.parse(await readFile(file, 'utf8')) as RegistrySnapshot;
  const users = snapshot.users.map((user) =>
    user.uri === uri ? { ...user, certificate: base64Encode(der) } : user,
  );
  await writeFile(file, JSON.stringify({ ...snapshot, users }));
}

describe.skipIf(!opensslAvailable)('a restored certificate', () => {
  let fixture: ServerFixture;
  let clients: Record<string, McpttTestClient> = {};
  const withdrawnLines = () =>
    fixture.logLines.filter((line) =>
      line.includes('restored user withdrawn: certificate no longer valid'),
    );

  beforeAll(async () => {
    // Every certificate must be covered by a list of its CA, as the fresh checks demand.
    fixture = await startFixture('relay', {
      stateFile: true,
      revokedUsers: [],
      revocation: 'require',
    });
    clients = await connectAuthorised(fixture, ['alice', 'bob']);
  });

  afterAll(async () => {
    await fixture?.stop();
    for (const user of Object.values(clients)) user.close();
  });

  it('must name its user', async () => {
    // bob's certificate is valid and from the trusted CA, but does not name alice.
    const pem = await readFile(join(fixture.pki, 'bob.cert.pem'), 'utf8');
    const [bobs] = pemDecode(pem, 'CERTIFICATE') as [Uint8Array];

    const server = await fixture.restartServer(() =>
      replaceCertificate(fixture.stateFile as string, 'sip:alice@mcptt.example', bobs),
    );

    expect(server.context.registry.certificate('sip:alice@mcptt.example')).toBeUndefined();
    expect(server.context.registry.isAuthorised('sip:alice@mcptt.example')).toBe(false);
    expect(server.context.registry.isAuthorised(BOB)).toBe(true);
    expect(withdrawnLines()).toHaveLength(1);
    expect(withdrawnLines()[0]).toContain('"code":"ERR_IDENTITY_MISMATCH"');
  });

  it('follows identity.revocation', async () => {
    // A list of another CA leaves the users' CA without one, which `require` does not accept.
    const server = await fixture.restartServer(async () => {
      const list = opensslCrl({
        caCertificate: join(fixture.untrustedPki, 'ca.cert.pem'),
        caKey: join(fixture.untrustedPki, 'ca.key.pem'),
      });
      await writeFile(join(fixture.pki, 'ca.crl.pem'), list.pem);
    });

    expect(server.context.registry.certificate(BOB)).toBeUndefined();
    expect(server.context.registry.isAuthorised(BOB)).toBe(false);
    expect(withdrawnLines()).toHaveLength(2);
    expect(withdrawnLines()[1]).toContain('"code":"ERR_CERT_UNTRUSTED"');
  });
});

describe('a server restarted without a state file', () => {
  let fixture: ServerFixture;
  let clients: Record<string, McpttTestClient> = {};

  beforeAll(async () => {
    fixture = await startFixture('relay');
    clients = await connectAuthorised(fixture, ['alice', 'bob']);
    await fixture.restartServer();
  });

  afterAll(async () => {
    await fixture?.stop();
    for (const user of Object.values(clients)) user.close();
  });

  it('rejects short data until the sender publishes again', async () => {
    const alice = clients.alice as McpttTestClient;

    expect(await shortDataToBob(alice, 'forgotten')).toBe(403);
  });
});
