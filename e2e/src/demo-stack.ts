/**
 * The whole demo on loopback for the suite and the benchmark: demo PKI, Kamailio as the SIP core
 * with its body log, the MCPTT server with its enrolment endpoint, and the app's dev server.
 *
 * @module
 */
import { appendFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { McpttServer, loadConfig, startEnrolmentServer } from '@mcptt-smime/server';
import { findFreePort, startKamailio, type RunningKamailio } from '@mcptt-smime/sip-core';
import { DOMAIN, GROUP, SERVER_NAME, USERS } from './demo-users.js';
import { createPkcs12, createPki } from './pki.js';
import { startViteDevServer, type RunningViteDevServer } from './vite-dev-server.js';

/** Folder of the run's evidence: the core's body log and the logs of every part. */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

const BODY_LOG_NAME = 'sip-core-bodies.log';
const SERVER_LOG_NAME = 'server.log';

/** The core's body log of a run, the evidence of what the untrusted core saw. */
export const BODY_LOG = join(ARTIFACTS, BODY_LOG_NAME);

/** The MCPTT server's log of a run (pino JSON lines, never bodies). */
export const SERVER_LOG = join(ARTIFACTS, SERVER_LOG_NAME);

/** Password of the foreign user's PKCS#12 file. */
export const FOREIGN_PKCS12_PASSWORD = 'demo-p12-password';

/** A running demo. */
export interface DemoStack {
  readonly appUrl: string;
  readonly coreUrl: string;
  readonly server: McpttServer;
  /** PKCS#12 file of a configured user whose certificate comes from a CA the server does not trust. */
  readonly foreignPkcs12: string;
  /** PEM certificate of the CA that issued {@link foreignPkcs12}. */
  readonly foreignTrustAnchor: string;
  /**
   * Folder of the demo PKI: `NAME.key.pem` and `NAME.cert.pem` per user and the server, and
   * `ca.cert.pem`. The users' browsers enrol keys of their own; these files are valid too.
   */
  readonly pkiFolder: string;
  stop(): Promise<void>;
}

/** Options of {@link startDemoStack}. */
export interface DemoStackOptions {
  /**
   * INSECURE, for the benchmark's plain run only: turns on the server's `insecurePlainCalls`
   * switch, which the app follows, so calls and short data cross the core in clear.
   */
  readonly insecurePlainCalls?: boolean;
  /**
   * Folder of the core's body log and the other logs, {@link ARTIFACTS} by default. Two stacks
   * that run at once need a folder each.
   */
  readonly artifacts?: string;
  /** Number of floor requests that can wait in each call, the server's default when absent. */
  readonly floorQueueCapacity?: number;
}

/** Starts every part; on failure, stops the parts already running. */
export async function startDemoStack(options: DemoStackOptions = {}): Promise<DemoStack> {
  const artifacts = options.artifacts ?? ARTIFACTS;
  const bodyLog = join(artifacts, BODY_LOG_NAME);
  await mkdir(artifacts, { recursive: true });
  await writeFile(bodyLog, '');
  await writeFile(join(artifacts, SERVER_LOG_NAME), '');
  await writeFile(join(artifacts, 'vite.log'), '');
  const folder = await mkdtemp(join(tmpdir(), 'mcptt-e2e-'));
  const stops: (() => Promise<void>)[] = [() => rm(folder, { recursive: true, force: true })];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };

  try {
    const trusted = [USERS.alice.name, USERS.bob.name, USERS.carol.name];
    await createPki(join(folder, 'pki'), DOMAIN, trusted, SERVER_NAME);
    await createPki(join(folder, 'foreign'), DOMAIN, [USERS.mallory.name], 'foreign-server');
    const foreignPkcs12 = join(folder, 'mallory.p12');
    await createPkcs12(
      join(folder, 'foreign', 'mallory.key.pem'),
      join(folder, 'foreign', 'mallory.cert.pem'),
      foreignPkcs12,
      FOREIGN_PKCS12_PASSWORD,
    );
    const serverConfigFile = await writeServerConfig(folder, options);

    const core = await startKamailio({
      bodyLogFile: bodyLog,
      logFile: join(artifacts, 'kamailio.log'),
    });
    stops.push(() => core.stop());
    const started = await startServer(serverConfigFile, core, join(artifacts, SERVER_LOG_NAME));
    stops.push(() => started.stop());

    const vite = await startApp(serverConfigFile, core.url, started.enrolUrl, artifacts);
    stops.push(() => vite.stop());
    return {
      appUrl: vite.url,
      coreUrl: core.url,
      server: started.server,
      foreignPkcs12,
      foreignTrustAnchor: await readFile(join(folder, 'foreign', 'ca.cert.pem'), 'utf8'),
      pkiFolder: join(folder, 'pki'),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function writeServerConfig(folder: string, options: DemoStackOptions): Promise<string> {
  const members = [USERS.alice, USERS.bob, USERS.carol, USERS.mallory];
  const config = {
    serverUri: `sip:${SERVER_NAME}@${DOMAIN}`,
    identity: {
      key: `pki/${SERVER_NAME}.key.pem`,
      certificate: `pki/${SERVER_NAME}.cert.pem`,
      trustAnchors: ['pki/ca.cert.pem'],
    },
    users: members.map((user) => ({
      uri: user.uri,
      displayName: user.displayName,
      ...(user.mayCancelEmergencies ? { mayCancelEmergencies: true } : {}),
    })),
    groups: [{ id: GROUP.id, displayName: GROUP.displayName, members: GROUP.members }],
    enrolment: {
      caKey: 'pki/ca.key.pem',
      caCertificate: 'pki/ca.cert.pem',
      codes: Object.fromEntries(members.map((user) => [user.uri, user.code])),
    },
    ...(options.insecurePlainCalls === true ? { insecurePlainCalls: true } : {}),
    ...(options.floorQueueCapacity === undefined
      ? {}
      : { floor: { queueCapacity: options.floorQueueCapacity } }),
  };
  const file = join(folder, 'server.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

async function startServer(
  configFile: string,
  core: RunningKamailio,
  logFile: string,
): Promise<{ server: McpttServer; enrolUrl: string; stop: () => Promise<void> }> {
  const config = await loadConfig(configFile);
  const logger = pino(
    { name: 'mcptt-server', level: 'debug' },
    pino.destination({ dest: logFile, sync: true }),
  );
  const server = await McpttServer.start({ config, coreUrl: core.url, logger });
  if (config.enrolment === undefined) {
    throw new Error('enrolment missing from the server configuration');
  }
  const enrolment = await startEnrolmentServer(config.enrolment, logger);
  return {
    server,
    enrolUrl: `${enrolment.url}/enrol`,
    stop: async () => {
      await enrolment.stop();
      await server.stop();
    },
  };
}

async function startApp(
  serverConfigFile: string,
  coreUrl: string,
  enrolUrl: string,
  artifacts: string,
): Promise<RunningViteDevServer> {
  return startViteDevServer({
    port: await findFreePort(),
    serverConfigFile,
    coreUrl,
    enrolUrl,
    bodyLogFile: join(artifacts, BODY_LOG_NAME),
    onOutput: (text) => appendFileSync(join(artifacts, 'vite.log'), text),
  });
}
