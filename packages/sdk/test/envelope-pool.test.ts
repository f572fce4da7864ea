/**
 * A client given an envelope pool fills it for its server certificates when it starts, and its
 * messages then take their envelopes from the pool.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  EnvelopePool,
  prepareEnvelope,
  type ContentEncryptionAlgorithm,
  type EnvelopeSource,
} from '@mcptt-smime/smime';
import type { ShortDataEvent } from '../src/api/events.js';
import type { SdkLogger } from '../src/core/logger.js';
import { BOB, startPair } from './helpers/clients.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';

const SECRET = 'pooled short data 7f3a';

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
});

/** Creates a pool that makes its envelopes in this thread and records the client's calls. */
function recordingPool() {
  const pool = new EnvelopePool({
    prepare: (request, count) =>
      Promise.all(
        Array.from({ length: count }, () => prepareEnvelope({ crypto: testCrypto, ...request })),
      ),
  });
  const fills: { recipients: readonly Uint8Array[]; algorithm: ContentEncryptionAlgorithm }[] = [];
  const filled: Promise<boolean>[] = [];
  let takenCount = 0;
  const source: EnvelopeSource & {
    fill: (
      recipients: readonly Uint8Array[],
      algorithm: ContentEncryptionAlgorithm,
    ) => Promise<boolean>;
  } = {
    take: (recipients, algorithm) => {
      const envelope = pool.take(recipients, algorithm);
      if (envelope !== undefined) takenCount++;
      return envelope;
    },
    fill: (recipients, algorithm) => {
      fills.push({ recipients, algorithm });
      const done = pool.fill(recipients, algorithm);
      filled.push(done);
      return done;
    },
  };
  return { source, fills, filled, takenCount: () => takenCount };
}

describe('McpttClient with an envelope pool', () => {
  it('fills the pool at start and takes from it', async () => {
    const stores = await createKeyStores();
    const bobCertificate = stores.pki.certificate('bob');
    const pool = recordingPool();
    const received: ShortDataEvent[] = [];
    const pair = await startPair({
      stores,
      alice: { serverCertificates: [bobCertificate], envelopes: pool.source },
      bob: { delegate: { onShortData: (event) => received.push(event) } },
    });
    stop = pair.stop;

    expect(pool.fills).toEqual([{ recipients: [bobCertificate], algorithm: 'aes-256-gcm' }]);
    expect(await Promise.all(pool.filled)).toEqual([true]);
    await pair.alice.sendShortData(BOB, SECRET);

    expect(pool.takenCount()).toBe(1);
    expect(received[0]?.text).toBe(SECRET);
    expect(received[0]?.security.encrypted).toBe(true);
  });

  it('logs when the pool fails to fill', async () => {
    const stores = await createKeyStores();
    const warnings: string[] = [];
    const ignore = (): void => undefined;
    const logger: SdkLogger = {
      debug: ignore,
      info: ignore,
      error: ignore,
      warn: (_category, message) => warnings.push(message),
    };
    const pool = new EnvelopePool({ prepare: () => Promise.reject(new Error('worker gone')) });
    const pair = await startPair({
      stores,
      alice: { serverCertificates: [stores.pki.certificate('bob')], envelopes: pool, logger },
    });
    stop = pair.stop;

    await expect
      .poll(() => warnings)
      .toContain('envelope pool not filled; messages make their own');
  });

  it('starts when reading fill throws', async () => {
    const stores = await createKeyStores();
    const hostile = {
      take: () => undefined,
      get fill(): unknown {
        throw new Error('hostile getter');
      },
    } as unknown as EnvelopeSource;

    const pair = await startPair({
      stores,
      alice: { serverCertificates: [stores.pki.certificate('bob')], envelopes: hostile },
    });
    stop = pair.stop;

    expect(pair.alice.ua.isConnected()).toBe(true);
  });

  it('starts when the pool fails to fill', async () => {
    const stores = await createKeyStores();
    const failing: EnvelopeSource & { fill: () => Promise<boolean> } = {
      take: () => undefined,
      fill: () => Promise.reject(new Error('worker gone')),
    };
    const received: ShortDataEvent[] = [];
    const pair = await startPair({
      stores,
      alice: { serverCertificates: [stores.pki.certificate('bob')], envelopes: failing },
      bob: { delegate: { onShortData: (event) => received.push(event) } },
    });
    stop = pair.stop;

    await pair.alice.sendShortData(BOB, SECRET);

    expect(received[0]?.text).toBe(SECRET);
  });
});
