/**
 * The server over its link to the SIP core, with a fake core: requests that come with the
 * handshake of a connection, a stop() while the server reconnects, and a start() that fails.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type ServerConfig } from '../src/config.js';
import { HANDSHAKE_TIMEOUT_MS } from '../src/core-connection.js';
import type { CoreConnectionState } from '../src/core-link.js';
import { McpttServer } from '../src/mcptt-server.js';
import { createDemoPki } from '../src/openssl-ca.js';
import { FakeCore, isResponseTo, optionsRequest } from './helpers/fake-core.js';
import { DOMAIN, SERVER_URI } from './helpers/mcptt-test-client.js';

let config: ServerConfig;
let core: FakeCore | undefined;
let server: McpttServer | undefined;

beforeAll(async () => {
  const folder = await mkdtemp(join(tmpdir(), 'mcptt-core-link-test-'));
  await createDemoPki({
    folder: join(folder, 'pki'),
    domain: DOMAIN,
    users: ['alice'],
    server: 'mcptt-server',
  });
  config = parseConfig(
    {
      serverUri: SERVER_URI,
      identity: {
        key: 'pki/mcptt-server.key.pem',
        certificate: 'pki/mcptt-server.cert.pem',
        trustAnchors: ['pki/ca.cert.pem'],
      },
      users: [{ uri: `sip:alice@${DOMAIN}` }],
      groups: [],
    },
    folder,
  );
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  await core?.stop();
  core = undefined;
});

/** Starts a server on `url` that records the states it reports. */
async function startServer(url: string, states: CoreConnectionState[]): Promise<McpttServer> {
  return McpttServer.start({
    config,
    coreUrl: url,
    logger: pino({ level: 'silent' }),
    onCoreConnectionChange: (state) => states.push(state),
  });
}

/**
 * Sends an OPTIONS and waits for its response. The server handles frames in order and responds to
 * an OPTIONS at once, so every earlier frame that gets a response has got it by then.
 */
async function pingServer(fakeCore: FakeCore): Promise<void> {
  const ping = optionsRequest();
  fakeCore.send(ping.text);
  await fakeCore.frame(isResponseTo(ping.callId));
}

/** Resolves true when `promise` settles within `limitMs` milliseconds, and false otherwise. */
async function settlesWithin(promise: Promise<unknown>, limitMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), limitMs);
  });
  try {
    return await Promise.race([promise.then(() => true), limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe('request sent with the handshake', () => {
  it('response on the first connection', async () => {
    core = await FakeCore.start();
    const early = optionsRequest();
    core.greeting = [early.text];

    server = await startServer(core.url, []);
    await pingServer(core);
    const responses = core.frames.filter(isResponseTo(early.callId));

    expect(responses).toHaveLength(1);
    expect(responses[0]?.text).toMatch(/^SIP\/2\.0 200 /);
    expect(responses[0]?.connection).toBe(1);
  });

  it('response on a new connection', async () => {
    core = await FakeCore.start();
    const states: CoreConnectionState[] = [];
    server = await startServer(core.url, states);
    const early = optionsRequest();
    core.greeting = [early.text];

    core.drop();
    await core.frame((frame) => frame.connection === 2 && frame.text.startsWith('REGISTER '));
    await pingServer(core);
    const responses = core.frames.filter(isResponseTo(early.callId));

    expect(responses).toHaveLength(1);
    expect(responses[0]?.text).toMatch(/^SIP\/2\.0 200 /);
    expect(responses[0]?.connection).toBe(2);
  });
});

describe('stop while reconnecting', () => {
  it('aborts a pending handshake', async () => {
    core = await FakeCore.start();
    const states: CoreConnectionState[] = [];
    const running = await startServer(core.url, states);
    core.holdHandshakes = true;
    const held = core.nextHeldHandshake();

    core.drop();
    await held;
    // Aborting the handshake takes milliseconds, and waiting for its timeout HANDSHAKE_TIMEOUT_MS.
    const stopped = await settlesWithin(running.stop(), HANDSHAKE_TIMEOUT_MS / 2);

    expect(stopped).toBe(true);
    expect(states).toEqual(['reconnecting', 'closed']);
    expect(running.coreConnectionState).toBe('closed');
  });
});

describe('failed start reports no state', () => {
  it('nothing listening', async () => {
    const stopped = await FakeCore.start();
    const url = stopped.url;
    await stopped.stop();
    const states: CoreConnectionState[] = [];

    await expect(startServer(url, states)).rejects.toThrow(/ECONNREFUSED/);
    expect(states).toEqual([]);
  });

  it('REGISTER rejected', async () => {
    core = await FakeCore.start();
    core.registerReply = 403;
    const states: CoreConnectionState[] = [];

    await expect(startServer(core.url, states)).rejects.toThrow(
      `registration of ${SERVER_URI} with the SIP core failed with status 403`,
    );
    expect(states).toEqual([]);
  });

  it('REGISTER challenged with auth-int only', async () => {
    // The server computes credentials only for MD5 or SHA-256 with qop=auth or none, so it sent no
    // password, and advice to check the password would point the operator at the wrong field.
    core = await FakeCore.start();
    core.registerReply = 401;
    core.registerChallenge = `Digest realm="${DOMAIN}", nonce="n1", qop="auth-int"`;
    const withCredentials = { ...config, coreCredentials: { password: 'c0re-Passw0rd' } };

    const error = await McpttServer.start({
      config: withCredentials,
      coreUrl: core.url,
      logger: pino({ level: 'silent' }),
    }).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error?.message).toMatch(/failed with status 401: /);
    expect(error?.message).not.toMatch(/password/);
    expect(core.frames.filter((frame) => frame.text.startsWith('REGISTER '))).toHaveLength(1);
  });

  it('REGISTER dropped', async () => {
    core = await FakeCore.start();
    core.registerReply = 'drop';
    const states: CoreConnectionState[] = [];

    await expect(startServer(core.url, states)).rejects.toThrow(
      `registration of ${SERVER_URI} with the SIP core failed with status 503`,
    );
    expect(states).toEqual([]);
  });
});
