/**
 * `npm start`: the whole demo on loopback. It prepares the PKI and configuration in a state
 * folder, starts Kamailio when it is installed and the embedded relay otherwise, starts the MCPTT
 * server and its enrolment endpoint, starts the demo app's dev server when the app exists, prints
 * the URL and the one-time enrolment codes, and stops everything on Ctrl-C.
 *
 * Environment: `MCPTT_STATE_DIR` (default: `mcptt-smime-demo` in the temporary folder),
 * `MCPTT_CORE_BODY_LOG` (default: `e2e/artifacts/sip-core-bodies.log`), `MCPTT_APP_PORT`
 * (default 5173), `MCPTT_CORE=relay` to use the relay even when Kamailio is installed.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import {
  findKamailio,
  startKamailio,
  startRelay,
  type RunningKamailio,
  type RunningRelay,
} from '@mcptt-smime/sip-core';
import { loadConfig } from './config.js';
import { waitForApp } from './demo-app.js';
import { DemoParts } from './demo-parts.js';
import { demoUserLines, prepareDemo } from './demo-setup.js';
import { startEnrolmentServer } from './enrolment-server.js';
import { McpttServer } from './mcptt-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Port of the demo app's dev server. */
const APP_PORT = process.env.MCPTT_APP_PORT ?? '5173';
const APP_URL = `http://127.0.0.1:${APP_PORT}/`;

async function main(parts: DemoParts): Promise<void> {
  const logger = pino({ name: 'mcptt-demo' });
  const stateDir = process.env.MCPTT_STATE_DIR ?? join(tmpdir(), 'mcptt-smime-demo');
  const bodyLogFile =
    process.env.MCPTT_CORE_BODY_LOG ?? join(ROOT, 'e2e/artifacts/sip-core-bodies.log');

  const demo = await prepareDemo(stateDir);
  const config = await loadConfig(demo.configFile);
  const useKamailio = process.env.MCPTT_CORE !== 'relay' && findKamailio() !== undefined;
  const core = await parts.add<RunningKamailio | RunningRelay>(
    useKamailio
      ? startKamailio({
          bodyLogFile,
          logFile: join(stateDir, 'kamailio.log'),
          ownProcessGroup: true,
        })
      : startRelay({ bodyLogFile }),
  );
  await parts.add(McpttServer.start({ config, coreUrl: core.url, logger }));
  const enrolment = await parts.add(startEnrolmentServer(config.enrolment!, logger));
  if (parts.stopping) return;
  const app = startApp({
    MCPTT_SERVER_CONFIG: demo.configFile,
    MCPTT_CORE_URL: core.url,
    MCPTT_ENROL_URL: `${enrolment.url}/enrol`,
    MCPTT_CORE_BODY_LOG: bodyLogFile,
  });
  if (app !== undefined) {
    await parts.add(
      Promise.resolve({
        stop: () => {
          if (app.exitCode === null) app.kill('SIGTERM');
          return Promise.resolve();
        },
      }),
    );
  }

  if (
    app !== undefined &&
    !(await waitForApp(app, APP_URL, parts, (text) => process.stderr.write(text)))
  ) {
    await parts.stop(1);
    return;
  }
  // The demo is of no use without its app or its SIP core, so the rest stops with either.
  app?.on('exit', (code) => {
    if (parts.stopping) return;
    process.stderr.write(`demo app dev server exited with status ${String(code)}: stopping\n`);
    void parts.stop(1);
  });
  const coreExited = 'exited' in core ? core.exited : undefined;
  void coreExited?.then(() => {
    if (parts.stopping) return;
    process.stderr.write('Kamailio exited: stopping the demo\n');
    void parts.stop(1);
  });

  printSummary(
    useKamailio ? 'Kamailio' : 'embedded relay',
    core.url,
    enrolment.url,
    app !== undefined,
    demo.codes,
  );
}

// The app is optional: the launcher also serves a checkout in which it does not exist yet.
function startApp(env: Record<string, string>): ChildProcess | undefined {
  if (
    !existsSync(join(ROOT, 'examples/ptt-app/index.html')) ||
    !existsSync(join(ROOT, 'vite.config.ts'))
  ) {
    return undefined;
  }
  const appVite = join(ROOT, 'examples/ptt-app/node_modules/vite/bin/vite.js');
  const vite = existsSync(appVite) ? appVite : join(ROOT, 'node_modules/vite/bin/vite.js');
  const child = spawn(process.execPath, [vite, '--config', join(ROOT, 'vite.config.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

function printSummary(
  coreName: string,
  coreUrl: string,
  enrolUrl: string,
  appStarted: boolean,
  codes: Readonly<Record<string, string>>,
): void {
  const rows: [string, string][] = [
    [`SIP core (${coreName}):`, coreUrl],
    ['Enrolment endpoint:', `POST ${enrolUrl}/enrol`],
    [
      'Demo app:',
      appStarted ? APP_URL : 'not found (examples/ptt-app), only the core and server run',
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  const lines = [
    '',
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}${value}`),
    '',
    ...demoUserLines(codes),
    '',
    '  Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

// Kamailio runs in a process group of its own, so that a Ctrl-C reaches only this process, which
// stops the server before the core: otherwise the server would report the core as lost.
const parts = new DemoParts();
process.on('SIGINT', () => void parts.stop(0));
process.on('SIGTERM', () => void parts.stop(0));
// Kamailio does not get the terminal's hangup, so closing the terminal must stop it here.
process.on('SIGHUP', () => void parts.stop(0));
try {
  await main(parts);
} catch (error) {
  process.stderr.write(
    `The demo did not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  await parts.stop(1);
}
