/**
 * The process streams and crypto the commands use, behind an interface so that tests can run
 * commands in memory.
 *
 * @module
 */

import { webcrypto } from 'node:crypto';

import { LimitExceededError } from '../errors.js';
import { MAX_MESSAGE_BYTES } from '../limits.js';

/** Streams, crypto and flags of one command run. */
export interface CliIo {
  readonly crypto: Crypto;
  /** Reads the whole standard input. */
  readStdin(): Promise<Uint8Array>;
  /**
   * Writes to standard output and resolves once the data is written. Rejects with a SetupError
   * when it cannot be written, as when the disk is full or the reader closed the pipe.
   */
  writeStdout(data: Uint8Array | string): Promise<void>;
  writeStderr(text: string): void;
}

/**
 * Error of the local set-up that the user can fix: a key, certificate, CA or CRL file that is
 * missing, unreadable or invalid, a key that does not match its certificate, a recipient
 * certificate that cannot be encrypted to. Exit status 2 with one line on standard error and no
 * usage text. The message names the option and the file, and never quotes key material.
 */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}

/**
 * Wrong command line: unknown option, missing argument, an option that does not fit the message.
 * Exit status 2 with the usage text, or with the one line alone when `showUsage` is false.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** False when the usage text would not help, because the options are valid in themselves. */
  readonly showUsage: boolean;

  constructor(message: string, options?: { readonly showUsage?: boolean }) {
    super(message);
    this.showUsage = options?.showUsage ?? true;
  }
}

/** Stops reading stdin past this size, which no valid SIP message reaches. */
const MAX_STDIN_BYTES = 2 * MAX_MESSAGE_BYTES;

let ignoringStdoutErrors = false;

/** Returns the {@link CliIo} of the running process. */
export function processIo(): CliIo {
  // A failed write is also emitted as an `error` event, which would end the process with a stack
  // trace. writeStdout reports it instead.
  if (!ignoringStdoutErrors) {
    process.stdout.on('error', () => undefined);
    ignoringStdoutErrors = true;
  }
  return {
    crypto: webcrypto as Crypto,
    readStdin,
    writeStdout,
    writeStderr: (text) => process.stderr.write(text),
  };
}

function writeStdout(data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (error) => {
      if (error === null || error === undefined) {
        resolve();
        return;
      }
      const code = (error as NodeJS.ErrnoException).code ?? error.name;
      reject(new SetupError(`standard output: write failed (${code})`));
    });
  });
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of process.stdin as AsyncIterable<Uint8Array>) {
    length += chunk.length;
    if (length > MAX_STDIN_BYTES) {
      // The input is the message, so this is a rejection of the message with a SIP status. It
      // names the message limit, as the parser does for a shorter input past it.
      throw new LimitExceededError(`SIP message larger than ${MAX_MESSAGE_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
