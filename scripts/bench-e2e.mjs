#!/usr/bin/env node
// Runs the end-to-end benchmarks and prints one JSON object as its last line: the group-call set-up
// times in Chromium through the SIP core (`setup_protected_ms`, `setup_plain_ms`) and the floor
// control figures of TS 22.179 (`kpi1_p95_ms` to `kpi4_p95_ms`). Each benchmark prints its own
// JSON line last; this script merges them.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const benchmarks = [
  { name: 'group-call set-up', command: ['npm', 'run', 'bench', '-w', '@mcptt-smime/e2e'] },
  { name: 'floor control', command: ['npm', 'run', 'bench:floor', '-w', '@mcptt-smime/e2e'] },
];

const result = {};
let failed = false;

for (const { name, command } of benchmarks) {
  console.error(`bench:e2e: running ${name}`);
  const [program, ...args] = command;
  const run = spawnSync(program, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 20 * 60 * 1000,
  });
  const lines = (run.stdout ?? '').trim().split('\n');
  const last = lines.at(-1) ?? '';
  for (const line of lines.slice(0, -1)) console.error(line);
  if (run.status !== 0 || !last.startsWith('{')) {
    console.error(`bench:e2e: ${name} failed with status ${run.status}`);
    failed = true;
    continue;
  }
  Object.assign(result, JSON.parse(last));
}

console.log(JSON.stringify(result));
process.exitCode = failed ? 1 : 0;
