/**
 * The file in which the server keeps what its registry learned at run time (service
 * authorisations, affiliations, certificates), so that a restart does not drop every user until
 * the next refresh of their publications.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';

/**
 * Largest state file that {@link readStateFile} reads, in bytes. A user's entry takes about
 * 2 KB with a certificate and one intermediate, so this leaves room for some 30,000 users.
 */
export const MAX_STATE_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads and parses a state file. Resolves with undefined when the file does not exist, and
 * raises the read error, a RangeError for a file larger than {@link MAX_STATE_FILE_BYTES} or a
 * SyntaxError for any other problem.
 */
export async function readStateFile(path: string): Promise<unknown> {
  const text = await readFileWithin(path, MAX_STATE_FILE_BYTES);
  return text === undefined ? undefined : parseJsonFile(text, path);
}

/**
 * Parses the JSON text of the file `path`. Raises a SyntaxError that names the file, and the
 * position when V8's message gives one. V8 quotes the text around an unexpected token, which may
 * be a password or an enrolment code without its quotes, so neither its message nor the error
 * itself is kept.
 */
export function parseJsonFile(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    const position = / at position \d+( \(line \d+ column \d+\))?$/.exec(message)?.[0] ?? '';
    throw new SyntaxError(`${path}: invalid JSON${position}`);
  }
}

/**
 * Reads a UTF-8 file of at most `maxBytes` bytes, checking the size before reading. Resolves
 * with undefined when the file does not exist, and raises RangeError for a larger file or the
 * read error.
 */
export async function readFileWithin(path: string, maxBytes: number): Promise<string | undefined> {
  try {
    const { size } = await stat(path);
    if (size > maxBytes) {
      throw new RangeError(`${path} has ${String(size)} bytes, over ${String(maxBytes)}`);
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Replaces the file at `path` with `text`, through a temporary file of its own with mode 0600
 * that is then renamed, so that a crash never leaves half a file. The temporary file gets a new
 * random name and must not exist yet, so that no file or link already there is written to. A
 * failed write deletes its temporary file.
 */
export async function replaceFile(path: string, text: string): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    // A file that was already there is not this write's to delete.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      await unlink(temporary).catch(() => undefined);
    }
    throw error;
  }
}

/**
 * Writes the state to its file after each change, one write at a time. Changes that arrive while
 * a write runs are written together once it ends, even when that write failed. Each write goes
 * through {@link replaceFile}, so that a crash of the server never leaves half a file.
 */
export class StateWriter {
  readonly #path: string;
  readonly #state: () => unknown;
  readonly #logger: Logger;
  #dirty = false;
  #writing: Promise<void> | undefined;

  constructor(path: string, state: () => unknown, logger: Logger) {
    this.#path = path;
    this.#state = state;
    this.#logger = logger;
  }

