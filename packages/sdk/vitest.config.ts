import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the core's sources, so that they need no build step first.
const smimeEntry = fileURLToPath(new URL('../smime/src/index.ts', import.meta.url));

export default defineConfig({
  resolve: { alias: { '@mcptt-smime/smime': smimeEntry } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
