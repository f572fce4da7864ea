/**
 * Certificate revocation lists made by `openssl ca -gencrl`, with a throwaway configuration and
 * index file in a temporary folder. Tests that use it skip when `openssl` is missing, except in
 * CI, where they then fail.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runsWithTool } from '../../../../tools/required-tool.js';

/** True when the tests that need the `openssl` command run: where it runs, and always in CI. */
export const opensslAvailable = runsWithTool(spawnSync('openssl', ['version']).status === 0);

/** A certificate to revoke with `openssl ca -revoke`, which dates the entry now. */
export interface OpensslRevocation {
  /** Path of the PEM certificate. */
  readonly certificate: string;
  /** Reason as `-crl_reason` spells it, such as `keyCompromise`; `certificateHold` uses `-crl_hold`. */
  readonly reason?: string;
}

/** A revoked serial written into the index file, for a fixed revocation date. */
export interface IndexEntry {
  readonly serial: number;
  readonly revocationDate: Date;
  /** Reason as the index file spells it, such as `keyCompromise` or `removeFromCRL`. */
  readonly reason?: string;
}

/** Options of {@link opensslCrl}. */
export interface OpensslCrlOptions {
  /** Paths of the issuing CA's PEM certificate and PEM private key. */
  readonly caCertificate: string;
  readonly caKey: string;
  readonly revoke?: readonly OpensslRevocation[];
  readonly indexEntries?: readonly IndexEntry[];
  /** thisUpdate; default the time of the run. */
  readonly lastUpdate?: Date;
  /** nextUpdate; default 30 days after the time of the run. */
  readonly nextUpdate?: Date;
  /** Lines of the configuration section of the list's extensions, after the AKI. */
  readonly extensions?: readonly string[];
}

/** A list made by openssl, as PEM text and as DER. */
export interface OpensslCrl {
  readonly pem: string;
  readonly der: Uint8Array;
}

/** `YYYYMMDDHHMMSSZ`, as `-crl_lastupdate` and `-crl_nextupdate` take it. */
function generalizedTime(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/** `YYMMDDHHMMSSZ`, as the index file stores dates. */
function indexTime(date: Date): string {
  return generalizedTime(date).slice(2);
}

function indexLine(entry: IndexEntry): string {
  const serial = entry.serial.toString(16).toUpperCase();
  const reason = entry.reason === undefined ? '' : `,${entry.reason}`;
  const revoked = indexTime(entry.revocationDate) + reason;
  const expiry = indexTime(new Date('2049-01-01T00:00:00Z'));
  const even = serial.length % 2 === 1 ? `0${serial}` : serial;
  return ['R', expiry, revoked, even, 'unknown', '/CN=x'].join('\t');
}

const CONFIG = (extensions: readonly string[]) =>
  [
    '[ca]',
    'default_ca = test_ca',
    '[test_ca]',
    'database = index.txt',
    'crlnumber = crlnumber',
    'certificate = ca.cert.pem',
    'private_key = ca.key.pem',
    'default_md = sha256',
    'default_crl_days = 30',
    'crl_extensions = crl_ext',
    '[crl_ext]',
    'authorityKeyIdentifier = keyid:always',
    ...extensions,
    '',
  ].join('\n');

/** Runs `openssl ca` to revoke certificates and issue a list, and returns the list. */
export function opensslCrl(options: OpensslCrlOptions): OpensslCrl {
  const dir = mkdtempSync(join(tmpdir(), 'mcptt-smime-crl-'));
  const openssl = (args: readonly string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    writeFileSync(join(dir, 'ca.cert.pem'), readFileSync(options.caCertificate));
    writeFileSync(join(dir, 'ca.key.pem'), readFileSync(options.caKey));
    writeFileSync(join(dir, 'ca.cnf'), CONFIG(options.extensions ?? []));
    const lines = (options.indexEntries ?? []).map((entry) => `${indexLine(entry)}\n`);
    writeFileSync(join(dir, 'index.txt'), lines.join(''));
    writeFileSync(join(dir, 'crlnumber'), '1000\n');

    for (const { certificate, reason } of options.revoke ?? []) {
      const how =
        reason === 'certificateHold'
          ? ['-crl_hold', 'holdInstructionReject']
          : reason === undefined
            ? []
            : ['-crl_reason', reason];
      openssl(['ca', '-config', 'ca.cnf', '-revoke', certificate, ...how]);
    }
    const times = [
      ...(options.lastUpdate === undefined
        ? []
        : ['-crl_lastupdate', generalizedTime(options.lastUpdate)]),
      ...(options.nextUpdate === undefined
        ? []
        : ['-crl_nextupdate', generalizedTime(options.nextUpdate)]),
    ];
    openssl(['ca', '-config', 'ca.cnf', '-gencrl', ...times, '-out', 'crl.pem']);
    openssl(['crl', '-in', 'crl.pem', '-outform', 'DER', '-out', 'crl.der']);
    return {
      pem: readFileSync(join(dir, 'crl.pem'), 'utf8'),
      der: new Uint8Array(readFileSync(join(dir, 'crl.der'))),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
