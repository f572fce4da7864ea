/**
 * Shared material of the CMS tests: the committed fixture PKI, imported keys, and an OpenSSL runner
 * that works on temporary files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { webcrypto } from 'node:crypto';

import { importPrivateKey, pemDecode } from '../../src/cms/index.js';
import { createNodeCrypto } from '../../src/node/node-crypto.js';
import type { IdentityKeys } from '../../src/cms/index.js';

/** The WebCrypto implementation passed to the library. */
export const crypto = webcrypto as unknown as Crypto;

/** The engines that interop tests run with: Node's WebCrypto and the Node engine of the core. */
export const engines: readonly { readonly label: string; readonly crypto: Crypto }[] = [
  { label: 'WebCrypto', crypto },
  { label: 'node engine', crypto: createNodeCrypto() },
];

/** Folder of the committed fixture PKI. */
export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cms');

/** A fixed time inside the validity of every fixture certificate. */
export const FIXTURE_NOW = new Date('2030-06-01T00:00:00Z');

/** Path of a fixture file. */
export function fixturePath(name: string): string {
  return join(fixturesDir, name);
}

/** DER of a fixture certificate, such as `alice`. */
export function fixtureCertificate(name: string): Uint8Array {
  const [der] = pemDecode(readFileSync(fixturePath(`${name}.cert.pem`), 'utf8'), 'CERTIFICATE');
  if (der === undefined) throw new Error(`fixture ${name} has no certificate`);
  return der;
}

/** PKCS#8 DER of a fixture key. */
export function fixtureKey(name: string): Uint8Array {
  const [der] = pemDecode(readFileSync(fixturePath(`${name}.key.pem`), 'utf8'), 'PRIVATE KEY');
  if (der === undefined) throw new Error(`fixture ${name} has no key`);
  return der;
}

/** Imports a fixture key, non-extractable. */
export function fixtureKeys(
  name: string,
  rsaSignature: 'pss' | 'pkcs1' = 'pss',
): Promise<IdentityKeys> {
  return importPrivateKey(crypto, fixtureKey(name), { rsaSignature });
}

/** Result of one OpenSSL run. */
export interface OpensslResult {
  readonly status: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/**
 * Runs `/usr/bin/openssl` in a fresh temporary folder holding `files`; `$NAME` in an argument is
 * replaced by the path of that file. Returns the exit status, never throws on failure.
 */
export function runOpenssl(
  args: readonly string[],
  files: Readonly<Record<string, Uint8Array | string>> = {},
): OpensslResult & { read(name: string): Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'cms-openssl-'));
  try {
    for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
    const resolved = args.map((arg) =>
      arg.replace(/\$([\w.-]+)/g, (_, name: string) => join(dir, name)),
    );
    let status = 0;
    let stdout: Buffer = Buffer.alloc(0);
    let stderr = '';
    try {
      stdout = execFileSync('/usr/bin/openssl', resolved, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const failure = error as { status?: number; stdout?: Buffer; stderr?: Buffer };
      status = failure.status ?? 1;
      stdout = failure.stdout ?? stdout;
      stderr = failure.stderr?.toString() ?? '';
    }
    const outputs = new Map<string, Buffer>();
    for (const name of ['out.bin', 'out.der']) {
      try {
        outputs.set(name, readFileSync(join(dir, name)));
      } catch {
        // The command wrote no such file.
      }
    }
    return {
      status,
      stdout,
      stderr,
      read(name: string): Buffer {
        const data = outputs.get(name);
        if (data === undefined) throw new Error(`openssl wrote no ${name}: ${stderr}`);
        return data;
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads a whole fixture file as bytes. */
export function fixtureFile(name: string): Buffer {
  return readFileSync(fixturePath(name));
}
