/**
 * The logger and revocationLists options. The README promises a TypeError naming an invalid option
 * from the constructor, and the client guards its envelope pool against a logger that throws, so a
 * faulty logger must neither pass the constructor nor keep messages from leaving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { McpttClientOptions } from '../src/api/client-options.js';
import type { McpttClient } from '../src/api/mcptt-client.js';
import { createSocketClient } from './helpers/socket-client.js';
import { until } from './helpers/until.js';

const SERVER = 'sip:bob@example.org';
let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

async function createClient(overrides: Partial<McpttClientOptions>) {
  const created = await createSocketClient({ serverUri: SERVER, ...overrides });
  clients.push(created.client);
  return created;
}

describe('logger and revocationLists options', () => {
  it.each([
    ['logger', { logger: {} }],
    ['revocationLists', { revocationLists: 'not a list' }],
  ])('constructor rejects invalid %s', async (name, override) => {
    const create = () => createClient(override as Partial<McpttClientOptions>);

    await expect(create()).rejects.toThrow(TypeError);
    await expect(create()).rejects.toThrow(name);
  });

  it('sends MESSAGE despite throwing logger', async () => {
    const fail = (): void => {
      throw new Error('log sink unavailable');
    };
    const logger = { debug: fail, info: fail, warn: fail, error: fail };
    const { client: alice, socket } = await createClient({ logger });
    await alice.start();

    void alice.sendShortData(SERVER, 'hello').catch(() => undefined);

    // The MESSAGE must leave although every log call raises an error.
    await until(() => socket.sent.some((frame) => frame.startsWith('MESSAGE ')), 2000);
  });
});
