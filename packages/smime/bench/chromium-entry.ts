/** Browser entry of the core benchmark, bundled by run-chromium.ts. */
import { runCoreBench } from './core-bench.js';

declare global {
  interface Window {
    runCoreBench: (
      iterations: number,
      warmupRounds: number | undefined,
    ) => ReturnType<typeof runCoreBench>;
  }
}

window.runCoreBench = (iterations, warmupRounds) =>
  runCoreBench(window.crypto, () => performance.now(), iterations, {
    envelopeWorker: new Worker('/envelope-worker.js'),
    ...(warmupRounds === undefined ? {} : { warmupRounds }),
  });
