// The lock beside the state file on a filesystem without hard links, such as FAT or some network
// shares, and on a full disk: the lock is first written to a temporary file and then linked.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { claimStateFile } from '../src/state-file.js';

const disk = vi.hoisted(() => ({ links: true, full: false }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof FsPromises>();
  const link: typeof original.link = async (existing, name) => {
    if (disk.links) return original.link(existing, name);
    // What link(2) reports on a filesystem without hard links, such as FAT.
    throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
  };
  const writeFile: typeof original.writeFile = async (file, data, options) => {
    if (!disk.full) return original.writeFile(file, data, options);
    // The file is created, and then its data does not fit.
    await original.writeFile(file, '', options);
    throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  };
  return { ...original, link, writeFile };
});

afterEach(() => {
  disk.links = true;
  disk.full = false;
});

async function stateFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'state-lock-links-')), 'state.json');
}

it('claims without hard links', async () => {
  const path = await stateFile();
  disk.links = false;

  const claim = await claimStateFile(path);

  expect(await readFile(`${path}.lock`, 'utf8')).toBe(`${String(process.pid)}\n`);
  await expect(claimStateFile(path)).rejects.toThrow(/in use by process/);
  await claim.release();
  expect(await readdir(join(path, '..'))).toEqual([]);
});

it('leaves no temporary lock on a full disk', async () => {
  const path = await stateFile();
  disk.full = true;

  await expect(claimStateFile(path)).rejects.toThrow(/ENOSPC/);

  expect(await readdir(join(path, '..'))).toEqual([]);
});

it('leaves no temporary lock after a lost race', async () => {
  const path = await stateFile();

  const results = await Promise.allSettled([claimStateFile(path), claimStateFile(path)]);

  for (const result of results) if (result.status === 'fulfilled') await result.value.release();
  expect(await readdir(join(path, '..'))).toEqual([]);
});
