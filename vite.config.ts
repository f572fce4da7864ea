/**
 * Builds and serves the demo push-to-talk app in examples/ptt-app.
 *
 * The dev server listens on 127.0.0.1 only. `MCPTT_DEMO_CONFIG` names the JSON file with the running
 * demo's settings (the `npm start` launcher and the e2e suite write it), and `MCPTT_CORE_BODY_LOG`
 * the SIP core's body log that the security panel shows.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { demoEndpoints } from './examples/ptt-app/dev/demo-endpoints.js';

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: fromRoot('./examples/ptt-app'),
  // The app imports the packages' sources, so that it runs without a build of each package.
  resolve: {
    alias: {
      '@mcptt-smime/smime': fromRoot('./packages/smime/src/index.ts'),
      '@mcptt-smime/keystore': fromRoot('./packages/keystore/src/index.ts'),
      '@mcptt-smime/sdk': fromRoot('./packages/sdk/src/index.ts'),
    },
  },
  server: {
    host: '127.0.0.1',
    port: Number(process.env['MCPTT_APP_PORT'] ?? 5173),
    strictPort: true,
  },
  preview: { host: '127.0.0.1' },
  build: {
    outDir: fromRoot('./examples/ptt-app/dist'),
    emptyOutDir: true,
    target: 'es2022',
  },
  plugins: [
    demoEndpoints({
      configFile: process.env['MCPTT_DEMO_CONFIG'] ?? fromRoot('./e2e/artifacts/demo-config.json'),
      bodyLogFile:
        process.env['MCPTT_CORE_BODY_LOG'] ?? fromRoot('./e2e/artifacts/sip-core-bodies.log'),
    }),
  ],
});
