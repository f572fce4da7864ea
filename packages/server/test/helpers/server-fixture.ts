import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startKamailio, startRelay } from '@mcptt-smime/sip-core';
import type { RevocationMode } from '@mcptt-smime/smime';
import type { CoreConnectionState } from '../../src/core-link.js';
import { opensslCrl } from '../../../smime/test/cms/openssl-crl.js';
import { parseConfig } from '../../src/config.js';
import { McpttServer } from '../../src/mcptt-server.js';
import type { TransactionTimers } from '../../src/transaction-layer.js';
import { createDemoPki } from '../../src/openssl-ca.js';
import { DOMAIN, SERVER_URI } from './mcptt-test-client.js';

export const GROUP_ID = `sip:fire-1@${DOMAIN}`;
export const USERS = ['alice', 'bob', 'carol', 'dave'] as const;

/** A running core and server with a demo PKI, and the server's log lines. */
export interface ServerFixture {
  readonly coreUrl: string;
  readonly bodyLogFile: string;
  /** Folder of the trusted PKI: users, server and `zoe`, who is not configured. */
  readonly pki: string;
  /** Folder of a second CA that the server does not trust, with a certificate for alice. */
  readonly untrustedPki: string;
  /** The running server; {@link ServerFixture.restartServer} replaces it. */
  readonly server: McpttServer;
  readonly logLines: string[];
  /** The server's state file, with the `stateFile` option. */
  readonly stateFile: string | undefined;
  /**
   * Stops the server alone and starts a new one with the same configuration and core, calling
   * `whileStopped` in between.
   */
  restartServer(whileStopped?: () => Promise<void>): Promise<McpttServer>;
  readBodyLog(): Promise<string>;
  /** Stops the SIP core alone, as a crash or a restart of the core does. */
  stopCore(): Promise<void>;
  /** Starts the SIP core again on the same port. */
  startCore(): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link startFixture}. */
export interface FixtureOptions {
  readonly insecurePlainCalls?: boolean;
  /**
   * Users whose certificates `openssl ca` revokes in a list that the server loads from
   * `identity.revocationLists`. Without it the server gets no list.
   */
  readonly revokedUsers?: readonly string[];
  readonly revocation?: RevocationMode;
  /** Further configured users, whose keys and certificates the test makes itself. */
  readonly extraUsers?: readonly string[];
  /** Users configured with `mayCancelEmergencies`, such as `['bob']`. */
  readonly emergencyCancellers?: readonly string[];
  /** Port of the SIP core. Default: a free port. */
  readonly corePort?: number;
  readonly onCoreConnectionChange?: (state: CoreConnectionState) => void;
  /** Timers of the server's transaction layer. Default: those of RFC 3261. */
  readonly timers?: TransactionTimers;
  /** True to configure a state file in the fixture's folder. */
  readonly stateFile?: boolean;
  /** Shared password with which Kamailio challenges every REGISTER to its registrar. */
  readonly coreDigestPassword?: string;
  /** The server's `coreCredentials`. */
  readonly coreCredentials?: { readonly username?: string; readonly password: string };
}

/**
 * The `identity` of a server configuration whose folder contains a demo PKI, made by
 * `createDemoPki`, in its `pki` folder.
 */
export const DEMO_PKI_IDENTITY = {
  key: 'pki/mcptt-server.key.pem',
  certificate: 'pki/mcptt-server.cert.pem',
  trustAnchors: ['pki/ca.cert.pem'],
};

