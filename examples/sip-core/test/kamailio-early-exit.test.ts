/**
 * A Kamailio that exits during its start has been reaped by the time the launcher learns of it,
 * so its PID may already belong to another process. The launcher must then look up and kill
 * nothing by that PID.
 */
import type * as FsPromises from 'node:fs/promises';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startKamailio } from '../src/index.js';

/** The paths under /proc that the launcher read. */
const procReads = vi.hoisted(() => [] as string[]);

vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof FsPromises>();
  return {
    ...original,
    readFile: (...args: Parameters<typeof FsPromises.readFile>) => {
      if (typeof args[0] === 'string' && args[0].startsWith('/proc/')) procReads.push(args[0]);
      return original.readFile(...args);
    },
  };
});

let folder: string | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  procReads.length = 0;
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  folder = undefined;
});

describe('a Kamailio that exits during its start', () => {
  it('leaves the processes of its reused PID alone', async () => {
    folder = await mkdtemp(join(tmpdir(), 'kamailio-early-exit-'));
    const executable = join(folder, 'kamailio');
    await writeFile(executable, '#!/bin/sh\nexit 3\n');
    await chmod(executable, 0o755);
    const kill = vi.spyOn(process, 'kill');

    await expect(
      startKamailio({ executable, bodyLogFile: join(folder, 'bodies.log'), startTimeoutMs: 5000 }),
    ).rejects.toThrow(/^Kamailio did not start on port \d+: see its log$/);

    expect(procReads).toEqual([]);
    expect(kill).not.toHaveBeenCalled();
  });
});
