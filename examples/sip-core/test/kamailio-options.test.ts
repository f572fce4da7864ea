import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { runsWithTool } from '../../../tools/required-tool.js';
import { findKamailio, startKamailio } from '../src/index.js';

/** Returns the process group of a process, from the fifth field of /proc/PID/stat. */
async function processGroup(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8');
  // The second field, the command name, is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[2]);
}

describe('startKamailio options', () => {
  it.each(['', 'with space', 'quote"d', 'back\\slash', 'dollar$var', 'hash#mark', 'umlaut-ü'])(
    'rejects digestPassword %j',
    async (digestPassword) => {
      const folder = await mkdtemp(join(tmpdir(), 'kamailio-options-'));
      try {
        await expect(
          startKamailio({ bodyLogFile: join(folder, 'bodies.log'), digestPassword }),
        ).rejects.toThrow(
          new TypeError(
            'digestPassword must be printable ASCII without spaces, double quotes, backslashes, # or $',
          ),
        );
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    },
  );

  it.skipIf(!runsWithTool(findKamailio() !== undefined)).each([
    [false, 'shares the launcher process group'],
    [true, 'gets a process group of its own'],
  ])('with ownProcessGroup %s, Kamailio %s', async (ownProcessGroup) => {
    const folder = await mkdtemp(join(tmpdir(), 'kamailio-options-'));
    const core = await startKamailio({ bodyLogFile: join(folder, 'bodies.log'), ownProcessGroup });
    try {
      const group = await processGroup(core.pid);
      const ownGroup = await processGroup(process.pid);

      if (ownProcessGroup) expect(group).toBe(core.pid);
      else expect(group).toBe(ownGroup);
    } finally {
      await core.stop();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
