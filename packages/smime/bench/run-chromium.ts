/**
 * Runs the core benchmark in headless Chromium (Debian's package, through playwright-core) and
 * prints one JSON line. The page is served from 127.0.0.1, a secure context, so that WebCrypto is
 * available.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bundleForBrowser, launchChromium } from '../../../tools/chromium.js';
import { countFromEnvironment } from './environment.js';

const iterations = countFromEnvironment('BENCH_ITERATIONS', 200);
// Unset, the benchmark's own default applies.
const warmupRounds = countFromEnvironment('BENCH_WARMUP_ROUNDS', undefined);

const script = await bundleForBrowser(new URL('./chromium-entry.ts', import.meta.url));
const page = `<!doctype html><meta charset="utf-8"><script>${script}</script>`;
const worker = await bundleForBrowser(new URL('./envelope-worker-entry.ts', import.meta.url));

const server = createServer((request, response) => {
  const isWorker = request.url === '/envelope-worker.js';
  // Cross-origin isolation lifts Chromium's coarsening of performance.now() from 100 µs to 5 µs.
  response.writeHead(200, {
    'content-type': isWorker ? 'text/javascript' : 'text/html; charset=utf-8',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  });
  response.end(isWorker ? worker : page);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

const browser = await launchChromium();
try {
  const tab = await browser.newPage();
  await tab.goto(`http://127.0.0.1:${port}/`);
  const result = await tab.evaluate(([count, warmup]) => window.runCoreBench(count, warmup), [
    iterations,
    warmupRounds,
  ] as const);
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
  server.close();
}
