/**
 * The demo's state folder contains the CA key and the enrolment codes, so the launcher uses it only
 * when it belongs to the user who runs the demo and no one else can write to it.
 */
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import {
  DEMO_DISPATCHER,
  demoUserLines,
  prepareDemo,
  preparePrivateFolder,
} from '../src/demo-setup.js';

let parent: string;

beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'demo-state-'));
});

afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

/** Returns the permission bits of `path`. */
async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe('preparePrivateFolder', () => {
  it('creates a missing folder closed to others', async () => {
    const folder = join(parent, 'state');

    await preparePrivateFolder(folder);

    expect(await modeOf(folder)).toBe(0o700);
  });

  it('closes a readable folder of this user', async () => {
    const folder = join(parent, 'state');
    await mkdir(folder);
    await chmod(folder, 0o755);

    await preparePrivateFolder(folder);

    expect(await modeOf(folder)).toBe(0o700);
  });

  it.each([0o777, 0o775, 0o757])('rejects a folder of mode %o', async (mode) => {
    const folder = join(parent, 'state');
    await mkdir(folder);
    await chmod(folder, mode);

    await expect(preparePrivateFolder(folder)).rejects.toThrow(
      `state folder ${folder} is writable by other users (mode ${mode.toString(8)})`,
    );
    expect(await modeOf(folder)).toBe(mode);
  });

  it('rejects a symbolic link', async () => {
    const target = join(parent, 'elsewhere');
    const folder = join(parent, 'state');
    await mkdir(target, { mode: 0o700 });
    await symlink(target, folder);

    await expect(preparePrivateFolder(folder)).rejects.toThrow(
      `state folder ${folder} is a symbolic link`,
    );
  });

  it('rejects a file in place of the folder', async () => {
    const folder = join(parent, 'state');
    await writeFile(folder, 'not a folder');

    await expect(preparePrivateFolder(folder)).rejects.toMatchObject({ code: 'EEXIST' });
  });

  // Only root can give a folder to another user.
  it.skipIf(process.getuid?.() !== 0)('rejects a folder of another user', async () => {
    const folder = join(parent, 'state');
    await mkdir(folder, { mode: 0o700 });
    await chown(folder, 4242, 4242);

    await expect(preparePrivateFolder(folder)).rejects.toThrow(
      `state folder ${folder} belongs to user 4242`,
    );
  });
});

describe('prepareDemo', () => {
  it('lets the dispatcher alone cancel emergencies', async () => {
    const { configFile } = await prepareDemo(join(parent, 'state'));

    const config = await loadConfig(configFile);

    const cancellers = config.users.filter((user) => user.mayCancelEmergencies === true);
    expect(cancellers.map((user) => user.uri)).toEqual([`sip:${DEMO_DISPATCHER}@mcptt.example`]);
    expect(await modeOf(configFile)).toBe(0o600);
  }, 30_000);

  it('rejects an incomplete PKI', async () => {
    // What a start stopped while it made the PKI left: the CA, and no server or user files.
    const state = join(parent, 'state');
    await mkdir(join(state, 'pki'), { recursive: true, mode: 0o700 });
    await writeFile(join(state, 'pki', 'ca.cert.pem'), 'certificate');
    await writeFile(join(state, 'pki', 'ca.key.pem'), 'key');

    await expect(prepareDemo(state)).rejects.toThrow(
      `the demo PKI in ${join(state, 'pki')} is missing mcptt-server.key.pem: remove that folder ` +
        'to make a new PKI, or restore the file',
    );
  });

  it('rejects a pki folder of other files', async () => {
    const state = join(parent, 'state');
    await mkdir(join(state, 'pki'), { recursive: true, mode: 0o700 });
    await writeFile(join(state, 'pki', 'notes.txt'), 'not a PKI');

    await expect(prepareDemo(state)).rejects.toThrow(
      `the demo PKI in ${join(state, 'pki')} is missing ca.key.pem: remove that folder ` +
        'to make a new PKI, or restore the file',
    );
    expect((await readdir(join(state, 'pki'))).sort()).toEqual(['notes.txt']);
  });

  it('replaces a partial PKI', async () => {
    const state = join(parent, 'state');
    await mkdir(join(state, 'pki.partial'), { recursive: true, mode: 0o700 });
    await writeFile(join(state, 'pki.partial', 'ca.key.pem'), 'key');

    const { configFile } = await prepareDemo(state);

    await expect(loadConfig(configFile)).resolves.toBeDefined();
    expect((await readdir(state)).sort()).toEqual(['pki', 'server.json']);
  }, 30_000);
});

describe('demoUserLines', () => {
  it('names each user, the dispatcher and the groups', () => {
    const codes = {
      'sip:alice@mcptt.example': 'AAAA-BBBB',
      'sip:carol@mcptt.example': 'CCCC-DDDD',
    };

    const lines = demoUserLines(codes);

    expect(lines).toContain('    sip:alice@mcptt.example      AAAA-BBBB  Alice (engine 1)');
    expect(lines).toContain(
      "    sip:carol@mcptt.example      CCCC-DDDD  Carol (dispatch), may end other users' emergencies",
    );
    expect(lines).toContain('    Engine 1: alice, bob, carol');
    expect(lines).toContain('    All units: alice, bob, carol, dave');
  });
});
