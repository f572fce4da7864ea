/**
 * Reading of the files given with command-line options, with errors that name the option, the
 * file and the reason.
 *
 * @module
 */

import { readFileSync } from 'node:fs';

import { SetupError } from './cli-io.js';

/** Returns `--option path`, the way messages name a file given on the command line. */
export function optionFile(option: string, path: string): string {
  return `--${option} ${path}`;
}

/**
 * Reads the whole file given with `--option`. Raises SetupError with the reason it cannot be
 * read: not found, not readable, a folder.
 */
export function readOptionFile(option: string, path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new SetupError(`${optionFile(option, path)}: ${readFailure(error)}`);
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
