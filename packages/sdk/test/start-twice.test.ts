/**
 * start() called again on a client that runs or is starting. An embedder calls it twice, from a
 * reconnect button or two code paths at page load, and expects each call to settle without
 * disturbing the client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { McpttClient } from '../src/api/mcptt-client.js';
import { createSocketClient } from './helpers/socket-client.js';

const SERVER = 'sip:bob@example.org';
let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

async function createClient() {
  const created = await createSocketClient({ serverUri: SERVER });
  clients.push(created.client);
  return created;
}

/** Returns what `promise` did within `timeoutMs`: resolved, rejected with a message, or pending. */
async function settled(promise: Promise<unknown>, timeoutMs = 1000): Promise<string> {
  return Promise.race([
    promise.then(
      () => 'resolved',
      (error: unknown) => `rejected: ${(error as Error).message}`,
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('pending'), timeoutMs)),
  ]);
}

describe('start() twice', () => {
  it('settles start() on running client', async () => {
    const { client: alice } = await createClient();
    await alice.start();

    // JsSIP is connected already and emits no new 'connected' event, so the second call must
    // not wait for one.
    expect(await settled(alice.start())).toBe('resolved');
  });

  it('resolves two overlapping start() calls', async () => {
    const { client: alice } = await createClient();

    const first = alice.start();
    const second = alice.start();

    // Neither call stopped the client, so neither may report 'the client was stopped'.
    expect(await settled(first)).toBe('resolved');
    expect(await settled(second)).toBe('resolved');
  });
});
