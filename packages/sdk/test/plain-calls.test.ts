import { afterEach, describe, expect, it } from 'vitest';
import { createProtectionPolicy } from '@mcptt-smime/smime';
import { McpttClient } from '../src/api/mcptt-client.js';
import type { ShortDataEvent } from '../src/api/events.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { createLoopbackPair } from './helpers/loopback.js';

const TEXT = 'plain run text 7302';
let clients: McpttClient[] = [];

afterEach(() => {
  for (const client of clients) client.stop();
  clients = [];
});

describe('insecurePlainCalls', () => {
  it('sends and accepts short data in clear', async () => {
    const stores = await createKeyStores();
    const { a, b, wire } = createLoopbackPair();
    const received: ShortDataEvent[] = [];
    const alice = new McpttClient({
      uri: 'sip:alice@example.org',
      transport: a,
      crypto: testCrypto,
      keyStore: stores.alice,
      now: stores.now,
      insecurePlainCalls: true,
    });
    const bob = new McpttClient({
      uri: 'sip:bob@example.org',
      transport: b,
      crypto: testCrypto,
      keyStore: stores.bob,
      now: stores.now,
      insecurePlainCalls: true,
      delegate: { onShortData: (event) => received.push(event) },
    });
    clients = [alice, bob];
    await Promise.all([alice.start(), bob.start()]);

    await alice.sendShortData('sip:bob@example.org', TEXT);

    expect(wire.join('')).toContain(TEXT);
    expect(received[0]?.text).toBe(TEXT);
    expect(received[0]?.security.protected).toBe(false);
  });

  it('throws TypeError beside a policy', async () => {
    const stores = await createKeyStores();
    const { a } = createLoopbackPair();
    const create = () =>
      new McpttClient({
        uri: 'sip:alice@example.org',
        transport: a,
        crypto: testCrypto,
        keyStore: stores.alice,
        policy: createProtectionPolicy(),
        insecurePlainCalls: true,
      });

    expect(create).toThrow(TypeError);
  });
});
