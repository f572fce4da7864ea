import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against the sources of the core, the floor codec, the XML reader and the SIP core, so
    // they need no build step.
    // The subpath comes first: an alias also matches the names that it prefixes.
    alias: {
      '@mcptt-smime/smime/node': fileURLToPath(
        new URL('../smime/src/node/node-crypto.ts', import.meta.url),
      ),
      '@mcptt-smime/smime': fileURLToPath(new URL('../smime/src/index.ts', import.meta.url)),
      '@mcptt-smime/floor': fileURLToPath(new URL('../floor/src/index.ts', import.meta.url)),
      '@mcptt-smime/mcptt-xml': fileURLToPath(
        new URL('../mcptt-xml/src/index.ts', import.meta.url),
      ),
      '@mcptt-smime/sip-core': fileURLToPath(
        new URL('../../examples/sip-core/src/index.ts', import.meta.url),
      ),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests draw the same inputs on every run.
    setupFiles: ['../../tools/fast-check-seed.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
