/**
 * Loading of the certificate revocation lists given on the command line.
 *
 * @module
 */

import { readFileSync } from 'node:fs';

import { parseRevocationList, pemDecode } from '../cms/index.js';
import type { RevocationList } from '../cms/index.js';
import { isMcpttError } from '../errors.js';
import { CliError } from './cli-io.js';

const PEM_LABEL = 'X509 CRL';

/**
 * Reads the CRLs of a file: every PEM `X509 CRL` block of a text file (RFC 7468 §5), or else the
 * whole file as one DER list. Raises CliError naming the file when it cannot be read or when a
 * list is malformed, not supported or too large.
 */
export function readRevocationLists(path: string): RevocationList[] {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new CliError(`cannot read ${path} (${code})`);
  }

  try {
    const text = Buffer.from(bytes).toString('latin1');
    const lists = text.includes(`-----BEGIN ${PEM_LABEL}-----`)
      ? pemDecode(text, PEM_LABEL)
      : [bytes];
    return lists.map((der) => parseRevocationList(der));
  } catch (error) {
    if (isMcpttError(error)) throw new CliError(`${path}: unusable CRL: ${error.message}`);
    throw error;
  }
}
