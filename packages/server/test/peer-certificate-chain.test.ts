// A user's certificate in `peerCertificates` that an intermediate CA issued: the file carries the
// intermediate after the user's certificate, as a PEM chain does.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from '@mcptt-smime/sip-core';
import { pemEncode } from '@mcptt-smime/smime';
import { parseConfig } from '../src/config.js';
import { loadPeerCertificates } from '../src/identity-files.js';
import { McpttServer } from '../src/mcptt-server.js';
import { createDemoPki } from '../src/openssl-ca.js';
import { DOMAIN, SERVER_URI } from './helpers/mcptt-test-client.js';
import { DEMO_PKI_IDENTITY, logCapture } from './helpers/server-fixture.js';
import { asIssuer, demoCa, issue } from './helpers/test-ca.js';

const ERIN = `sip:erin@${DOMAIN}`;

const running: McpttServer[] = [];
const cores: RunningRelay[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) await server.stop().catch(() => undefined);
  for (const core of cores.splice(0)) await core.stop();
});

/** Creates a demo PKI and erin's certificate from an intermediate CA below its CA. */
async function createChain() {
  const folder = await mkdtemp(join(tmpdir(), 'mcptt-peer-chain-'));
  const pki = join(folder, 'pki');
  await createDemoPki({ folder: pki, domain: DOMAIN, users: [], server: 'mcptt-server' });
  const intermediate = await issue(await demoCa(pki), 'Intermediate CA', { serial: 0x7101 });
  const erin = await issue(asIssuer(intermediate), 'erin', { serial: 0x7102, uris: [ERIN] });

  const peers = join(folder, 'peers');
  await mkdir(peers);
  return { folder, peers, erin: erin.certificate, intermediate: intermediate.certificate };
}

async function startServer(folder: string) {
  const config = parseConfig(
    {
      serverUri: SERVER_URI,
      identity: DEMO_PKI_IDENTITY,
      peerCertificates: 'peers',
      users: [{ uri: ERIN }],
      groups: [],
    },
    folder,
  );
  const core = await startRelay({ bodyLogFile: join(folder, 'bodies.log') });
  cores.push(core);
  const { logLines, stream } = logCapture();
  const server = await McpttServer.start({
    config,
    coreUrl: core.url,
    logger: pino({ level: 'debug' }, stream),
  });
  running.push(server);
  return { server, logLines };
}

describe('a peer certificate below an intermediate CA', () => {
  it('reads the intermediate from its file', async () => {
    const { peers, erin, intermediate } = await createChain();
    const chain = pemEncode(erin, 'CERTIFICATE') + pemEncode(intermediate, 'CERTIFICATE');
    await writeFile(join(peers, 'erin.cert.pem'), chain);

    const loaded = await loadPeerCertificates(peers);

    expect([...loaded.keys()]).toEqual([ERIN]);
    expect(loaded.get(ERIN)).toEqual({ certificate: erin, intermediates: [intermediate] });
  });

  it('configures the user with the intermediate', async () => {
    const { folder, peers, erin, intermediate } = await createChain();
    const chain = pemEncode(erin, 'CERTIFICATE') + pemEncode(intermediate, 'CERTIFICATE');
    await writeFile(join(peers, 'erin.cert.pem'), chain);

    const { server } = await startServer(folder);

    expect(server.context.registry.certificates()).toEqual([
      [ERIN, { certificate: erin, intermediates: [intermediate] }],
    ]);
  });

  it('skips the user without the intermediate', async () => {
    const { folder, peers, erin } = await createChain();
    await writeFile(join(peers, 'erin.cert.pem'), pemEncode(erin, 'CERTIFICATE'));

    const { server, logLines } = await startServer(folder);

    expect(server.context.registry.certificates()).toEqual([]);
    expect(logLines.join('\n')).toContain('peer certificate skipped: certificate not valid');
  });

  it('logs why it skipped the user', async () => {
    // Without the reason, an operator cannot tell a missing intermediate from a revocation.
    const { folder, peers, erin } = await createChain();
    await writeFile(join(peers, 'erin.cert.pem'), pemEncode(erin, 'CERTIFICATE'));

    const { logLines } = await startServer(folder);

    const skipped = logLines
      .map((line) => JSON.parse(line) as { msg?: string; user?: string; reason?: string })
      .find((line) => line.msg === 'peer certificate skipped: certificate not valid');
    expect(skipped?.user).toBe(ERIN);
    expect(skipped?.reason).toBe('certificate does not chain to a trust anchor');
  });
});
