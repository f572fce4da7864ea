/**
 * The security records of the SDK client: each protected INVITE that leaves takes the record of
 * its own call, also after the user ended an earlier call whose INVITE never left.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SecurityRecord } from '../src/client.js';
import type { DemoConfig } from '../src/demo-config.js';
import type { WireMessage } from '../src/wire-socket.js';

/** What the stand-in client and socket share with the test. */
const wire = vi.hoisted(() => ({
  send: (_message: WireMessage): void => undefined,
  calls: 0,
}));

vi.mock('../src/wire-socket.js', () => ({
  createWireSocket: (_url: string, onMessage: (message: WireMessage) => void) => {
    wire.send = onMessage;
    return {};
  },
}));

vi.mock('../src/envelope-pool.js', () => ({ startEnvelopeWorker: () => undefined }));

vi.mock('@mcptt-smime/sdk', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  McpttClient: class {
    start(): Promise<void> {
      return Promise.resolve();
    }

    register(): Promise<void> {
      return Promise.resolve();
    }

    /** Returns a call whose INVITE has not left, which fails with 487 on a hang-up. */
    startPrivateCall() {
      wire.calls += 1;
      let fail: (error: Error) => void = () => undefined;
      const established = new Promise<void>((_resolve, reject) => (fail = reject));
      return {
        callId: `call-${String(wire.calls)}`,
        state: 'calling',
        emergency: false,
        emergencyStartedHere: false,
        delegate: undefined,
        floor: undefined,
        session: { connection: null, on: () => undefined },
        established: () => established,
        hangUp: () => fail(Object.assign(new Error('Request Terminated'), { sipStatus: 487 })),
      };
    }
  },
}));

const { createSdkClient } = await import('../src/sdk-client.js');

const CONFIG = {
  wsUrl: 'ws://127.0.0.1:9',
  serverUri: 'sip:mcptt-server@mcptt.example',
  serverCertificate: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
  users: [],
  groups: [],
  insecurePlainCalls: false,
} as unknown as DemoConfig;

describe('the security record of an INVITE', () => {
  it('skips a call ended before its INVITE', async () => {
    const records: SecurityRecord[] = [];
    const client = await createSdkClient(CONFIG, 'sip:alice@mcptt.example', () =>
      Promise.resolve({} as never),
    );
    await client.start({ onSecurityRecord: (record) => records.push(record) });

    const first = client.callUser('sip:bob@mcptt.example');
    client.hangUp('call-1');
    await first;
    const second = client.callUser('sip:carol@mcptt.example');
    wire.send({
      direction: 'out',
      method: 'INVITE',
      callId: 'call-2',
      protected: true,
      hasBody: true,
    });

    expect(records.map((record) => record.summary)).toEqual([
      'Private call to sip:carol@mcptt.example',
    ]);
    client.hangUp('call-2');
    await second;
  });
});
