#!/usr/bin/env node
// Runs a command in a network namespace that has only the loopback interface, so that WebRTC's
// ICE in Chromium gathers loopback candidates alone. Creating the namespace needs root (CI runs
// as root). Elsewhere the command runs in the current namespace and the suite says so.
import { spawnSync } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  console.error('usage: run-in-netns.mjs COMMAND [ARGS...]');
  process.exit(2);
}

const isRoot = process.getuid?.() === 0;
const disabled = process.env.MCPTT_E2E_NETNS === '0';
const canUnshare = isRoot && !disabled && spawnSync('unshare', ['--version']).status === 0;

let result;
if (canUnshare && process.env.MCPTT_E2E_IN_NETNS !== '1') {
  const quoted = [command, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
  result = spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec ${quoted}`], {
    stdio: 'inherit',
    env: { ...process.env, MCPTT_E2E_IN_NETNS: '1' },
  });
} else {
  if (!canUnshare) {
    console.warn('e2e: not root or unshare missing, running without a loopback-only namespace');
  }
  result = spawnSync(command, args, { stdio: 'inherit' });
}
if (result.error !== undefined) {
  console.error(`e2e: ${command} failed to start: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
