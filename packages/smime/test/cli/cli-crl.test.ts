/**
 * `mcptt-smime unprotect --crl`: lists made by `openssl ca -gencrl`, in PEM and DER, and files
 * that hold no usable list.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Decode } from '../../src/bytes.js';
import { opensslAvailable, opensslCrl } from '../cms/openssl-crl.js';
import { SECRET_TOKEN, mcpttInfoMessage } from '../smime/messages.js';
import { getTestPki } from '../smime/test-pki.js';
import type { CredentialFiles, TestPki } from '../smime/test-pki.js';
import { cli } from './run-cli.js';

let pki: TestPki;
let files: (name: string) => CredentialFiles;
let dir: string;
let crlPem: string;
let crlDer: string;

beforeAll(async () => {
  if (!opensslAvailable) return;
  pki = await getTestPki();
  files = (name) => pki.files[name] as CredentialFiles;
  dir = mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-crl-'));
  // `openssl ca -revoke` dates the entry now, and the command below runs later.
  const made = opensslCrl({
    caCertificate: pki.caPath,
    caKey: join(pki.dir, 'ca.key.pem'),
    revoke: [{ certificate: files('alice2').certPath, reason: 'keyCompromise' }],
  });
  crlPem = join(dir, 'ca.crl.pem');
  crlDer = join(dir, 'ca.crl');
  writeFileSync(crlPem, made.pem);
  writeFileSync(crlDer, made.der);
});

/** Protects mcptt-info from `signer` (whose URI is alice's) for the server. */
function protectedBy(signer: string): Uint8Array {
  const run = cli(
    [
      'protect',
      '--key',
      files(signer).keyPath,
      '--cert',
      files(signer).certPath,
      '--recipient',
      files('server').certPath,
    ],
    mcpttInfoMessage().toBytes(),
  );
  expect(run.status).toBe(0);
  return run.stdout;
}

const unprotectArgs = (...extra: string[]) => [
  'unprotect',
  '--key',
  files('server').keyPath,
  '--cert',
  files('server').certPath,
  '--ca',
  pki.caPath,
  ...extra,
];

describe.skipIf(!opensslAvailable)('mcptt-smime unprotect --crl', () => {
  it('answers 403 for a revoked signer', () => {
    const run = cli(unprotectArgs('--crl', crlPem), protectedBy('alice2'));

    expect(run.status).toBe(1);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr.split('\n')[0]).toMatch(
      /^403 Forbidden: certificate CN=alice2 \(serial 03\) was revoked on \S+, reason keyCompromise$/,
    );
    expect(run.stderr).not.toContain(SECRET_TOKEN);
  });

  it('answers 403 with a DER list', () => {
    const run = cli(unprotectArgs('--crl', crlDer), protectedBy('alice2'));

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^403 Forbidden: certificate CN=alice2 /);
  });

  it('opens a message of a signer the list leaves out', () => {
    const run = cli(unprotectArgs('--crl', crlPem, '--require-crl'), protectedBy('alice'));

    expect(run.status).toBe(0);
    expect(utf8Decode(run.stdout)).toContain(SECRET_TOKEN);
    expect(run.stderr).toBe(
      'verified: signed by sip:alice@example.org, authEnveloped-data aes-256-gcm\n',
    );
  });

  it('ignores a certificate beside the list', () => {
    const bundle = join(dir, 'bundle.pem');
    writeFileSync(bundle, readFileSync(pki.caPath, 'utf8') + readFileSync(crlPem, 'utf8'));
    const run = cli(unprotectArgs('--crl', bundle), protectedBy('alice2'));

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^403 Forbidden: certificate CN=alice2 /);
  });

  it('reports a malformed list file', () => {
    const bad = join(dir, 'bad.crl');
    writeFileSync(bad, Uint8Array.of(0x30, 0x03, 0x02, 0x01));
    const run = cli(unprotectArgs('--crl', bad), protectedBy('alice'));

    expect(run.status).toBe(2);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toBe(`mcptt-smime: --crl ${bad}: invalid CRL (CRL is not valid DER)\n`);
  });

  it('reports a PEM block with bad base64', () => {
    const bad = join(dir, 'bad.crl.pem');
    writeFileSync(bad, '-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n');
    const run = cli(unprotectArgs('--crl', bad), protectedBy('alice'));

    expect(run.status).toBe(2);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toBe(`mcptt-smime: --crl ${bad}: invalid CRL (invalid base64 character)\n`);
  });

  it('reports a missing list file', () => {
    const run = cli(unprotectArgs('--crl', '/nonexistent.crl'), protectedBy('alice'));

    expect(run.status).toBe(2);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toBe('mcptt-smime: --crl /nonexistent.crl: not found\n');
  });

  it('exits 2 on --require-crl without --crl', () => {
    const run = cli(unprotectArgs('--require-crl'), protectedBy('alice'));

    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^mcptt-smime: option --require-crl needs at least one --crl\n/);
  });
});
