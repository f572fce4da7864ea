/**
 * Starts the demo app's Vite dev server (the root vite.config.ts, without file watching) as a
 * child process.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where the running demo is, passed to vite.config.ts. */
export interface ViteDevServerOptions {
  readonly port: number;
  readonly serverConfigFile: string;
  readonly coreUrl: string;
  readonly enrolUrl: string;
  readonly bodyLogFile: string;
  /** Receives the dev server's output. */
  readonly onOutput?: (text: string) => void;
  /** Default 30 000 ms. */
  readonly startTimeoutMs?: number;
}

/** A running dev server. */
export interface RunningViteDevServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Resolves the Vite CLI that the app's workspace depends on. */
function viteCli(): string {
  const require = createRequire(join(REPOSITORY_ROOT, 'examples/ptt-app/package.json'));
  return join(dirname(require.resolve('vite/package.json')), 'bin/vite.js');
}

/** Vite configuration of the suite: the app's configuration without file watching. */
const CONFIG_FILE = fileURLToPath(new URL('./vite-e2e.config.ts', import.meta.url));

/** Starts the dev server and resolves once it serves the demo configuration. */
export async function startViteDevServer(
  options: ViteDevServerOptions,
): Promise<RunningViteDevServer> {
  const child = spawn(process.execPath, [viteCli(), '--config', CONFIG_FILE], {
    cwd: REPOSITORY_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      MCPTT_APP_PORT: String(options.port),
      MCPTT_SERVER_CONFIG: options.serverConfigFile,
      MCPTT_CORE_URL: options.coreUrl,
      MCPTT_ENROL_URL: options.enrolUrl,
      MCPTT_CORE_BODY_LOG: options.bodyLogFile,
    },
  });
  const output = (chunk: Buffer): void => options.onOutput?.(chunk.toString('utf8'));
  child.stdout.on('data', output);
  child.stderr.on('data', output);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = `http://127.0.0.1:${String(options.port)}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ready = await fetch(`${url}/demo-config.json`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`Vite dev server did not serve ${url}/demo-config.json in time`);
}
