/**
 * Starts and stops Kamailio as the demo's SIP core, without systemd, on a loopback port.
 *
 * Kamailio runs in the foreground with `-DD -E` (plain `-D` opens no TCP or WebSocket listener)
 * and logs to stderr. The launcher copies that stream to a log file and extracts the body records
 * that kamailio.cfg writes into a separate body log.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BodyLogExtractor } from './body-log.js';
import { findFreePort, waitForWebSocket } from './free-port.js';

/** Where Debian's `kamailio` package installs the daemon. */
export const DEFAULT_KAMAILIO_PATH = '/usr/sbin/kamailio';

/**
 * How long `stop()` waits for Kamailio to exit after SIGTERM before it kills its processes with
 * SIGKILL.
 */
export const KAMAILIO_STOP_TIMEOUT_MS = 5000;

/** The project's Kamailio configuration. */
export const KAMAILIO_CONFIG_PATH = fileURLToPath(new URL('../kamailio.cfg', import.meta.url));

/** Options of {@link startKamailio}. */
export interface KamailioOptions {
  /** File that receives the body records; created or appended to. */
  readonly bodyLogFile: string;
  /** File that receives the whole Kamailio log, body records included. Default: none. */
  readonly logFile?: string;
  /** TCP port of the WebSocket listener. Default: a free port. */
  readonly port?: number;
  /** Default {@link DEFAULT_KAMAILIO_PATH}. */
  readonly executable?: string;
  /** Default {@link KAMAILIO_CONFIG_PATH}. */
  readonly configFile?: string;
  /** Shared memory in MB (`-m`). Default 64; raise it for load tests. */
  readonly sharedMemoryMb?: number;
  /** How long to wait for the listener to complete a WebSocket handshake. Default 5000 ms. */
  readonly startTimeoutMs?: number;
  /**
   * Password that every user's REGISTER must prove with digest authentication (the
   * `WITH_DIGEST_AUTH` define of kamailio.cfg). Default: none, and nothing is challenged. It goes
   * on Kamailio's command line, which other local users can read, so it suits tests and demos.
   * TypeError unless it is printable ASCII without spaces, `"`, `\`, `#` or `$`.
   */
  readonly digestPassword?: string;
  /**
   * True to run Kamailio in a session and process group of its own, so that the signals of a
   * terminal, such as Ctrl-C, reach only the launcher, which can then stop what depends on the
   * core before the core. The launcher must then stop Kamailio on every signal it exits on,
   * SIGHUP included. Default false.
   */
  readonly ownProcessGroup?: boolean;
}

/** A running Kamailio. */
export interface RunningKamailio {
  /** WebSocket URL of the core, for example `ws://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly bodyLogFile: string;
  /** Resolves when the process exits, on `stop()` or on its own. */
  readonly exited: Promise<void>;
  /**
   * Sends SIGTERM and resolves when the process has exited and the logs are written. Kamailio's
   * processes that are still there after {@link KAMAILIO_STOP_TIMEOUT_MS} get SIGKILL.
   */
  stop(): Promise<void>;
}

/** Returns the path of the Kamailio daemon when it is installed. */
export function findKamailio(executable = DEFAULT_KAMAILIO_PATH): string | undefined {
  return existsSync(executable) ? executable : undefined;
}

/**
 * Starts Kamailio on 127.0.0.1 and resolves once its WebSocket listener accepts connections.
 *
 * @example
 * ```ts
 * const core = await startKamailio({ bodyLogFile: 'e2e/artifacts/sip-core-bodies.log' });
 * // connect SIP clients to core.url with the `sip` subprotocol
 * await core.stop();
 * ```
 */
