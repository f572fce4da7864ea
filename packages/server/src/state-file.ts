/**
 * The file in which the server keeps what its registry learned at run time (service
 * authorisations, affiliations, certificates), so that a restart does not drop every user until
 * the next refresh of their publications.
 *
 * @module
 */
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';

/**
 * Largest state file that {@link readStateFile} reads, in bytes. A user's entry takes about
 * 2 KB with a certificate and one intermediate, so this leaves room for thousands of users.
 */
export const MAX_STATE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Reads and parses a state file. Resolves with undefined when the file does not exist, and
 * raises the read error, a RangeError for a file larger than {@link MAX_STATE_FILE_BYTES} or a
 * SyntaxError for any other problem.
 */
export async function readStateFile(path: string): Promise<unknown> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_STATE_FILE_BYTES) {
      throw new RangeError(
        `state file of ${String(size)} bytes, over ${String(MAX_STATE_FILE_BYTES)}`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as unknown;
}

/**
 * Writes the state to its file after each change, one write at a time. Changes that arrive while
 * a write runs are written together once it ends, even when that write failed. Each write goes to
 * a temporary file with mode 0600 that then replaces the state file, so that a crash of the
 * server never leaves half a file.
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
        const temporary = `${this.#path}.tmp`;
        await writeFile(temporary, `${JSON.stringify(this.#state())}\n`, { mode: 0o600 });
        await rename(temporary, this.#path);
      } catch (error) {
        // A change noted meanwhile still gets its own write, with the newer state.
        this.#logger.error({ file: this.#path, err: error }, 'writing the state file failed');
      }
    }
  }
}
