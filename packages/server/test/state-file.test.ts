import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  claimStateFile,
  MAX_STATE_FILE_BYTES,
  readStateFile,
  StateWriter,
} from '../src/state-file.js';

const logger = pino({ level: 'silent' });

/** Reads the file, polling for up to a second, or resolves with undefined. */
async function readEventually(path: string): Promise<string | undefined> {
  const deadline = Date.now() + 1000;
  while (Date.now() < deadline) {
    try {
      return await readFile(path, 'utf8');
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  return undefined;
}

describe('StateWriter after a failed write', () => {
  it('writes a change noted during the failed write', async () => {
    const folder = join(await mkdtemp(join(tmpdir(), 'state-writer-')), 'missing');
    const path = join(folder, 'state.json');
    let calls = 0;
    const writer = new StateWriter(
      path,
      () => {
        calls += 1;
        // The first write fails because the folder is missing. The second finds it.
        if (calls === 2) mkdirSync(folder);
        return { calls };
      },
      logger,
    );

    writer.changed();
    writer.changed();
    await writer.flush();

    expect(await readEventually(path)).toBe('{"calls":2}\n');
  });

  it('writes the next change after a state that could not be read', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'state-writer-')), 'state.json');
    let calls = 0;
    const writer = new StateWriter(
      path,
      () => {
        calls += 1;
        if (calls === 1) throw new Error('state not available');
        return { calls };
      },
      logger,
    );

    writer.changed();
    writer.changed();

    expect(await readEventually(path)).toBe('{"calls":2}\n');
    await writer.flush();
  });
});

describe('readStateFile', () => {
  it('rejects a file over its limit', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'state-file-')), 'state.json');
    await writeFile(path, '{"version": 1, "users": []}');
    await truncate(path, MAX_STATE_FILE_BYTES + 1);

    await expect(readStateFile(path)).rejects.toThrow(RangeError);
  });

  it('reads a file at its limit', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'state-file-')), 'state.json');
    const json = '{"version": 1, "users": []}';
    await writeFile(path, json.padEnd(MAX_STATE_FILE_BYTES, ' '));

    await expect(readStateFile(path)).resolves.toEqual({ version: 1, users: [] });
  });

  it('gives undefined for a missing file', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'state-file-')), 'state.json');

    await expect(readStateFile(path)).resolves.toBeUndefined();
  });
});

describe('claimStateFile', () => {
  it('leaves a lock that another process took over', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'state-claim-')), 'state.json');
    const claim = await claimStateFile(path);
    // Another server took the lock over, as from a process that it found not running.
    await writeFile(`${path}.lock`, '999999\n');

    await claim.release();

    expect(await readFile(`${path}.lock`, 'utf8')).toBe('999999\n');
  });

  it('deletes its own lock on release', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'state-claim-')), 'state.json');
    const claim = await claimStateFile(path);

    await claim.release();

    await expect(readFile(`${path}.lock`, 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
