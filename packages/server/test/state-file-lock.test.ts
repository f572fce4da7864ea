// The lock beside the state file after a crash: a restarted server often gets the process ID of
// the one that crashed, such as PID 1 in a container, and must not take its own old lock as held.
import { chmod, chown, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimStateFile } from '../src/state-file.js';

async function stateFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'state-lock-')), 'state.json');
}

describe('claimStateFile', () => {
  it('takes over a stale lock with its own ID', async () => {
    const path = await stateFile();
    await writeFile(`${path}.lock`, `${String(process.pid)}\n`);

    const claim = await claimStateFile(path);

    expect(await readFile(`${path}.lock`, 'utf8')).toBe(`${String(process.pid)}\n`);
    await claim.release();
  });

  it('rejects a second claim while held', async () => {
    const path = await stateFile();
    const claim = await claimStateFile(path);

    await expect(claimStateFile(path)).rejects.toThrow(/in use by process/);
    await claim.release();
    await (await claimStateFile(path)).release();
  });

  it('grants one of two concurrent claims', async () => {
    const path = await stateFile();

    const results = await Promise.allSettled([claimStateFile(path), claimStateFile(path)]);

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'fulfilled') await result.value.release();
  });

  it('keeps the next holder on a second release', async () => {
    const path = await stateFile();
    const first = await claimStateFile(path);
    await first.release();
    const second = await claimStateFile(path);

    // A second stop() of the server that held the file first releases it again.
    await first.release();

    await expect(readFile(`${path}.lock`, 'utf8')).resolves.toBe(`${String(process.pid)}\n`);
    await expect(claimStateFile(path)).rejects.toThrow(/in use by process/);
    await second.release();
  });
});

describe.runIf(process.getuid?.() === 0)('claimStateFile in a folder of another user', () => {
  it('rejects the folder', async () => {
    const path = await stateFile();
    // Another account, here ID 65534, could replace the file in a folder of its own.
    await chown(dirname(path), 65534, 65534);
    await chmod(dirname(path), 0o755);

    await expect(claimStateFile(path)).rejects.toThrow(/belongs to user 65534/);
  });
});
