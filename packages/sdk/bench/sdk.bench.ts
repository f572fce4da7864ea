/**
 * The SDK benchmark: the latency that the protecting socket adds per message in headless
 * Chromium (Debian's package, through playwright-core), and the gzipped size of the SDK bundle
 * without JsSIP. Prints one JSON line last:
 * `{"sdk_added_latency_ms": ..., "sdk_bundle_gzip_kb": ...}`.
 *
 * The page is served from 127.0.0.1 with cross-origin isolation, so that performance.now() has
 * 5 µs resolution instead of 100 µs. BENCH_ITERATIONS sets the number of measured messages.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launchChromium } from '../../../tools/chromium.js';
import { measureBundleGzipKb } from './bundle-size.js';

const iterations = Number(process.env['BENCH_ITERATIONS'] ?? 200);
const bundle = await build({
  entryPoints: [fileURLToPath(new URL('./browser-entry.ts', import.meta.url))],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  write: false,
  alias: {
    '@mcptt-smime/smime': fileURLToPath(new URL('../../smime/src/index.ts', import.meta.url)),
    '@mcptt-smime/floor': fileURLToPath(new URL('../../floor/src/index.ts', import.meta.url)),
  },
});
const page = `<!doctype html><meta charset="utf-8"><script>${bundle.outputFiles[0]?.text ?? ''}</script>`;

const server = createServer((_request, response) => {
  response.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  });
  response.end(page);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

const browser = await launchChromium();
try {
  const tab = await browser.newPage();
  await tab.goto(`http://127.0.0.1:${port}/`);
  const latency = await tab.evaluate((count) => window.runSdkBench(count), iterations);
  console.error(`sdk bench: ${latency.samples} messages measured`);
  const sizeKb = await measureBundleGzipKb();
  console.log(
    JSON.stringify({
      sdk_added_latency_ms: latency.sdk_added_latency_ms,
      sdk_bundle_gzip_kb: sizeKb,
    }),
  );
} finally {
  await browser.close();
  server.close();
}
