/**
 * Loading of the certificate revocation lists given on the command line.
 *
 * @module
 */

import { parseRevocationList, pemDecode } from '../cms/index.js';
import type { RevocationList } from '../cms/index.js';
import { LimitExceededError, NotSupportedError, isMcpttError } from '../errors.js';
import { SetupError } from './cli-io.js';
import { notPemReason, optionFile, readOptionFile } from './option-files.js';

const PEM_LABEL = 'X509 CRL';

/**
 * Reads the CRLs of the file given with `--crl`: every PEM `X509 CRL` block of a text file
 * (RFC 7468 §5), or else the whole file as one DER list. Other PEM blocks beside CRL blocks, such
 * as the CA certificate of a bundle, are ignored. Raises SetupError naming the option and the file
 * when it cannot be read, when it has PEM blocks but no CRL block, or when a list is invalid, not
 * supported or too large.
 */
export function readRevocationLists(path: string): RevocationList[] {
  const where = optionFile('crl', path);
  const bytes = readOptionFile('crl', path);
  const text = Buffer.from(bytes).toString('latin1');
  const isPem = text.includes(`-----BEGIN ${PEM_LABEL}-----`);
  if (!isPem && text.includes('-----BEGIN ')) {
    throw new SetupError(`${where}: ${notPemReason('CRL', PEM_LABEL, text)}`);
  }

  try {
    const lists = isPem ? pemDecode(text, PEM_LABEL) : [bytes];
    return lists.map((der) => parseRevocationList(der));
  } catch (error) {
    if (!isMcpttError(error)) throw error;
    const kind =
      error instanceof NotSupportedError
        ? 'unsupported CRL'
        : error instanceof LimitExceededError
          ? 'CRL too large'
          : 'invalid CRL';
    throw new SetupError(`${where}: ${kind} (${error.message})`);
  }
}
