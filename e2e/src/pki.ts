/**
 * Demo certificates for the suite, made with the project's own CLI (`mcptt-smime pki init`).
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The CLI launcher, which runs the TypeScript sources in a checkout. */
const CLI = fileURLToPath(new URL('../../packages/smime/bin/mcptt-smime.js', import.meta.url));

/** Creates a CA and a key and certificate per name in `directory`. */
export async function createPki(
  directory: string,
  domain: string,
  users: readonly string[],
  server: string,
): Promise<void> {
  const args = ['pki', 'init', '--out', directory, '--domain', domain, '--server', server];
  for (const name of users) args.push('--user', name);
  await run(process.execPath, [CLI, ...args]);
}

/**
 * Packs a key and certificate into a PKCS#12 file with OpenSSL 3's defaults (PBES2 with
 * AES-256-CBC and PBKDF2), the format that the keystore imports.
 */
export async function createPkcs12(
  keyFile: string,
  certificateFile: string,
  outFile: string,
  password: string,
): Promise<void> {
  await run('openssl', [
    'pkcs12',
    '-export',
    '-inkey',
    keyFile,
    '-in',
    certificateFile,
    '-out',
    outFile,
    '-passout',
    `pass:${password}`,
  ]);
}
