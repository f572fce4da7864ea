import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the sources of the packages below the SDK, so that they need no build step first.
const smimeEntry = fileURLToPath(new URL('../smime/src/index.ts', import.meta.url));
const floorEntry = fileURLToPath(new URL('../floor/src/index.ts', import.meta.url));
const xmlEntry = fileURLToPath(new URL('../mcptt-xml/src/index.ts', import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@mcptt-smime/smime': smimeEntry,
      '@mcptt-smime/floor': floorEntry,
      '@mcptt-smime/mcptt-xml': xmlEntry,
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests draw the same inputs on every run.
    setupFiles: ['../../tools/fast-check-seed.ts'],
    testTimeout: 20_000,
  },
});
