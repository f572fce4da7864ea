/**
 * A Kamailio that does not start must leave no process behind, not even a child process that
 * its main process forked before the launcher gave up.
 */
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startKamailio } from '../src/index.js';

/**
 * A stand-in for Kamailio that forks a child, writes the child's PID beside itself and waits,
 * without ever opening the WebSocket port.
 */
const FAKE_KAMAILIO = '#!/bin/sh\nsleep 60 &\necho $! > "$(dirname "$0")/child.pid"\nwait\n';

let folder: string | undefined;
let childPid: number | undefined;

afterEach(async () => {
  // A child that the launcher left behind is the test's own: end it.
  if (childPid !== undefined && isRunning(childPid)) process.kill(childPid, 'SIGKILL');
  childPid = undefined;
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  folder = undefined;
});

/** True while the process exists and is not a zombie, from the state field of /proc/PID/stat. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !/\) Z /.test(readStat(pid));
}

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  } catch {
    return '';
  }
}

/** Waits up to two seconds for the process to exit, and returns true once it has. */
async function waitForExit(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 40; attempt++) {
    if (!isRunning(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe('a Kamailio that does not start', () => {
  it.each([false, true])(
    'with ownProcessGroup %s, leaves no child process',
    async (ownProcessGroup) => {
      folder = await mkdtemp(join(tmpdir(), 'kamailio-start-failure-'));
      const executable = join(folder, 'kamailio');
      await writeFile(executable, FAKE_KAMAILIO);
      await chmod(executable, 0o755);

      await expect(
        startKamailio({
          executable,
          bodyLogFile: join(folder, 'bodies.log'),
          // Long enough for the stand-in to fork its child on a busy machine.
          startTimeoutMs: 2000,
          ownProcessGroup,
        }),
      ).rejects.toThrow(/^Kamailio did not start on port \d+: see its log$/);
      childPid = Number(await readFile(join(folder, 'child.pid'), 'utf8'));

      expect(await waitForExit(childPid)).toBe(true);
    },
  );
});
