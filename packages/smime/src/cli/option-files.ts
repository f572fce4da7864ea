/**
 * Reading of the files given with command-line options, with errors that name the option, the
 * file and the reason.
 *
 * @module
 */

import { closeSync, openSync, readSync } from 'node:fs';

import { SetupError } from './cli-io.js';

/**
 * Largest file that an option takes: 4 MiB. Keys and certificates take a few kilobytes, and the
 * largest CRL the library reads, `MAX_REVOCATION_LIST_BYTES` of DER, about 1.4 MiB as PEM. A
 * device such as `/dev/zero` would otherwise be read until memory runs out.
 */
export const MAX_OPTION_FILE_BYTES = 4 * 1024 * 1024;

/** Returns `--option path`, the way messages name a file given on the command line. */
export function optionFile(option: string, path: string): string {
  return `--${option} ${path}`;
}

/**
 * Reads the whole file given with `--option`. Raises SetupError with the reason it cannot be
 * read: not found, not readable, a folder, or larger than {@link MAX_OPTION_FILE_BYTES}.
 */
export function readOptionFile(option: string, path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new SetupError(`${optionFile(option, path)}: ${readFailure(error)}`);
  }
  try {
    // One byte more than the limit distinguishes a file at the limit from a longer one.
    const buffer = new Uint8Array(MAX_OPTION_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_OPTION_FILE_BYTES) {
        throw new SetupError(
          `${optionFile(option, path)}: larger than ${MAX_OPTION_FILE_BYTES} bytes`,
        );
      }
    }
    return buffer.slice(0, length);
  } catch (error) {
    if (error instanceof SetupError) throw error;
    throw new SetupError(`${optionFile(option, path)}: ${readFailure(error)}`);
  } finally {
    closeSync(fd);
  }
}

/** Reads the file given with `--option` as text. PEM is ASCII, so each byte becomes one character. */
export function readOptionText(option: string, path: string): string {
  return Buffer.from(readOptionFile(option, path)).toString('latin1');
}

/**
 * Returns the reason a file contains no PEM block of the expected label, for example
 * `not a PEM certificate (found "-----BEGIN PRIVATE KEY-----")` for `expected` `PEM certificate`.
 * Only the label of the block found is quoted, never its content.
 */
export function notPemReason(expected: string, label: string, text: string): string {
  const found = /-----BEGIN ([A-Z0-9 ]{1,40})-----/.exec(text)?.[1];
  return found === undefined
    ? `not a ${expected} (no "-----BEGIN ${label}-----" line)`
    : `not a ${expected} (found "-----BEGIN ${found}-----")`;
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'not found';
    case 'EACCES':
    case 'EPERM':
      return 'not readable (permission denied)';
    case 'EISDIR':
      return 'is a folder, not a file';
    default:
      return `cannot be read (${code ?? 'read error'})`;
  }
}