  /** Notes a change, and starts a write unless one is running. */
  changed(): void {
    this.#dirty = true;
    if (this.#writing === undefined) this.#startDrain();
  }

  /** Resolves once every change noted so far is written, or its write failed and was logged. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  #startDrain(): void {
    // A drain that reaches no await, as when state() raises, ends before its promise is stored.
    // So the promise is cleared in a later callback, which also starts a drain for a change
    // noted meanwhile.
    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
      if (this.#dirty) this.#startDrain();
    });
  }

  async #drain(): Promise<void> {
    while (this.#dirty) {
      this.#dirty = false;
      try {
        await replaceFile(this.#path, `${JSON.stringify(this.#state())}\n`);
      } catch (error) {
        // A change noted meanwhile still gets its own write, with the newer state.
        this.#logger.error({ file: this.#path, err: error }, 'writing the state file failed');
      }
    }
  }
}

/**
 * The lock files that this process holds. A lock that names this process but is not among them
 * was left by an earlier process with the same ID, such as PID 1 of a restarted container.
 */
const heldLocks = new Set<string>();

/** The claim of one server on its state file, from {@link claimStateFile}. */
export interface StateFileClaim {
  /**
   * Deletes the lock file, so that another server may use the state file. Calls after the first
   * do nothing.
   */
  release(): Promise<void>;
}

/**
 * Checks the folder of the state file and claims the file for this process, with a lock file
 * beside it (`STATEFILE.lock`) that contains the process ID. Raises an error that names
 * `stateFile` when a running process holds the lock, or when the folder is missing or another
 * user could write the file or its lock first and so authorise users. That is a folder of
 * another user than this process's or root, or one that others than its owner can write to,
 * such as a shared sticky folder like /tmp. A lock left by a process that no longer runs is taken
 * over, and so is one that names this process without being held by it.
 */
export async function claimStateFile(path: string): Promise<StateFileClaim> {
  const folder = dirname(path);
  let mode: number;
  let owner: number;
  try {
    const info = await stat(folder);
    if (!info.isDirectory()) throw new Error('not a folder');
    mode = info.mode;
    owner = info.uid;
  } catch {
    throw new Error(`stateFile folder ${folder} is missing: create it, with mode 0700`);
  }
  // NOTE: Windows reports no POSIX owner or mode, so the folder is not checked there.
  const uid = process.getuid?.();
  if (uid !== undefined && owner !== uid && owner !== 0) {
    throw new Error(
      `stateFile folder ${folder} belongs to user ${String(owner)}, who could replace the file ` +
        "and so authorise users: use a folder of the server's account",
    );
  }
  // A sticky folder that others may write to, such as /tmp, is shared: chmod would break it.
  if (process.platform !== 'win32' && (mode & 0o022) !== 0 && (mode & 0o1000) !== 0) {
    throw new Error(
      `stateFile folder ${folder} is a shared folder that other users can write to: use a ` +
        "folder of the server's account, since whoever can replace the file can authorise users",
    );
  }
  if (process.platform !== 'win32' && (mode & 0o022) !== 0) {
    throw new Error(
      `stateFile folder ${folder} is writable by other users: run chmod go-w on it, since ` +
        'whoever can replace the file can authorise users',
    );
  }

  const lock = `${path}.lock`;
  const key = resolve(lock);
  if (heldLocks.has(key)) throw inUse(path, lock, process.pid);
  // Held from here on, so that a second claim in this process fails while this one runs.
  heldLocks.add(key);
  try {
    for (let attempt = 0; ; attempt++) {
      if (await createLock(lock)) break;
      if (attempt > 0) throw inUse(path, lock, Number.NaN);
      const holder = await lockHolder(lock);
      // This process holds no claim on the file, so a lock with its ID is an earlier process's.
      if (
        Number.isSafeInteger(holder) &&
        holder > 0 &&
        holder !== process.pid &&
        isRunning(holder)
      ) {
        throw inUse(path, lock, holder);
      }
      // NOTE: two servers that find the same stale lock at once can both take it over, since
      // nothing makes this read and the unlink one step. Start one server at a time.
      await unlink(lock).catch(() => undefined);
    }
  } catch (error) {
    heldLocks.delete(key);
    throw error;
  }
  // Only the first release deletes the lock, because a later one would delete the next holder's.
  let claimed = true;
  return {
    release: async () => {
      if (!claimed) return;
      claimed = false;
      // A lock that names another process is that process's, after a takeover of this one.
      if ((await lockHolder(lock)) === process.pid) await unlink(lock).catch(() => undefined);
      heldLocks.delete(key);
    },
  };
}

/**
 * Creates the lock file with this process's ID and returns true, or returns false when it exists.
 * The ID goes into a temporary file that is then linked to the lock's name, which fails if that
 * name exists, so that no other process ever reads a lock without its ID. On a filesystem without
 * hard links, the lock is written directly.
 */
async function createLock(lock: string): Promise<boolean> {
  const temporary = `${lock}.${randomBytes(6).toString('hex')}.tmp`;
  const content = `${String(process.pid)}\n`;
  await writeTemporary(temporary, content);
  try {
    await link(temporary, lock);
    return true;
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code ?? '')) throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  // NOTE: without hard links the lock is created and then written, so a server that starts in
  // between reads no ID and takes the lock over.
  try {
    await writeFile(lock, content, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Writes a new file with mode 0600, and deletes it again when the write fails, as on a full disk. */
async function writeTemporary(temporary: string, content: string): Promise<void> {
  try {
    await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // A file that was already there is not this write's to delete.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      await unlink(temporary).catch(() => undefined);
    }
    throw error;
  }
}

/** Codes of link() on a filesystem that has no hard links, such as FAT or some network shares. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** Returns the process ID in a lock file, or NaN when there is none. */
async function lockHolder(lock: string): Promise<number> {
  return Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
}

function inUse(path: string, lock: string, holder: number): Error {
  const by = Number.isNaN(holder) ? 'another process' : `process ${String(holder)}`;
  return new Error(
    `stateFile ${path} is in use by ${by}: stop that server, or delete ${lock} if no server runs`,
  );
}

/** True when a process with this ID runs, or may run but belongs to another user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
