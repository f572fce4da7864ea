/**
 * The demo's users, groups, PKI and configuration file, created once in a state folder and reused
 * on later runs. One-time enrolment codes are new on every run.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDemoPki } from './openssl-ca.js';

const run = promisify(execFile);

/** SIP domain of the demo. */
export const DEMO_DOMAIN = 'mcptt.example';
/** User part of the server's URI. */
export const DEMO_SERVER = 'mcptt-server';
/** Demo users and their display names. */
export const DEMO_USERS: Readonly<Record<string, string>> = {
  alice: 'Alice (engine 1)',
  bob: 'Bob (engine 1)',
  carol: 'Carol (dispatch)',
  dave: 'Dave (ambulance 3)',
};

const CLI = fileURLToPath(new URL('../../smime/bin/mcptt-smime.js', import.meta.url));

/** Files of a prepared demo. */
export interface DemoFiles {
  readonly configFile: string;
  /** One-time enrolment code by user URI. */
  readonly codes: Readonly<Record<string, string>>;
}

/**
 * Creates the PKI when `stateDir/pki/ca.cert.pem` is missing, with `mcptt-smime pki init` when the
 * CLI is available and with the `openssl` command line otherwise, then writes `server.json`.
 */
export async function prepareDemo(stateDir: string): Promise<DemoFiles> {
  const pki = join(stateDir, 'pki');
  if (!existsSync(join(pki, 'ca.cert.pem'))) {
    await createPki(pki);
  }

  const uri = (user: string) => `sip:${user}@${DEMO_DOMAIN}`;
  const codes = Object.fromEntries(
    Object.keys(DEMO_USERS).map((user) => [uri(user), enrolmentCode()]),
  );
  const config = {
    serverUri: uri(DEMO_SERVER),
    identity: {
      key: `pki/${DEMO_SERVER}.key.pem`,
      certificate: `pki/${DEMO_SERVER}.cert.pem`,
      trustAnchors: ['pki/ca.cert.pem'],
    },
    users: Object.entries(DEMO_USERS).map(([user, displayName]) => ({
      uri: uri(user),
      displayName,
    })),
    groups: [
      { id: uri('engine-1'), displayName: 'Engine 1', members: ['alice', 'bob', 'carol'].map(uri) },
      { id: uri('all-units'), displayName: 'All units', members: Object.keys(DEMO_USERS).map(uri) },
    ],
    enrolment: { caCertificate: 'pki/ca.cert.pem', caKey: 'pki/ca.key.pem', codes },
  };
  const configFile = join(stateDir, 'server.json');
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return { configFile, codes };
}

async function createPki(folder: string): Promise<void> {
  const users = Object.keys(DEMO_USERS);
  if (existsSync(CLI)) {
    const args = ['pki', 'init', '--out', folder, '--domain', DEMO_DOMAIN, '--server', DEMO_SERVER];
    try {
      await run(process.execPath, [CLI, ...args, ...users.flatMap((user) => ['--user', user])]);
      return;
    } catch {
      // Falls through to OpenSSL when the CLI is not built yet.
    }
  }
  await createDemoPki({ folder, domain: DEMO_DOMAIN, users, server: DEMO_SERVER });
}

// Eight characters from an alphabet without 0/O and 1/I, shown as XXXX-XXXX.
function enrolmentCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const random = crypto.getRandomValues(new Uint8Array(8));
  const text = Array.from(random, (byte) => alphabet[byte % alphabet.length]).join('');
  return `${text.slice(0, 4)}-${text.slice(4)}`;
}
