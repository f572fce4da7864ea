/**
 * Builds and serves the demo push-to-talk app in examples/ptt-app.
 *
 * The dev server listens on 127.0.0.1 only. The `npm start` launcher and the e2e suite tell it where
 * the running demo is through environment variables:
 *
 * - `MCPTT_SERVER_CONFIG`: the MCPTT server's configuration file (users, groups, certificates);
 * - `MCPTT_CORE_URL`: WebSocket URL of the SIP core;
 * - `MCPTT_ENROL_URL`: URL of the server's enrolment endpoint;
 * - `MCPTT_CORE_BODY_LOG`: the SIP core's body log, shown in the security panel;
 * - `MCPTT_APP_PORT`: port of the dev server, default 5173.
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
      '@mcptt-smime/floor': fromRoot('./packages/floor/src/index.ts'),
      '@mcptt-smime/mcptt-xml': fromRoot('./packages/mcptt-xml/src/index.ts'),
      '@mcptt-smime/keystore': fromRoot('./packages/keystore/src/index.ts'),
      '@mcptt-smime/sdk': fromRoot('./packages/sdk/src/index.ts'),
    },
  },
  // Pre-bundles the CommonJS and large dependencies up front. Discovered later, on the lazy import
  // of the SIP stack, they would make Vite reload the page and drop the session.
  optimizeDeps: {
    include: ['jssip', 'pkijs', 'asn1js', 'idb'],
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
      serverConfigFile: process.env['MCPTT_SERVER_CONFIG'] ?? fromRoot('./demo/server.json'),
      coreUrl: process.env['MCPTT_CORE_URL'] ?? 'ws://127.0.0.1:8080',
      enrolUrl: process.env['MCPTT_ENROL_URL'] ?? 'http://127.0.0.1:8081/enrol',
      bodyLogFile:
        process.env['MCPTT_CORE_BODY_LOG'] ?? fromRoot('./e2e/artifacts/sip-core-bodies.log'),
    }),
  ],
});