export async function startKamailio(options: KamailioOptions): Promise<RunningKamailio> {
  checkDigestPassword(options.digestPassword);
  const executable = options.executable ?? DEFAULT_KAMAILIO_PATH;
  if (findKamailio(executable) === undefined) {
    throw new Error(`Kamailio not found at ${executable}: install the kamailio package`);
  }

  const port = options.port ?? (await findFreePort());
  const runDir = await mkdtemp(join(tmpdir(), 'mcptt-kamailio-'));
  await mkdir(dirname(options.bodyLogFile), { recursive: true });
  await writeFile(options.bodyLogFile, '', { flag: 'a' });

  const child = spawn(executable, kamailioArguments(options, port, runDir), {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: options.ownProcessGroup === true,
  });
  const logsWritten = pipeLogs(child, options);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const listening = await Promise.race([
    // A signal that arrives while Kamailio still starts its processes can leave one of them
    // spinning and the main process waiting for it. So the launcher waits for a WebSocket
    // handshake, which needs the TCP processes, rather than for the port alone.
    waitForWebSocket(`ws://127.0.0.1:${String(port)}`, options.startTimeoutMs ?? 5000),
    exited.then(() => false),
  ]);
  if (!listening) {
    // Kamailio may have forked its workers already, and they would keep running without it.
    await killProcessTree(child, options.ownProcessGroup === true);
    await exited;
    await rm(runDir, { recursive: true, force: true });
    throw new Error(`Kamailio did not start on port ${String(port)}: see its log`);
  }

  return {
    url: `ws://127.0.0.1:${String(port)}`,
    port,
    pid: child.pid ?? 0,
    bodyLogFile: options.bodyLogFile,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
      const timeout = new Promise<false>((resolve) => {
        setTimeout(() => resolve(false), KAMAILIO_STOP_TIMEOUT_MS).unref();
      });
      if (!(await Promise.race([exited.then(() => true), timeout]))) {
        // NOTE: Kamailio's main process can wait forever for a child that missed the SIGTERM
        // because it was still starting. Stops right after starts hit this a few times in 100.
        await killProcessTree(child, options.ownProcessGroup === true);
      }
      await exited;
      await logsWritten;
      await rm(runDir, { recursive: true, force: true });
    },
  };
}

/**
 * Sends SIGKILL to Kamailio's processes: to its process group when it has one of its own, or
 * else to the child processes of its main process, which Linux lists in /proc, and to the main
 * process while it runs. The children of a main process that has exited are not found then.
 */
async function killProcessTree(child: ChildProcess, ownProcessGroup: boolean): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (ownProcessGroup) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Every process of the group exited meanwhile.
    }
    return;
  }
  // Node has reaped a main process that exited, so its PID may be another process's by now.
  if (child.exitCode !== null || child.signalCode !== null) return;
  const list = await readFile(`/proc/${String(pid)}/task/${String(pid)}/children`, 'utf8').catch(
    () => '',
  );
  for (const childPid of list.split(' ').filter(Boolean).map(Number)) {
    try {
      process.kill(childPid, 'SIGKILL');
    } catch {
      // It exited meanwhile.
    }
  }
  child.kill('SIGKILL');
}

function kamailioArguments(options: KamailioOptions, port: number, runDir: string): string[] {
  return [
    '-DD',
    '-E',
    '-f',
    options.configFile ?? KAMAILIO_CONFIG_PATH,
    '-l',
    `tcp:127.0.0.1:${String(port)}`,
    '-m',
    String(options.sharedMemoryMb ?? 64),
    '-M',
    '8',
    '-P',
    join(runDir, 'kamailio.pid'),
    '-Y',
    runDir,
    '-w',
    runDir,
    ...(options.digestPassword === undefined
      ? []
      : ['-A', 'WITH_DIGEST_AUTH', '-A', `DIGEST_PASSWORD="${options.digestPassword}"`]),
  ];
}

/**
 * Raises TypeError for a password that kamailio.cfg cannot take as a string: Kamailio reads `$` in
 * it as a variable, and a quote or backslash would end or escape the string. `#` is rejected too,
 * to stay clear of the comment and directive syntax of the configuration.
 */
function checkDigestPassword(password: string | undefined): void {
  if (password === undefined) return;
  if (
    typeof password !== 'string' ||
    !/^[!%&'()*+,\-./0-9:;<=>?@A-Z[\]^_`a-z{|}~]+$/.test(password)
  ) {
    throw new TypeError(
      'digestPassword must be printable ASCII without spaces, double quotes, backslashes, # or $',
    );
  }
}

// Writes through one open stream per file, in arrival order, so records never interleave. An
// append per chunk would open and close the file each time, three thread pool jobs that would wait
// in the same queue as the WebCrypto jobs of a server running in this process.
async function pipeLogs(child: ChildProcess, options: KamailioOptions): Promise<void> {
  const stderr = child.stderr;
  if (stderr === null) {
    return;
  }
  const bodyLog = createWriteStream(options.bodyLogFile, { flags: 'a' });
  const fullLog =
    options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
  const extractor = new BodyLogExtractor(
    (record) => bodyLog.write(record),
    () => undefined,
  );

  stderr.setEncoding('utf8');
  for await (const chunk of stderr) {
    const text = chunk as string;
    fullLog?.write(text);
    extractor.push(text);
  }
  extractor.end();
  await Promise.all([
    closeStream(bodyLog),
    fullLog === undefined ? undefined : closeStream(fullLog),
  ]);
}

/** Ends a write stream and waits until its data is in the file. */
function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}
