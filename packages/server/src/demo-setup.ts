/**
 * The demo's users, groups, PKI and configuration file, created once in a state folder and reused
 * on later runs. One-time enrolment codes are new on every run.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
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
/** The demo user who may end other users' emergencies. */
export const DEMO_DISPATCHER = 'carol';
/** Demo groups: user part of the group's URI, display name and the user parts of its members. */
const DEMO_GROUPS: readonly (readonly [string, string, readonly string[]])[] = [
  ['engine-1', 'Engine 1', ['alice', 'bob', 'carol']],
  ['all-units', 'All units', Object.keys(DEMO_USERS)],
];

const CLI = fileURLToPath(new URL('../../smime/bin/mcptt-smime.js', import.meta.url));

/** Files of a prepared demo. */
export interface DemoFiles {
  readonly configFile: string;
  /** One-time enrolment code by user URI. */
  readonly codes: Readonly<Record<string, string>>;
}

/**
 * Creates `stateDir` with mode 0700 when it is missing, and closes an existing one of this
 * process's user to everyone else. The folder contains the demo CA's key and the one-time enrolment
 * codes, and its default lies in the shared temporary folder, where another user could create it
 * first. Raises an Error naming the folder when it is a symbolic link, not a directory, owned by
 * another user, or writable by other users, who could have put their own CA in it.
 */
export async function preparePrivateFolder(stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  // NOTE: Windows reports no POSIX owner or mode, so the folder is not checked there.
  if (process.platform === 'win32') return;
  const folder = await lstat(stateDir);
  const problem = folderProblem(folder);
  if (problem !== undefined) {
    throw new Error(
      `state folder ${stateDir} ${problem}: remove it, or set MCPTT_STATE_DIR to a folder of your own`,
    );
  }
  if ((folder.mode & 0o077) !== 0) await chmod(stateDir, 0o700);
}

/** Returns why a state folder cannot be trusted, or undefined when it can. */
function folderProblem(folder: Stats): string | undefined {
  if (folder.isSymbolicLink()) return 'is a symbolic link';
  if (!folder.isDirectory()) return 'is not a directory';
  const uid = process.getuid?.();
  if (uid !== undefined && folder.uid !== uid) return `belongs to user ${String(folder.uid)}`;
  if ((folder.mode & 0o022) !== 0) {
    return `is writable by other users (mode ${(folder.mode & 0o777).toString(8)})`;
  }
  return undefined;
}

/**
 * Checks the state folder with {@link preparePrivateFolder}, creates the PKI in `stateDir/pki`
 * when that folder is missing or empty, with `mcptt-smime pki init` when the CLI is available
 * and with the `openssl` command line otherwise, then writes `server.json` readable by its owner
 * only.
 * The PKI is made in `stateDir/pki.partial` and renamed once complete, so that a start stopped
 * meanwhile, as by Ctrl-C, leaves no PKI with which every later start would fail. Raises an Error
 * naming the folder and a missing file when the folder lacks some of the PKI's files.
 */
export async function prepareDemo(stateDir: string): Promise<DemoFiles> {
  await preparePrivateFolder(stateDir);
  const pki = join(stateDir, 'pki');
  const files = ['ca', DEMO_SERVER, ...Object.keys(DEMO_USERS)].flatMap((name) => [
    `${name}.key.pem`,
    `${name}.cert.pem`,
  ]);
  const missing = files.filter((file) => !existsSync(join(pki, file)));
  // A `pki` folder that contains other files is no PKI to replace, so it is reported below.
  const empty = !existsSync(pki) || (await readdir(pki)).length === 0;
  if (missing.length === files.length && empty) {
    const partial = join(stateDir, 'pki.partial');
    await rm(partial, { recursive: true, force: true });
    await createPki(partial);
    // Replaces an empty `pki` folder too.
    await rename(partial, pki);
  } else if (missing[0] !== undefined) {
    throw new Error(
      `the demo PKI in ${pki} is missing ${missing[0]}: remove that folder to make a new PKI, ` +
        'or restore the file',
    );
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
      // The dispatcher may end any emergency of a group call that she takes part in.
      ...(user === DEMO_DISPATCHER ? { mayCancelEmergencies: true } : {}),
    })),
    groups: DEMO_GROUPS.map(([group, displayName, members]) => ({
      id: uri(group),
      displayName,
      members: members.map(uri),
    })),
    enrolment: { caCertificate: 'pki/ca.cert.pem', caKey: 'pki/ca.key.pem', codes },
    // Open apps stay authorised and affiliated when the demo server restarts.
    stateFile: 'registry-state.json',
  };
  const configFile = join(stateDir, 'server.json');
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // The mode of writeFile applies only to a new file, and the codes must stay private.
  await chmod(configFile, 0o600);
  return { configFile, codes };
}

/**
 * Returns the lines that `npm start` prints for the demo users: each user's URI, one-time code
 * and display name, and the groups with their members. The dispatcher's line states that she
 * may end other users' emergencies, so that a new user knows whom to enrol for which part of the demo.
 */
export function demoUserLines(codes: Readonly<Record<string, string>>): string[] {
  const users = Object.entries(DEMO_USERS).map(([user, displayName]) => {
    const uri = `sip:${user}@${DEMO_DOMAIN}`;
    const role = user === DEMO_DISPATCHER ? ", may end other users' emergencies" : '';
    return `    ${uri.padEnd(28)} ${codes[uri] ?? '(no code)'}  ${displayName}${role}`;
  });
  const groups = DEMO_GROUPS.map(([, name, members]) => `    ${name}: ${members.join(', ')}`);
  return ['  One-time enrolment codes:', ...users, '', '  Groups:', ...groups];
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