/** Starts Kamailio or the relay, then the server with users alice to dave and one group. */
export async function startFixture(
  core: 'kamailio' | 'relay',
  options: FixtureOptions = {},
): Promise<ServerFixture> {
  const folder = await mkdtemp(join(tmpdir(), 'mcptt-server-test-'));
  const pki = join(folder, 'pki');
  const untrustedPki = join(folder, 'untrusted');
  await createDemoPki({
    folder: pki,
    domain: DOMAIN,
    users: [...USERS, 'zoe'],
    server: 'mcptt-server',
  });
  await createDemoPki({
    folder: untrustedPki,
    domain: DOMAIN,
    users: ['alice'],
    server: 'other-server',
    caName: 'untrusted CA',
  });

  if (options.revokedUsers !== undefined) {
    const list = opensslCrl({
      caCertificate: join(pki, 'ca.cert.pem'),
      caKey: join(pki, 'ca.key.pem'),
      revoke: options.revokedUsers.map((user) => ({
        certificate: join(pki, `${user}.cert.pem`),
        reason: 'keyCompromise',
      })),
    });
    await writeFile(join(pki, 'ca.crl.pem'), list.pem);
  }

  const bodyLogFile = join(folder, 'sip-core-bodies.log');
  const startCore = async (port?: number) => {
    const portOption = port === undefined ? {} : { port };
    return core === 'kamailio'
      ? startKamailio({
          bodyLogFile,
          logFile: join(folder, 'kamailio.log'),
          ...portOption,
          ...(options.coreDigestPassword === undefined
            ? {}
            : { digestPassword: options.coreDigestPassword }),
        })
      : startRelay({ bodyLogFile, ...portOption });
  };
  let running = await startCore(options.corePort);
  let coreRunning = true;

  const config = parseConfig(
    {
      serverUri: SERVER_URI,
      identity: {
        ...DEMO_PKI_IDENTITY,
        ...(options.revokedUsers === undefined ? {} : { revocationLists: ['pki/ca.crl.pem'] }),
        ...(options.revocation === undefined ? {} : { revocation: options.revocation }),
      },
      users: [...USERS, ...(options.extraUsers ?? [])].map((user) => ({
        uri: `sip:${user}@${DOMAIN}`,
        ...(options.emergencyCancellers?.includes(user) === true
          ? { mayCancelEmergencies: true }
          : {}),
      })),
      groups: [
        {
          id: GROUP_ID,
          displayName: 'Fire crew 1',
          members: ['alice', 'bob', 'carol'].map((u) => `sip:${u}@${DOMAIN}`),
        },
      ],
      ...(options.insecurePlainCalls === true ? { insecurePlainCalls: true } : {}),
      ...(options.stateFile === true ? { stateFile: 'state.json' } : {}),
      ...(options.coreCredentials === undefined
        ? {}
        : { coreCredentials: options.coreCredentials }),
    },
    folder,
  );
  const { logLines, stream } = logCapture();
  const startServer = () =>
    McpttServer.start({
      config,
      coreUrl: running.url,
      logger: pino({ level: 'debug' }, stream),
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      ...(options.onCoreConnectionChange === undefined
        ? {}
        : { onCoreConnectionChange: options.onCoreConnectionChange }),
    });
  let server: McpttServer;
  try {
    server = await startServer();
  } catch (error) {
    // A server that did not start leaves no core running behind the failed test.
    await running.stop();
    throw error;
  }

  return {
    coreUrl: running.url,
    bodyLogFile,
    pki,
    untrustedPki,
    get server() {
      return server;
    },
    logLines,
    stateFile: config.stateFile,
    restartServer: async (whileStopped) => {
      await server.stop();
      await whileStopped?.();
      server = await startServer();
      return server;
    },
    readBodyLog: () => readFile(bodyLogFile, 'utf8'),
    stopCore: async () => {
      coreRunning = false;
      await running.stop();
    },
    startCore: async () => {
      running = await startCore(running.port);
      coreRunning = true;
    },
    stop: async () => {
      await server.stop();
      if (coreRunning) await running.stop();
    },
  };
}

/** Returns a stream for a pino logger that keeps each line it gets in `logLines`. */
export function logCapture(): { readonly logLines: string[]; readonly stream: Writable } {
  const logLines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== ''),
      );
      callback();
    },
  });
  return { logLines, stream };
}
