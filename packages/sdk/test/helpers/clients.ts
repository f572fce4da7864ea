/** Two MCPTT clients, alice and bob, joined by an in-memory transport, with recorded events. */
import type { MemoryKeyStore } from '@mcptt-smime/smime';
import { McpttClient, type McpttClientOptions } from '../../src/api/mcptt-client.js';
import type { IncomingCallEvent, McpttClientDelegate } from '../../src/api/events.js';
import type { SocketFailureEvent } from '../../src/core/protecting-socket.js';
import type { SipSocket } from '../../src/core/sip-socket.js';
import { createLoopbackPair } from './loopback.js';
import { createKeyStores, testCrypto } from './pki.js';

export const ALICE = 'sip:alice@example.org';
export const BOB = 'sip:bob@example.org';

/** What one client recorded. */
export interface Recorded {
  readonly calls: IncomingCallEvent[];
  readonly failures: SocketFailureEvent[];
}

/**
 * Options per client that a test may override. The delegate's callbacks run after the pair has
 * recorded the event.
 */
export type ClientOverrides = Partial<
  Omit<McpttClientOptions, 'uri' | 'transport' | 'keyStore' | 'delegate'>
> & {
  delegate?: McpttClientDelegate;
  onIncomingCall?: (event: IncomingCallEvent) => void;
};

function makeClient(
  name: 'alice' | 'bob',
  transport: SipSocket,
  keyStore: MemoryKeyStore,
  now: () => Date,
  recorded: Recorded,
  overrides: ClientOverrides,
): McpttClient {
  const { onIncomingCall, delegate, ...options } = overrides;
  return new McpttClient({
    uri: `sip:${name}@example.org`,
    transport,
    crypto: testCrypto,
    keyStore,
    now,
    clientId: `urn:uuid:${name}`,
    ...options,
    delegate: {
      ...delegate,
      onIncomingCall: (event) => {
        recorded.calls.push(event);
        onIncomingCall?.(event);
        delegate?.onIncomingCall?.(event);
      },
      onSecurityFailure: (event) => {
        recorded.failures.push(event);
        delegate?.onSecurityFailure?.(event);
      },
    },
  });
}

/** Starts alice and bob on a loopback pair; call `stop` afterwards. */
export async function startPair(
  overrides: {
    alice?: ClientOverrides;
    bob?: ClientOverrides;
    stores?: Awaited<ReturnType<typeof createKeyStores>>;
    /** The SIP core between the two: it may change each frame. */
    relay?: (frame: string) => string;
  } = {},
) {
  const stores = overrides.stores ?? (await createKeyStores());
  const { a, b, wire } = createLoopbackPair(overrides.relay);
  const recorded = {
    alice: { calls: [], failures: [] } as Recorded,
    bob: { calls: [], failures: [] } as Recorded,
  };
  const alice = makeClient(
    'alice',
    a,
    stores.alice,
    stores.now,
    recorded.alice,
    overrides.alice ?? {},
  );
  const bob = makeClient('bob', b, stores.bob, stores.now, recorded.bob, overrides.bob ?? {});
  await Promise.all([alice.start(), bob.start()]);
  const stop = (): void => {
    alice.stop();
    bob.stop();
  };
  return { alice, bob, wire, recorded, stores, transports: { a, b }, stop };
}
