#!/usr/bin/env node
// Launcher of the mcptt-smime CLI. In a checkout it runs the TypeScript sources through tsx, so
// that `npx mcptt-smime` works right after `npm ci` without a build; an installed package runs
// the compiled dist/cli/main.js.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
let cli;
if (existsSync(fileURLToPath(source))) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(source.href);
} else {
  cli = await import('../dist/cli/main.js');
}
process.exitCode = await cli.run(process.argv.slice(2));
