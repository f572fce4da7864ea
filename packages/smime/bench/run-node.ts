/**
 * Runs the core benchmark in Node and prints one JSON line. The code is bundled by esbuild first,
 * as an application would ship it, so that tsx's development transforms are not measured.
 * Protect and unprotect run through Node's WebCrypto and through the core's Node engine, which
 * the reference server uses. The floors are Node's WebCrypto in both cases.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { createNodeCrypto } from '../src/node/node-crypto.js';
import type { runCoreBench as RunCoreBench } from './core-bench.js';
import { countFromEnvironment } from './environment.js';

const iterations = countFromEnvironment('BENCH_ITERATIONS', 200);
// Unset, the benchmark's own default applies.
const warmupRounds = countFromEnvironment('BENCH_WARMUP_ROUNDS', undefined);
const bundle = await build({
  entryPoints: [fileURLToPath(new URL('./core-bench.ts', import.meta.url))],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  write: false,
});
const folder = mkdtempSync(join(tmpdir(), 'mcptt-bench-'));
const file = join(folder, 'core-bench.mjs');
writeFileSync(file, bundle.outputFiles[0]?.text ?? '');

try {
  const { runCoreBench } = (await import(pathToFileURL(file).href)) as {
    runCoreBench: typeof RunCoreBench;
  };
  const result = await runCoreBench(webcrypto as Crypto, () => performance.now(), iterations, {
    engine: createNodeCrypto(),
    ...(warmupRounds === undefined ? {} : { warmupRounds }),
  });
  console.log(JSON.stringify(result));
} finally {
  rmSync(folder, { recursive: true, force: true });
}
