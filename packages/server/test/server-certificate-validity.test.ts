// McpttServer.start() with a server certificate outside its validity. Clients reject every
// request and response that such a server signs, so it should not start.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from '@mcptt-smime/sip-core';
import { parseConfig } from '../src/config.js';
import { McpttServer } from '../src/mcptt-server.js';
import { createDemoPki } from '../src/openssl-ca.js';
import { DOMAIN, SERVER_URI } from './helpers/mcptt-test-client.js';
import { DEMO_PKI_IDENTITY } from './helpers/server-fixture.js';

const DAY_MS = 24 * 3_600_000;

const running: McpttServer[] = [];
const cores: RunningRelay[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) await server.stop().catch(() => undefined);
  for (const core of cores.splice(0)) await core.stop();
});

/** Starts a server on a new demo PKI and a relay, with its clock `offsetMs` ahead. */
async function startServer(offsetMs: number): Promise<McpttServer> {
  const folder = await mkdtemp(join(tmpdir(), 'mcptt-validity-'));
  await createDemoPki({
    folder: join(folder, 'pki'),
    domain: DOMAIN,
    users: ['alice'],
    server: 'mcptt-server',
  });
  const config = parseConfig(
    {
      serverUri: SERVER_URI,
      identity: DEMO_PKI_IDENTITY,
      users: [{ uri: `sip:alice@${DOMAIN}` }],
      groups: [],
    },
    folder,
  );
  const core = await startRelay({ bodyLogFile: join(folder, 'bodies.log') });
  cores.push(core);

  const server = await McpttServer.start({
    config,
    coreUrl: core.url,
    logger: pino({ level: 'silent' }),
    now: () => new Date(Date.now() + offsetMs),
  });
  running.push(server);
  return server;
}

describe('a server certificate outside its validity', () => {
  it('rejects start() after it expired', async () => {
    // The demo PKI issues certificates for 30 days.
    await expect(startServer(60 * DAY_MS)).rejects.toThrow(/identity\.certificate/);
  });
});
