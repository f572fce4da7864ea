// A write of the state file that fails after its temporary file was created, as on a full disk:
// each write has a temporary file of a new name, so one left behind would stay for good.
import { mkdtemp, readdir } from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { replaceFile } from '../src/state-file.js';

const disk = vi.hoisted(() => ({ full: false }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof FsPromises>();
  const writeFile: typeof original.writeFile = async (file, data, options) => {
    if (!disk.full) return original.writeFile(file, data, options);
    // The file is created, and then its data does not fit.
    await original.writeFile(file, '', options);
    throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  };
  return { ...original, writeFile };
});

it('removes the temporary file of a failed write', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'replace-file-'));
  disk.full = true;

  await expect(replaceFile(join(folder, 'state.json'), '{}\n')).rejects.toThrow(/ENOSPC/);
  disk.full = false;

  expect(await readdir(folder)).toEqual([]);
});
