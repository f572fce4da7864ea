/**
 * `mcptt-smime unprotect`: decrypts and verifies a SIP message read from standard input.
 *
 * @module
 */

import { COMPACT_HEADER_NAMES } from '../sip/header-names.js';
import { SipMessage } from '../sip/message.js';
import type { SecurityInfo } from '../smime/security.js';
import { unprotectMessage } from '../smime/unprotect.js';
import { optionalList, parseOptions, requireList, requireString } from './arguments.js';
import { UsageError } from './cli-io.js';
import type { CliIo } from './cli-io.js';
import { loadIdentity, readTrustAnchors } from './key-files.js';
import { readRevocationLists } from './revocation-files.js';
import { UNPROTECT_USAGE } from './usage.js';

/**
 * Runs `unprotect` and returns the exit status. The plaintext goes to standard output only after
 * every layer verified, so a rejection leaves standard output empty.
 */
export async function runUnprotect(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseOptions(args, {
    key: { type: 'string' },
    cert: { type: 'string' },
    ca: { type: 'string', multiple: true },
    crl: { type: 'string', multiple: true },
    'require-crl': { type: 'boolean' },
  });
  if (values.help === true) {
    await io.writeStdout(UNPROTECT_USAGE);
    return 0;
  }
  const keyPath = requireString(values, 'key');
  const certPath = requireString(values, 'cert');
  const caPaths = requireList(values, 'ca');
  const crlPaths = optionalList(values, 'crl');
  const requireCrl = values['require-crl'] === true;
  if (requireCrl && crlPaths.length === 0) {
    throw new UsageError('option --require-crl needs at least one --crl');
  }

  // Every file is checked before the message is read, so that a local mistake exits 2 and
  // exit status 1 always means that the message was rejected.
  const identity = await loadIdentity(io.crypto, keyPath, certPath);
  const trustAnchors = caPaths.flatMap((path) => readTrustAnchors('ca', path));
  const revocationLists = crlPaths.flatMap((path) => readRevocationLists(path));
  const message = SipMessage.parse(await io.readStdin());
  const result = await unprotectMessage(message, {
    crypto: io.crypto,
    identity,
    trustAnchors,
    revocationLists,
    ...(requireCrl ? { revocation: 'require' as const } : {}),
  });

  await io.writeStdout(result.message.toBytes());
  io.writeStderr(`${formatSummary(result.security)}\n`);
  return 0;
}

/**
 * Formats the one-line summary, for example
 * `verified: signed by sip:alice@example.org, authEnveloped-data aes-256-gcm`. The line ends with
 * `, encrypt-then-sign` when the signature covered only the ciphertext, because such a signer is
 * not proven to have written the content, and then names the header fields that the signature
 * covers, as in `, signed headers Answer-Mode`.
 */
export function formatSummary(security: SecurityInfo): string {
  if (!security.protected) return 'clear: the message has no S/MIME protection';
  const signature = security.signed ? `signed by ${security.signerUri ?? ''}` : 'not signed';
  const { smimeType, contentEncryption } = security.algorithms;
  const encryption = security.encrypted
    ? `${smimeType ?? 'encrypted'} ${contentEncryption ?? ''}`.trim()
    : 'not encrypted';
  const order = security.order === 'encrypt-then-sign' ? ', encrypt-then-sign' : '';
  // A compact form such as `i` is printed in its long form, `Call-ID`.
  const names = [...new Set(security.protectedHeaders.map((header) => longName(header.name)))];
  const headers = names.length > 0 ? `, signed headers ${names.join(' ')}` : '';
  // Only a verified signature earns the prefix, so that a script that looks for it is not misled.
  const outcome = security.signed ? 'verified' : 'opened';
  return `${outcome}: ${signature}, ${encryption}${order}${headers}`;
}

/** Returns the long form of a compact header field name, or `name` as it is. */
function longName(name: string): string {
  const lower = name.toLowerCase();
  return (
    (Object.hasOwn(COMPACT_HEADER_NAMES, lower) ? COMPACT_HEADER_NAMES[lower] : undefined) ?? name
  );
}
