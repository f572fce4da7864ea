import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against the core's sources, so that they need no prior build.
    alias: {
      '@mcptt-smime/smime': fileURLToPath(new URL('../smime/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests draw the same inputs on every run.
    setupFiles: ['../../tools/fast-check-seed.ts'],
    testTimeout: 30_000,
  },
});
