/**
 * The pool of envelope keys that the envelope worker (`envelope-worker.ts`) makes ahead, on a
 * thread of its own, for the SDK client's outgoing messages.
 *
 * @module
 */

import { EnvelopePool, workerEnvelopePreparer } from '@mcptt-smime/smime';

/**
 * Starts the envelope worker and a pool that it feeds, or returns undefined where workers are
 * missing. If the worker fails to load, protect makes its own envelopes, as without a pool.
 */
export function startEnvelopeWorker(): { pool: EnvelopePool; stop: () => void } | undefined {
  if (typeof Worker === 'undefined') return undefined;
  const worker = new Worker(new URL('./envelope-worker.ts', import.meta.url), { type: 'module' });
  const pool = new EnvelopePool({ prepare: workerEnvelopePreparer(worker) });
  return {
    pool,
    stop: () => {
      pool.close();
      worker.terminate();
    },
  };
}
