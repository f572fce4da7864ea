import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the core's sources, so that they need no build step first.
const smimeEntry = fileURLToPath(new URL('../smime/src/index.ts', import.meta.url));
const fallbackEntry = fileURLToPath(
  new URL('test/helpers/smime-entry-fallback.ts', import.meta.url),
);

export default defineConfig({
  resolve: {
    alias: { '@mcptt-smime/smime': existsSync(smimeEntry) && process.env['SDK_SMIME_FALLBACK'] === undefined
        ? smimeEntry
        : fallbackEntry },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
