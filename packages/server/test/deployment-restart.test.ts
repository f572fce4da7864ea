// Restarts of a server deployed as its README describes for an integrator: its own PKI, a
// `peerCertificates` folder and a `stateFile`.
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from '@mcptt-smime/sip-core';
import {
  BOUND_HEADERS,
  SipMessage,
  base64Encode,
  bytesEqual,
  pemDecode,
  protectMessage,
} from '@mcptt-smime/smime';
import { textPart } from '../src/body-parts.js';
import { parseConfig, type ServerConfig } from '../src/config.js';
import { McpttServer } from '../src/mcptt-server.js';
import { createDemoPki, generateKey, issueCertificate } from '../src/openssl-ca.js';
import type { RegistrySnapshot } from '../src/registry.js';
import { mcpttInfo, publish } from './helpers/call-setup.js';
import { DOMAIN, McpttTestClient, SERVER_URI, status } from './helpers/mcptt-test-client.js';
import { logCapture, DEMO_PKI_IDENTITY } from './helpers/server-fixture.js';

const ALICE = `sip:alice@${DOMAIN}`;
const BOB = `sip:bob@${DOMAIN}`;
const HOUR_MS = 3_600_000;

interface Deployment {
  readonly folder: string;
  readonly pki: string;
  readonly peers: string;
  readonly stateFile: string;
  readonly config: ServerConfig;
  readonly core: RunningRelay;
  readonly logLines: string[];
  /** Clock offset of the servers that {@link start} starts, in ms. */
  offsetMs: number;
  start(config?: ServerConfig, core?: RunningRelay): Promise<McpttServer>;
}

const running: McpttServer[] = [];
const cores: RunningRelay[] = [];
const clients: McpttTestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of running.splice(0)) await server.stop().catch(() => undefined);
  for (const core of cores.splice(0)) await core.stop();
});

/** Creates a PKI, a folder of peer certificates, a relay and an integrator's configuration. */
async function deploy(): Promise<Deployment> {
  const folder = await mkdtemp(join(tmpdir(), 'mcptt-deployment-'));
  const pki = join(folder, 'pki');
  const peers = join(folder, 'peers');
  await createDemoPki({
    folder: pki,
    domain: DOMAIN,
    users: ['alice', 'bob'],
    server: 'mcptt-server',
  });
  await mkdir(peers);
  await mkdir(join(folder, 'state'), { mode: 0o700 });
  for (const name of ['alice', 'bob']) {
    await copyFile(join(pki, `${name}.cert.pem`), join(peers, `${name}.cert.pem`));
  }

  const config = parseConfig(
    {
      serverUri: SERVER_URI,
      identity: DEMO_PKI_IDENTITY,
      peerCertificates: 'peers',
      users: [{ uri: ALICE }, { uri: BOB }],
      groups: [],
      stateFile: 'state/state.json',
    },
    folder,
  );

  const core = await startRelay({ bodyLogFile: join(folder, 'bodies.log') });
  cores.push(core);
  const { logLines, stream } = logCapture();

  const deployment: Deployment = {
    folder,
    pki,
    peers,
    stateFile: config.stateFile as string,
    config,
    core,
    logLines,
    offsetMs: 0,
    start: async (chosen = config, at = core) => {
      const server = await McpttServer.start({
        config: chosen,
        coreUrl: at.url,
        logger: pino({ level: 'debug' }, stream),
        now: () => new Date(Date.now() + deployment.offsetMs),
      });
      running.push(server);
      return server;
    },
  };
  return deployment;
}

async function stop(server: McpttServer): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.stop();
}

async function connect(deployment: Deployment, name: string): Promise<McpttTestClient> {
  const client = await McpttTestClient.connect(
    deployment.core.url,
    name,
    deployment.pki,
    deployment.pki,
  );
  clients.push(client);
  expect(await client.bind()).toBe(200);
  return client;
}

async function authorise(client: McpttTestClient): Promise<void> {
  await publish(client, 'poc-settings', mcpttInfo({ clientId: `${client.uri}-1` }));
}

/** Issues a second certificate for `name` from the deployment's CA, with a new key. */
async function reissue(deployment: Deployment, name: string): Promise<Uint8Array> {
  const key = join(deployment.folder, `${name}-2.key.pem`);
  await generateKey(key);
  const csrPem = execFileSync('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${name}`], {
    encoding: 'utf8',
  });
  const pem = await issueCertificate({
    csrPem,
    uri: `sip:${name}@${DOMAIN}`,
    caCertificateFile: join(deployment.pki, 'ca.cert.pem'),
    caKeyFile: join(deployment.pki, 'ca.key.pem'),
    days: 30,
  });
  await writeFile(join(deployment.peers, `${name}.cert.pem`), pem);
  return pemDecode(pem, 'CERTIFICATE')[0] as Uint8Array;
}

async function editState(
  file: string,
  uri: string,
  change: (user: Record<string, unknown>) => Record<string, unknown>,
): Promise<void> {
  const snapshot = JSON.parse(await readFile(file, 'utf8')) as RegistrySnapshot;
  const users = snapshot.users.map((user) =>
    user.uri === uri ? change(user as unknown as Record<string, unknown>) : user,
  );
  await writeFile(file, JSON.stringify({ ...snapshot, users }));
}

