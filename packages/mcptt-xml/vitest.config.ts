import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests draw the same inputs on every run.
    setupFiles: ['../../tools/fast-check-seed.ts'],
  },
});
