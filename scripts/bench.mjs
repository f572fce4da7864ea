#!/usr/bin/env node
// Runs every benchmark of the monorepo and prints one JSON object as its last line:
// {"node": {...}, "chromium": {...}}, each figure a median in milliseconds unless its name says
// otherwise. Each benchmark is a script that prints its own JSON line last; this script merges them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Benchmarks: the runtime whose figures they add to, the script, and its working folder. */
const benchmarks = [
  { runtime: 'node', script: 'packages/smime/bench/run-node.ts' },
  { runtime: 'chromium', script: 'packages/smime/bench/run-chromium.ts' },
  { runtime: 'chromium', script: 'packages/keystore/bench/keystore.bench.ts' },
  { runtime: 'chromium', script: 'packages/sdk/bench/sdk.bench.ts' },
];

const result = { node: {}, chromium: {} };
let failed = false;

for (const { runtime, script } of benchmarks) {
  const path = resolve(root, script);
  if (!existsSync(path)) {
    console.error(`bench: ${script} not found, skipped`);
    continue;
  }
  console.error(`bench: running ${script}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 10 * 60 * 1000,
  });
  const lines = (run.stdout ?? '').trim().split('\n');
  const last = lines.at(-1) ?? '';
  if (run.status !== 0 || !last.startsWith('{')) {
    console.error(`bench: ${script} failed with status ${run.status}`);
    failed = true;
    continue;
  }
  for (const line of lines.slice(0, -1)) console.error(line);
  Object.assign(result[runtime], JSON.parse(last));
}

console.log(JSON.stringify(result));
process.exitCode = failed ? 1 : 0;