describe('a deployment with peerCertificates and a stateFile, restarted', () => {
  it('uses a replaced peer certificate', async () => {
    const deployment = await deploy();
    const first = await deployment.start();
    await authorise(await connect(deployment, 'alice'));
    await stop(first);

    // alice got a new key, and the operator put its certificate in the peer folder.
    const replaced = await reissue(deployment, 'alice');
    const second = await deployment.start();

    const used = second.context.registry.certificate(ALICE);
    expect(used).toBeDefined();
    expect(bytesEqual(used as Uint8Array, replaced)).toBe(true);
  });

  it('skips its own certificate in the peer folder quietly', async () => {
    // The demo PKI's folder, which the READMEs use as the peer folder, contains it.
    const deployment = await deploy();
    await copyFile(
      join(deployment.pki, 'mcptt-server.cert.pem'),
      join(deployment.peers, 'mcptt-server.cert.pem'),
    );
    await deployment.start();

    expect(deployment.logLines.filter((line) => line.includes('peer certificate skipped'))).toEqual(
      [],
    );
  });

  it('keeps a peer certificate over a failing stored one', async () => {
    const deployment = await deploy();
    const first = await deployment.start();
    await authorise(await connect(deployment, 'alice'));
    await stop(first);

    // The stored certificate comes from a CA that the server does not trust.
    const stranger = join(deployment.folder, 'stranger');
    await createDemoPki({ folder: stranger, domain: DOMAIN, users: ['alice'], server: 'x' });
    const [untrusted] = pemDecode(
      await readFile(join(stranger, 'alice.cert.pem'), 'utf8'),
      'CERTIFICATE',
    ) as [Uint8Array];
    await editState(deployment.stateFile, ALICE, (user) => ({
      ...user,
      certificate: base64Encode(untrusted),
    }));
    const [configured] = pemDecode(
      await readFile(join(deployment.peers, 'alice.cert.pem'), 'utf8'),
      'CERTIFICATE',
    ) as [Uint8Array];

    const second = await deployment.start();

    const used = second.context.registry.certificate(ALICE);
    expect(used).toBeDefined();
    expect(bytesEqual(used as Uint8Array, configured)).toBe(true);
  });

  it('caps a restored authorisation at 3600 s', async () => {
    const deployment = await deploy();
    const first = await deployment.start();
    await authorise(await connect(deployment, 'alice'));
    await stop(first);
    await editState(deployment.stateFile, ALICE, (user) => ({
      ...user,
      authorisedUntil: Date.now() + 10 * 365 * 24 * HOUR_MS,
    }));

    const second = await deployment.start();
    // Two hours on, past the 3600 s that the longest PUBLISH gives.
    deployment.offsetMs = 2 * HOUR_MS;

    expect(second.context.registry.isAuthorised(ALICE)).toBe(false);
  });

  it('ignores a publication time far ahead', async () => {
    const deployment = await deploy();
    const first = await deployment.start();
    const alice = await connect(deployment, 'alice');
    await authorise(alice);
    await stop(first);
    await editState(deployment.stateFile, ALICE, (user) => ({
      ...user,
      published: { authorisation: Date.now() + 365 * 24 * HOUR_MS },
    }));

    await deployment.start();

    const request = await alice.protect(
      alice.request(
        'PUBLISH',
        SERVER_URI,
        [mcpttInfo({ clientId: 'alice-2' })],
        [{ name: 'Event', value: 'poc-settings' }],
      ),
    );
    expect(status(await alice.send(request))).toBe(200);
  });

  it('rejects a request replayed after restart', async () => {
    const deployment = await deploy();
    const first = await deployment.start();
    const alice = await connect(deployment, 'alice');
    const bob = await connect(deployment, 'bob');
    await authorise(alice);
    await authorise(bob);
    const [serverCertificate] = pemDecode(
      await readFile(join(deployment.pki, 'mcptt-server.cert.pem'), 'utf8'),
      'CERTIFICATE',
    ) as [Uint8Array];
    // Bound to its Call-ID, CSeq and To, as the SDK binds its requests.
    const message = await protectMessage(
      alice.request('MESSAGE', SERVER_URI, [
        mcpttInfo({ calledPartyId: BOB }),
        textPart('text/plain', 'send the crew to gate 4'),
      ]),
      {
        crypto,
        signer: alice.identity,
        recipients: [serverCertificate],
        bindHeaders: BOUND_HEADERS,
      },
    );
    const captured = message.toBytes();
    expect(status(await alice.send(message))).toBe(200);
    await stop(first);

    await deployment.start();

    expect(status(await alice.send(SipMessage.parse(captured)))).toBe(403);
  });
});

describe('a stateFile that cannot be kept', () => {
  it('rejects start() without the folder', async () => {
    const deployment = await deploy();
    const config = {
      ...deployment.config,
      stateFile: join(deployment.folder, 'missing', 's.json'),
    };

    // Otherwise the server runs, and every change it makes is lost at its next start.
    await expect(deployment.start(config)).rejects.toThrow(/stateFile/);
  });

  it('rejects a folder that others can write', async () => {
    const deployment = await deploy();
    await chmod(join(deployment.folder, 'state'), 0o777);

    // Anyone who can replace the file can authorise users, as the README warns.
    await expect(deployment.start()).rejects.toThrow(/stateFile/);
  });

  it('rejects a second server on the file', async () => {
    const deployment = await deploy();
    await deployment.start();
    const otherCore = await startRelay({ bodyLogFile: join(deployment.folder, 'other.log') });
    cores.push(otherCore);

    // Each would overwrite what the other wrote, and a restart would keep only the last write.
    await expect(deployment.start(deployment.config, otherCore)).rejects.toThrow(/stateFile/);
  });
});
