/**
 * `mcptt-smime pki init`: writes a demo CA and P-256 certificates with SIP URIs.
 *
 * @module
 */

import { lstatSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { createCertificate, pemEncode } from '../cms/index.js';
import { parseOptions, requireList, requireString } from './arguments.js';
import { SetupError, UsageError } from './cli-io.js';
import type { CliIo } from './cli-io.js';
import { PKI_USAGE } from './usage.js';

/** User parts allowed in file names and SIP URIs: RFC 3261 unreserved characters, no dot first. */
// RFC 3261 user characters that are safe in a file name too. A `+` starts telephone numbers.
const NAME_PATTERN = /^[A-Za-z0-9+][A-Za-z0-9_.!~*'()+-]{0,63}$/;
const DOMAIN_PATTERN =
  /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Runs `pki` and returns the exit status. */
export async function runPki(args: readonly string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === '--help' || subcommand === '-h') {
    await io.writeStdout(PKI_USAGE);
    return 0;
  }
  if (subcommand === undefined) throw new UsageError('pki command missing: expected init');
  if (subcommand !== 'init') throw new UsageError(`unknown pki command ${subcommand}`);

  const values = parseOptions(rest, {
    out: { type: 'string' },
    domain: { type: 'string' },
    user: { type: 'string', multiple: true },
    server: { type: 'string' },
    days: { type: 'string' },
  });
  if (values.help === true) {
    await io.writeStdout(PKI_USAGE);
    return 0;
  }
  const out = requireString(values, 'out');
  const domain = checkDomain(requireString(values, 'domain'));
  const names = [...requireList(values, 'user'), requireString(values, 'server')].map(checkName);
  if (new Set(names).size !== names.length || names.includes('ca')) {
    throw new UsageError('user and server names must be distinct and not "ca"');
  }
  const days = parseDays(values.days);

  const now = new Date();
  const common = {
    crypto: io.crypto,
    organization: `${domain} demo`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + days * DAY_MS),
  };
  // Every file is checked first, so that a second run stops before it writes anything.
  let existing;
  try {
    existing = statSync(out, { throwIfNoEntry: false });
  } catch (error) {
    // ENOTDIR, for one: a file is where a parent folder should be.
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new SetupError(`--out ${out}: cannot create the folder (${code})`);
  }
  if (existing !== undefined && !existing.isDirectory()) {
    throw new SetupError(`--out ${out}: cannot create the folder (EEXIST)`);
  }
  for (const name of ['ca', ...names]) {
    for (const file of credentialFiles(out, name)) {
      // lstat, so that a symbolic link counts even when its target is missing: `wx` fails on it.
      if (lstatSync(file, { throwIfNoEntry: false }) !== undefined) {
        throw new SetupError(
          `--out ${out}: ${file} already exists (pki init never replaces a file: choose another --out)`,
        );
      }
    }
  }
  try {
    makeFolder(out);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'write error';
    throw new SetupError(`--out ${out}: cannot create the folder (${code})`);
  }
  const caKeys = await generateKeyPair(io.crypto);
  const caCertificate = await createCertificate({
    ...common,
    subject: `${domain} demo CA`,
    issuerKey: caKeys.privateKey,
    publicKey: caKeys.publicKey,
    serial: randomSerial(io.crypto),
    isCa: true,
  });
  await writeCredential(out, 'ca', caCertificate, caKeys.privateKey, io.crypto);

  for (const name of names) {
    const keys = await generateKeyPair(io.crypto);
    const certificate = await createCertificate({
      ...common,
      subject: name,
      issuer: caCertificate,
      issuerKey: caKeys.privateKey,
      publicKey: keys.publicKey,
      serial: randomSerial(io.crypto),
      uris: [`sip:${name}@${domain}`],
    });
    await writeCredential(out, name, certificate, keys.privateKey, io.crypto);
  }
  io.writeStderr(`wrote the CA, ${listNames(names)} (key and certificate each) to ${out}\n`);
  return 0;
}

/** Lists names as in a sentence: `alice`, `alice and mcptt-server`, `alice, bob and mcptt-server`. */
function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;
}

/** Returns the key and certificate files of one credential. */
function credentialFiles(dir: string, name: string): [key: string, certificate: string] {
  return [join(dir, `${name}.key.pem`), join(dir, `${name}.cert.pem`)];
}

function generateKeyPair(crypto: Crypto): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
}

/** Returns 16 random bytes as a positive serial number (RFC 5280 §4.1.2.2). */
function randomSerial(crypto: Crypto): Uint8Array {
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial;
}

async function writeCredential(
  dir: string,
  name: string,
  certificate: Uint8Array,
  privateKey: CryptoKey,
  crypto: Crypto,
): Promise<void> {
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', privateKey));
  const [keyFile, certificateFile] = credentialFiles(dir, name);
  writeNewFile(keyFile, pemEncode(pkcs8, 'PRIVATE KEY'), 0o600);
  writeNewFile(certificateFile, pemEncode(certificate, 'CERTIFICATE'), 0o644);
}

/**
 * Makes `path` and its missing parents one at a time. A recursive mkdir of Node 20 retries for
 * ever when a step fails with ENOENT, as it does under /proc. An existing folder, or a symbolic
 * link to one, is kept. Raises the error of the step that failed.
 */
function makeFolder(path: string): void {
  const missing: string[] = [];
  let current = resolve(path);
  let found = statSync(current, { throwIfNoEntry: false });
  while (found === undefined && dirname(current) !== current) {
    missing.push(current);
    current = dirname(current);
    found = statSync(current, { throwIfNoEntry: false });
  }
  for (const folder of missing.reverse()) mkdirSync(folder);
}

function writeNewFile(path: string, text: string, mode: number): void {
  try {
    // `wx` fails on an existing file, so that a second run never replaces a key.
    writeFileSync(path, text, { flag: 'wx', mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'write error';
    const reason = code === 'EEXIST' ? 'already exists' : `cannot be written (${code})`;
    throw new SetupError(`${path}: ${reason}`);
  }
}

function checkName(name: string): string {
  if (!NAME_PATTERN.test(name)) throw new UsageError(`invalid user name ${JSON.stringify(name)}`);
  return name;
}

/** Maximum lengths in characters of a DNS domain name in text form and of one of its labels. */
const MAX_DOMAIN_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

/**
 * Returns `domain` in lowercase when it is a host name or an IPv4 address. A host name's last
 * label has a letter (RFC 1123 §2.1), so digits alone must form an IPv4 address.
 */
function checkDomain(domain: string): string {
  const labels = domain.split('.');
  const tooLong =
    domain.length > MAX_DOMAIN_LENGTH || labels.some((label) => label.length > MAX_LABEL_LENGTH);
  const numeric = /^\d+$/.test(labels.at(-1) ?? '');
  const ipv4 =
    labels.length === 4 && labels.every((label) => /^\d{1,3}$/.test(label) && +label <= 255);
  if (tooLong || !DOMAIN_PATTERN.test(domain) || (numeric && !ipv4)) {
    throw new UsageError(`invalid domain ${JSON.stringify(domain)}`);
  }
  return domain.toLowerCase();
}

function parseDays(value: unknown): number {
  if (value === undefined) return 365;
  // Decimal digits only: Number() would also read `0x10`, `1e3`, `7.0` and padded values.
  const days = typeof value === 'string' && /^[0-9]{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(days >= 1 && days <= 3650)) {
    throw new UsageError('--days must be a whole number from 1 to 3650');
  }
  return days;
}
