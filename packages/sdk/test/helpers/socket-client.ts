/** One client, alice, on a {@link FakeSocket}, for tests that answer its requests by hand. */
import type { McpttClientOptions } from '../../src/api/client-options.js';
import { McpttClient } from '../../src/api/mcptt-client.js';
import { FakeSocket } from './fake-socket.js';
import { ManualTimers } from './manual-timers.js';
import { createKeyStores, testCrypto } from './pki.js';

/**
 * Creates alice's client, not started, on a fresh FakeSocket, with manual timers and bob's
 * certificate as the server's, so a `serverUri` override must be bob's URI. `overrides` replace
 * any option.
 */
export async function createSocketClient(overrides: Partial<McpttClientOptions> = {}) {
  const stores = await createKeyStores();
  const socket = new FakeSocket();
  const timers = new ManualTimers();
  const client = new McpttClient({
    uri: 'sip:alice@example.org',
    transport: socket,
    crypto: testCrypto,
    keyStore: stores.alice,
    now: stores.now,
    serverCertificates: [stores.pki.certificate('bob')],
    schedule: timers.schedule,
    ...overrides,
  });
  return { client, socket, timers };
}
