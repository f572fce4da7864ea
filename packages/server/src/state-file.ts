/**
 * The file in which the server keeps what its registry learned at run time (service
 * authorisations, affiliations, certificates), so that a restart does not drop every user until
 * the next refresh of their publications.
 *
 * @module
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';

/**
 * Reads and parses a state file. Resolves with undefined when the file does not exist, and
 * raises the read error or a SyntaxError for any other problem.
 */
export async function readStateFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as unknown;
}

/**
 * Writes the state to its file after each change, one write at a time. Changes that arrive while
 * a write runs are written together once it ends. Each write goes to a temporary file with mode
 * 0600 that then replaces the state file, so that a crash never leaves half a file.
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
    this.#writing ??= this.#drain();
  }

  /** Resolves once every change noted so far is written, or its write failed and was logged. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        const temporary = `${this.#path}.tmp`;
        await writeFile(temporary, `${JSON.stringify(this.#state())}\n`, { mode: 0o600 });
        await rename(temporary, this.#path);
      }
    } catch (error) {
      this.#logger.error({ file: this.#path, err: error }, 'writing the state file failed');
    } finally {
      this.#writing = undefined;
    }
  }
}
