/**
 * The SDK registers through a real Kamailio that challenges REGISTER with digest authentication
 * (the WITH_DIGEST_AUTH define of kamailio.cfg).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { runsWithTool } from '../../../tools/required-tool.js';
import {
  findKamailio,
  parseBodyLog,
  startKamailio,
  type RunningKamailio,
} from '@mcptt-smime/sip-core';
import type { SipCredentials } from '../src/adapter/jssip/jssip-ua.js';
import { McpttClient } from '../src/api/mcptt-client.js';
import type { LogContext, SdkLogger } from '../src/core/logger.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { RawPeer } from './helpers/raw-peer.js';
import { installWebRtcShims } from './helpers/webrtc-shims.js';

const PASSWORD = 'k4m-Digest.pass';
const ACCESS_TOKEN = 'access-token-digest-7c1d';

const kamailioRuns = runsWithTool(findKamailio() !== undefined);

describe.skipIf(!kamailioRuns)('SDK through Kamailio with digest', () => {
  let core: RunningKamailio | undefined;
  let folder = '';
  let restore: () => void = () => undefined;
  const clients: McpttClient[] = [];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sdk-kamailio-digest-'));
    core = await startKamailio({
      bodyLogFile: join(folder, 'bodies.log'),
      logFile: join(folder, 'kamailio.log'),
      digestPassword: PASSWORD,
    });
    restore = installWebRtcShims({ WebSocket });
  }, 30_000);

  afterAll(async () => {
    for (const client of clients) client.stop();
    restore();
    await core?.stop();
    await rm(folder, { recursive: true, force: true });
  }, 30_000);

  /**
   * Starts a client of `user` whose REGISTER carries a protected access token, and records the
   * methods of the requests that its pipeline protected.
   */
  async function startClient(user: 'alice' | 'bob', credentials?: SipCredentials) {
    const stores = await createKeyStores();
    const protectedMethods: unknown[] = [];
    const record = (_category: string, message: string, context?: LogContext) => {
      if (message === 'message protected') protectedMethods.push(context?.['method']);
    };
    const logger: SdkLogger = { debug: record, info: record, warn: record, error: record };
    const client = new McpttClient({
      uri: `sip:${user}@example.org`,
      url: core?.url ?? '',
      crypto: testCrypto,
      keyStore: stores[user],
      now: stores.now,
      serverCertificates: [stores.pki.certificate('server')],
      accessToken: ACCESS_TOKEN,
      logger,
      ...(credentials === undefined ? {} : { sipCredentials: credentials }),
    });
    clients.push(client);
    await client.start();
    return { client, protectedMethods };
  }

  it('registers with the shared password', async () => {
    const alice = await startClient('alice', { password: PASSWORD });

    await expect(alice.client.register()).resolves.toBeUndefined();
    // The core challenged the first REGISTER, and JsSIP sent it again with credentials.
    expect(alice.protectedMethods).toEqual(['REGISTER', 'REGISTER']);
  });

  it('fails register() with a wrong password', async () => {
    const bob = await startClient('bob', { password: `${PASSWORD}-wrong` });

    await expect(bob.client.register()).rejects.toMatchObject({
      name: 'SipRequestFailedError',
      sipStatus: 401,
    });
    expect(bob.protectedMethods).toEqual(['REGISTER', 'REGISTER']);
  });

  it('fails register() without credentials', async () => {
    const bob = await startClient('bob');

    await expect(bob.client.register()).rejects.toMatchObject({
      name: 'SipRequestFailedError',
      sipStatus: 401,
    });
  });

  it('challenges the MCPTT server REGISTER too', async () => {
    const stores = await createKeyStores();
    const server = await RawPeer.connect({
      url: core?.url ?? '',
      identity: await stores.pki.identity('server'),
      trustAnchors: [stores.pki.caCertificate],
      now: stores.now,
    });

    try {
      expect(await server.register('sip:example.org')).toBe(401);
    } finally {
      server.close();
    }
  });

  it('keeps the password out of the body log', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    await core?.stop();
    core = undefined;
    const records = parseBodyLog(await readFile(join(folder, 'bodies.log'), 'utf8'));
    const registers = records.filter((r) => r.kind === 'request' && r.method === 'REGISTER');

    // Two REGISTERs of each of the first two clients and one of the third, each with a body.
    expect(registers).toHaveLength(5);
    for (const record of records) {
      expect(record.body).not.toContain(PASSWORD);
      expect(record.body).not.toContain(ACCESS_TOKEN);
    }
  });
});
