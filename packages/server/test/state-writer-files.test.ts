// What the state writer does with a file already at the old fixed temporary name, such as one
// that an operator's copy or another account left: each write creates a temporary file of its own.
import { chmod, mkdtemp, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { StateWriter } from '../src/state-file.js';

const logger = pino({ level: 'silent' });

/** Writes an empty state to `path` and waits until the write ends. */
async function writeOnce(path: string): Promise<void> {
  const writer = new StateWriter(path, () => ({ version: 1, users: [] }), logger);
  writer.changed();
  await writer.flush();
}

describe('StateWriter with a temporary file already there', () => {
  it('writes the state file with mode 0600', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'state-writer-'));
    const path = join(folder, 'state.json');
    await writeFile(`${path}.tmp`, '');
    await chmod(`${path}.tmp`, 0o644);

    await writeOnce(path);

    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('leaves the target of a symbolic link alone', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'state-writer-'));
    const path = join(folder, 'state.json');
    const other = join(folder, 'other-file');
    await writeFile(other, 'kept');
    await symlink(other, `${path}.tmp`);

    await writeOnce(path);

    expect(await readFile(other, 'utf8')).toBe('kept');
  });
});
