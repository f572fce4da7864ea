import { appendFile, mkdtemp, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ReplayRecord } from '@mcptt-smime/smime';
import { MAX_REPLAY_FILE_BYTES, ReplayFile } from '../src/replay-file.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');

/** Returns a logger that keeps the message of each line it logs. */
function recordingLogger() {
  const messages: string[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => messages.push((JSON.parse(line) as { msg: string }).msg) },
  );
  return { logger, messages };
}

async function replayPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'replay-file-')), 'state.json.replay');
}

/** Returns a record of `signer` that arrived `age` ms before NOW and expires 5 minutes after arriving. */
function record(signer: string, key: string, age: number): ReplayRecord {
  const arrivedAt = NOW - age;
  return {
    key: key.padEnd(32, '.'),
    signer,
    expiry: arrivedAt + 300_000,
    signedAt: arrivedAt,
    arrivedAt,
  };
}

describe('ReplayFile', () => {
  it('loads the records that it appended', async () => {
    const path = await replayPath();
    const { logger } = recordingLogger();
    const first = new ReplayFile(path, { now: () => NOW, logger });
    expect(await first.load()).toEqual([]);
    const stored = [record('sip:alice@x', 'a1', 2000), record('sip:bob@x', 'b1', 1000)];

    for (const each of stored) await first.add(each);
    const loaded = await new ReplayFile(path, { now: () => NOW, logger }).load();

    expect(loaded).toEqual(stored);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('drops expired records from the file', async () => {
    const path = await replayPath();
    const { logger } = recordingLogger();
    const file = new ReplayFile(path, { now: () => NOW, logger });
    await file.add(record('sip:alice@x', 'old', 400_000));
    await file.add(record('sip:alice@x', 'new', 1000));

    const loaded = await new ReplayFile(path, { now: () => NOW, logger }).load();

    expect(loaded.map((each) => each.key.replace(/\.+$/, ''))).toEqual(['new']);
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('skips half-written and malformed lines', async () => {
    const path = await replayPath();
    const { logger, messages } = recordingLogger();
    const kept = record('sip:alice@x', 'kept', 1000);
    const line = JSON.stringify(kept);
    await writeFile(
      path,
      [
        line,
        '{"key": "short", "signer": "sip:alice@x"}',
        '[1, 2, 3]',
        'not json',
        JSON.stringify({ ...kept, expiry: 'later' }),
        line.slice(0, 40),
      ].join('\n'),
    );

    const loaded = await new ReplayFile(path, { now: () => NOW, logger }).load();

    expect(loaded).toEqual([kept]);
    expect(messages).toContain('replay file lines skipped');
  });

  it('keeps only the fields of a record', async () => {
    const path = await replayPath();
    const { logger } = recordingLogger();
    const kept = record('sip:alice@x', 'kept', 1000);
    await writeFile(path, `${JSON.stringify({ ...kept, extra: 'x'.repeat(1000) })}\n`);

    await new ReplayFile(path, { now: () => NOW, logger }).load();

    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(kept);
  });

  it('reads the newest records of a file over its limit', async () => {
    const path = await replayPath();
    const { logger, messages } = recordingLogger();
    const oldest = record('sip:alice@x', 'a', 2000);
    const newest = record('sip:alice@x', 'b', 1000);
    await writeFile(path, `${JSON.stringify(oldest)}\n`);
    await truncate(path, MAX_REPLAY_FILE_BYTES + 1000);
    await appendFile(path, `\n${JSON.stringify(newest)}\n`);

    const loaded = await new ReplayFile(path, { now: () => NOW, logger }).load();

    expect(loaded).toEqual([newest]);
    expect(messages).toContain('replay file too large: only its newest records are restored');
    expect((await stat(path)).size).toBeLessThan(1000);
  });

  it('shrinks a file over its limit', async () => {
    const path = await replayPath();
    const { logger } = recordingLogger();
    await writeFile(path, '');
    await truncate(path, MAX_REPLAY_FILE_BYTES + 1);
    const file = new ReplayFile(path, { now: () => NOW, logger, compactionRecords: 2 });
    await file.load();

    // Unless each compaction rewrites the file, every record makes it larger.
    for (const key of ['a', 'b', 'c', 'd']) await file.add(record('sip:alice@x', key, 1000));

    expect((await stat(path)).size).toBeLessThan(MAX_REPLAY_FILE_BYTES);
  });

  it('compacts after the set number of appends', async () => {
    const path = await replayPath();
    const { logger } = recordingLogger();
    let now = NOW;
    const file = new ReplayFile(path, { now: () => now, logger, compactionRecords: 4 });
    await file.add(record('sip:alice@x', 'a1', 400_000));
    await file.add(record('sip:alice@x', 'a2', 400_000));
    await file.add(record('sip:alice@x', 'a3', 1000));
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(3);

    now += 1;
    await file.add(record('sip:alice@x', 'a4', 1000));

    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as ReplayRecord).key.replace(/\.+$/, ''))).toEqual(
      ['a3', 'a4'],
    );
  });

  it('logs a failed write without raising', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'replay-file-'));
    const { logger, messages } = recordingLogger();
    // A folder cannot be appended to.
    const file = new ReplayFile(folder, { now: () => NOW, logger });

    await expect(file.add(record('sip:alice@x', 'a', 1000))).resolves.toBeUndefined();
    await expect(file.flush()).resolves.toBeUndefined();
    expect(messages).toContain('writing the replay file failed');
  });

  it('writes nothing added after close', async () => {
    const path = await replayPath();
    const { logger } = recordingLogger();
    const file = new ReplayFile(path, { now: () => NOW, logger });
    const kept = record('sip:alice@x', 'kept', 1000);
    await file.add(kept);

    await file.close();
    await file.add(record('sip:alice@x', 'late', 500));

    expect(await new ReplayFile(path, { now: () => NOW, logger }).load()).toEqual([kept]);
  });
});
