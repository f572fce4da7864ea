import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const fromHere = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // The suite runs the packages' sources, so that it needs no build step first.
    // The subpath comes first: an alias also matches the names that it prefixes.
    alias: {
      '@mcptt-smime/smime/node': fromHere('../packages/smime/src/node/node-crypto.ts'),
      '@mcptt-smime/smime': fromHere('../packages/smime/src/index.ts'),
      '@mcptt-smime/floor': fromHere('../packages/floor/src/index.ts'),
      '@mcptt-smime/mcptt-xml': fromHere('../packages/mcptt-xml/src/index.ts'),
      '@mcptt-smime/server': fromHere('../packages/server/src/index.ts'),
      '@mcptt-smime/sip-core': fromHere('../examples/sip-core/src/index.ts'),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // One demo stack per file, and the files share loopback ports and the body log.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['verbose'],
  },
});
