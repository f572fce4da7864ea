/**
 * The file in which the server keeps the requests that its replay guard remembers, so that the
 * SIP core cannot send a request once more after a restart of the server.
 *
 * @module
 */
import { appendFile, open, readFile, stat } from 'node:fs/promises';
import {
  compactReplayRecords,
  isReplayRecord,
  type ReplayRecord,
  type ReplayStore,
} from '@mcptt-smime/smime';
import type { Logger } from 'pino';
import { replaceFile } from './state-file.js';

/**
 * Largest replay file that {@link ReplayFile.load} reads, in bytes. A record takes about 150
 * bytes, so this holds the guard's 100,000 entries several times over.
 */
export const MAX_REPLAY_FILE_BYTES = 64 * 1024 * 1024;

/** Records appended after which the file is rewritten with the live records only. */
export const REPLAY_FILE_COMPACTION_RECORDS = 10_000;

/** Options of {@link ReplayFile}. */
export interface ReplayFileOptions {
  /** The server's clock, in ms since 1970: records that expired by then are dropped. */
  readonly now: () => number;
  readonly logger: Logger;
  /** Records appended between two compactions, {@link REPLAY_FILE_COMPACTION_RECORDS} by default. */
  readonly compactionRecords?: number;
}

/**
 * A {@link ReplayStore} on a file of JSON lines, one record per line, with mode 0600. Records are
 * appended one at a time, in the order the guard reports them. The file is rewritten with the
 * live records only when it is loaded and after every {@link REPLAY_FILE_COMPACTION_RECORDS}
 * appended records, each time through a temporary file, so that a crash never leaves half a
 * file. A crash during an append can leave half a line, which the next load skips. A failed
 * write is logged and never raised.
 */
export class ReplayFile implements ReplayStore {
  readonly #path: string;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #compactionRecords: number;
  #appended = 0;
  #closed = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(path: string, options: ReplayFileOptions) {
    this.#path = path;
    this.#now = options.now;
    this.#logger = options.logger;
    this.#compactionRecords = options.compactionRecords ?? REPLAY_FILE_COMPACTION_RECORDS;
  }

  /**
   * Returns the records that have not expired, in the order they arrived, and rewrites the file
   * with them. A signer's older records past the guard's limit become one summary record (see
   * `compactReplayRecords`). A missing file gives none, and one that cannot be read is logged and
   * gives none too. Of a file larger than {@link MAX_REPLAY_FILE_BYTES}, only the records in its
   * last that many bytes are read, and a warning is logged.
   */
  async load(): Promise<ReplayRecord[]> {
    let records: ReplayRecord[] = [];
    await this.#enqueue(async () => {
      const text = await this.#read();
      if (text === undefined) return;
      records = this.#live(text);
      await this.#rewrite(records);
    });
    return records;
  }

  /** Appends a record. Resolves once it is written, or its write failed and was logged. */
  add(record: ReplayRecord): Promise<void> {
    if (this.#closed) return this.#queue;
    return this.#enqueue(async () => {
      await appendFile(this.#path, recordLine(record), { mode: 0o600 });
      this.#appended += 1;
      if (this.#appended >= this.#compactionRecords) {
        const text = await this.#read();
        if (text !== undefined) await this.#rewrite(this.#live(text));
      }
    });
  }

  /** Resolves once every record added so far is written, or its write failed and was logged. */
  flush(): Promise<void> {
    return this.#queue;
  }

  /**
   * Resolves once every record added so far is written, and writes no record added after, such
   * as one of a request that a stopping server still checks, so that nothing reaches the file
   * once another server may own it.
   */
  close(): Promise<void> {
    this.#closed = true;
    return this.#queue;
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(step).catch((error: unknown) => {
      this.#logger.error({ file: this.#path, err: error }, 'writing the replay file failed');
    });
    return this.#queue;
  }

  /**
   * Reads the file, or returns undefined when it is missing or cannot be read. Of a file larger
   * than {@link MAX_REPLAY_FILE_BYTES}, it reads the whole lines of the last that many bytes,
   * which hold the newest records, so that the rewrite after it makes the file small again.
   */
  async #read(): Promise<string | undefined> {
    try {
      const { size } = await stat(this.#path);
      if (size <= MAX_REPLAY_FILE_BYTES) return await readFile(this.#path, 'utf8');
      this.#logger.warn(
        { file: this.#path, size, limit: MAX_REPLAY_FILE_BYTES },
        'replay file too large: only its newest records are restored',
      );
      const tail = Buffer.alloc(MAX_REPLAY_FILE_BYTES);
      const handle = await open(this.#path, 'r');
      let length: number;
      try {
        ({ bytesRead: length } = await handle.read(tail, 0, tail.length, size - tail.length));
      } finally {
        await handle.close();
      }
      // The first line may be cut in the middle, so it is dropped.
      const start = tail.subarray(0, length).indexOf(0x0a) + 1;
      return tail.subarray(start, length).toString('utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      this.#logger.warn(
        { file: this.#path, err: error },
        'reading the replay file failed: its records are not restored',
      );
      return undefined;
    }
  }

  /** Parses the lines of the file and returns the live records, compacted. */
  #live(text: string): ReplayRecord[] {
    const now = this.#now();
    const live: ReplayRecord[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        record = undefined;
      }
      if (!isReplayRecord(record)) {
        skipped += 1;
        continue;
      }
      if (record.expiry >= now) live.push(record);
    }
    if (skipped > 0) {
      this.#logger.warn({ file: this.#path, lines: skipped }, 'replay file lines skipped');
    }
    return compactReplayRecords(live);
  }

  async #rewrite(records: readonly ReplayRecord[]): Promise<void> {
    await replaceFile(this.#path, records.map(recordLine).join(''));
    this.#appended = 0;
  }
}

/** Returns a record's line: its fields and nothing else that the object may carry. */
function recordLine(record: ReplayRecord): string {
  const { key, signer, expiry, signedAt, arrivedAt } = record;
  return `${JSON.stringify({ key, signer, expiry, signedAt, arrivedAt })}\n`;
}
