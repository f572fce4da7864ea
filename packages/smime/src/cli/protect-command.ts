/**
 * `mcptt-smime protect`: signs, then encrypts a SIP message read from standard input.
 *
 * @module
 */

import {
  certificateSipUris,
  parseCertificate,
  replaceControlCharacters,
} from '../cms/certificate.js';
import { signerUsageProblem } from '../cms/chain.js';
import type { ContentEncryptionAlgorithm } from '../cms/index.js';
import { sameAddressOfRecord } from '../sip/address.js';
import { MAX_RECIPIENTS } from '../limits.js';
import { SipMessage } from '../sip/message.js';
import { expectedSignerUri } from '../smime/signer-check.js';
import { protectMessage } from '../smime/protect.js';
import { createHeaderFragment } from '../smime/protected-headers.js';
import {
  optionalChoice,
  optionalList,
  parseOptions,
  requireList,
  requireString,
} from './arguments.js';
import { UsageError } from './cli-io.js';
import type { CliIo } from './cli-io.js';
import { loadIdentity, readRecipient } from './key-files.js';
import { optionFile } from './option-files.js';
import { PROTECT_USAGE } from './usage.js';

const CONTENT_ENCRYPTIONS: readonly ContentEncryptionAlgorithm[] = [
  'aes-128-gcm',
  'aes-256-gcm',
  'aes-128-cbc',
  'aes-256-cbc',
];

/** Runs `protect` and returns the exit status. */
export async function runProtect(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseOptions(args, {
    key: { type: 'string' },
    cert: { type: 'string' },
    recipient: { type: 'string', multiple: true },
    'content-encryption': { type: 'string' },
    'rsa-signature': { type: 'string' },
    'protect-header': { type: 'string', multiple: true },
  });
  if (values.help === true) {
    await io.writeStdout(PROTECT_USAGE);
    return 0;
  }
  const keyPath = requireString(values, 'key');
  const certPath = requireString(values, 'cert');
  const recipientPaths = requireList(values, 'recipient');
  if (recipientPaths.length > MAX_RECIPIENTS) {
    throw new UsageError(`at most ${MAX_RECIPIENTS} --recipient options`);
  }
  const contentEncryption = optionalChoice(values, 'content-encryption', CONTENT_ENCRYPTIONS);
  const rsaSignature = optionalChoice(values, 'rsa-signature', ['pss', 'pkcs1'] as const);
  const protectHeaders = optionalList(values, 'protect-header');
  for (const name of protectHeaders) checkProtectableName(name);

  // Every file is checked before the message is read, so that a local mistake exits 2.
  const signer = await loadIdentity(io.crypto, keyPath, certPath, rsaSignature);
  const recipients: Uint8Array[] = [];
  for (const path of recipientPaths) recipients.push(await readRecipient(io.crypto, path));
  const message = SipMessage.parse(await io.readStdin());
  for (const name of protectHeaders) checkPresentField(message, name);
  const protectedMessage = await protectMessage(message, {
    crypto: io.crypto,
    signer,
    recipients,
    ...(contentEncryption === undefined ? {} : { contentEncryption }),
    protectHeaders,
  });

  // Warnings follow the protection, so that the first line of a rejection is its SIP status.
  const now = new Date();
  const warnings = [
    validityWarning('cert', certPath, signer.certificate, now),
    usageWarning(certPath, signer.certificate),
    ...recipientPaths.map((path, index) =>
      validityWarning('recipient', path, recipients[index], now),
    ),
    identityWarning(message, signer.certificate),
  ];
  for (const warning of warnings) {
    if (warning !== undefined) io.writeStderr(`mcptt-smime: warning: ${warning}\n`);
  }
  await io.writeStdout(protectedMessage.toBytes());
  return 0;
}

/**
 * Raises UsageError, without the usage text, for a --protect-header name that the message lacks,
 * because the receiver could not tell that the field must be absent.
 */
function checkPresentField(message: SipMessage, name: string): void {
  if (!message.hasHeader(name)) {
    throw new UsageError(`--protect-header ${name}: the message has no ${name} header field`, {
      showUsage: false,
    });
  }
  const values = message.getHeaders(name);
  try {
    createHeaderFragment(
      values.length === 0 ? [{ name, value: '' }] : values.map((value) => ({ name, value })),
    );
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new UsageError(`--protect-header ${name}: ${error.message}`, { showUsage: false });
  }
}

/**
 * Returns a warning when the signer certificate does not name the From of a request or the To
 * of a response, because a receiver rejects such a message with 403 (RFC 3261 §23.2). The
 * message is protected anyway, for tests of that receiver.
 */
function identityWarning(message: SipMessage, certificate: Uint8Array): string | undefined {
  const identity = expectedSignerUri(message);
  if (certificateSipUris(certificate).some((uri) => sameAddressOfRecord(uri, identity))) {
    return undefined;
  }
  const header = message.isRequest ? 'From' : 'To';
  return (
    `the signer certificate does not name ${identity}, the ${header} of the message, so ` +
    'receivers will reject it with 403'
  );
}

/**
 * Returns a warning when the certificate given with `--option` is outside its validity period at
 * `now`. Receivers reject a signature by such a signer certificate with 403. The message is
 * encrypted to such a recipient certificate all the same, for tests of that receiver.
 */
function validityWarning(
  option: 'cert' | 'recipient',
  path: string,
  certificate: Uint8Array | undefined,
  now: Date,
): string | undefined {
  if (certificate === undefined) return undefined;
  const { notBefore, notAfter } = parseCertificate(certificate);
  const where = optionFile(option, path);
  const reason =
    now < notBefore
      ? `is not valid before ${formatDate(notBefore)}`
      : now > notAfter
        ? `expired on ${formatDate(notAfter)}`
        : undefined;
  if (reason === undefined) return undefined;
  return option === 'cert'
    ? `${where} ${reason}, so receivers will reject the message with 403`
    : `${where} ${reason}, but the message is encrypted to it all the same`;
}

/**
 * Returns a warning when the keyUsage or extKeyUsage of the signer certificate given with
 * `--cert` forbids S/MIME signing, because receivers reject its signatures with 403 (RFC 8550
 * §4.4.2 and §4.4.4). The message is signed anyway, for tests of that receiver.
 */
function usageWarning(path: string, certificate: Uint8Array): string | undefined {
  const problem = signerUsageProblem(parseCertificate(certificate));
  if (problem === undefined) return undefined;
  return `${optionFile('cert', path)}: ${problem}, so receivers will reject the message with 403`;
}

/** Formats a date as RFC 3339 UTC without fractions of a second. */
function formatDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Raises UsageError for a --protect-header name that no fragment can carry. */
function checkProtectableName(name: string): void {
  try {
    createHeaderFragment([{ name, value: 'x' }]);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const reason = error.message.replace(/^[^:]*: /, '');
    // The name may contain a line feed, which the CLI keeps in usage errors.
    throw new UsageError(`--protect-header ${replaceControlCharacters(name)}: ${reason}`);
  }
}
