import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The tests run the packages from their sources, as the app does under Vite, without a build.
  resolve: {
    alias: {
      '@mcptt-smime/smime': fileURLToPath(
        new URL('../../packages/smime/src/index.ts', import.meta.url),
      ),
      '@mcptt-smime/floor': fileURLToPath(
        new URL('../../packages/floor/src/index.ts', import.meta.url),
      ),
      '@mcptt-smime/mcptt-xml': fileURLToPath(
        new URL('../../packages/mcptt-xml/src/index.ts', import.meta.url),
      ),
      '@mcptt-smime/keystore': fileURLToPath(
        new URL('../../packages/keystore/src/index.ts', import.meta.url),
      ),
      '@mcptt-smime/sdk': fileURLToPath(
        new URL('../../packages/sdk/src/index.ts', import.meta.url),
      ),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
  },
});
