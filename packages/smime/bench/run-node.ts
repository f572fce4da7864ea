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

const iterations = Number(process.env.BENCH_ITERATIONS ?? 200);
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
  });
  console.log(JSON.stringify(result));
} finally {
  rmSync(folder, { recursive: true, force: true });
}
