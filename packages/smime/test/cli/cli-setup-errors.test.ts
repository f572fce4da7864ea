/**
 * Local set-up mistakes of `mcptt-smime protect` and `unprotect`: files that are missing or
 * invalid, keys that do not match their certificates, recipients that cannot be encrypted to.
 * Each one exits 2 with one line that names the option and the file, and is never reported as a
 * SIP status, which exit status 1 keeps for a rejected message.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { mcpttInfoMessage } from '../smime/messages.js';
import { getTestPki } from '../smime/test-pki.js';
import type { CredentialFiles, TestPki } from '../smime/test-pki.js';
import { cli } from './run-cli.js';

let pki: TestPki;
let files: (name: string) => CredentialFiles;
let dir: string;
/** A protected MESSAGE from alice that the server (EC) opens. */
let forServer: Uint8Array;
/** A protected MESSAGE from alice-rsa that server-rsa opens. */
let forServerRsa: Uint8Array;

/** Runs openssl in the scratch folder of this file. */
function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a self-signed end-entity certificate `name.cert.pem` for the key `name.key.pem`. */
function selfSigned(name: string, extensions: string[]): string {
  openssl(
    ...['req', '-x509', '-new', '-key', `${name}.key.pem`, '-subj', `/CN=${name}`],
    ...['-days', '30', '-addext', 'basicConstraints=critical,CA:FALSE'],
    ...extensions.flatMap((extension) => ['-addext', extension]),
    ...['-out', `${name}.cert.pem`],
  );
  return join(dir, `${name}.cert.pem`);
}

beforeAll(async () => {
  pki = await getTestPki();
  files = (name) => pki.files[name] as CredentialFiles;
  dir = mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-setup-'));

  // A P-256 key whose certificate allows signatures only, so no message can be encrypted to it.
  openssl(
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    'sign-only.key.pem',
  );
  selfSigned('sign-only', ['keyUsage=critical,digitalSignature']);
  // An Ed25519 certificate, a key type the library does not encrypt to.
  openssl('genpkey', '-algorithm', 'ed25519', '-out', 'ed25519.key.pem');
  selfSigned('ed25519', []);
  // An RSA-PSS certificate, whose key WebCrypto does not import for RSA-OAEP.
  openssl(
    'genpkey',
    '-algorithm',
    'RSA-PSS',
    '-pkeyopt',
    'rsa_keygen_bits:2048',
    '-out',
    'pss.key.pem',
  );
  selfSigned('pss', ['keyUsage=critical,digitalSignature,keyEncipherment']);
  // A 1024-bit RSA certificate, a key shorter than the 2048 bits the library accepts.
  openssl(
    'genpkey',
    '-algorithm',
    'RSA',
    '-pkeyopt',
    'rsa_keygen_bits:1024',
    '-out',
    'rsa1024.key.pem',
  );
  selfSigned('rsa1024', ['keyUsage=critical,digitalSignature,keyEncipherment']);
  // alice's URI on a P-256 key whose certificate carries the point in compressed form.
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'c.pem');
  openssl('ec', '-in', 'c.pem', '-conv_form', 'compressed', '-out', 'c.sec1.pem');
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'c.sec1.pem', '-out', 'compressed.key.pem');
  selfSigned('compressed', [
    'keyUsage=critical,digitalSignature,keyAgreement',
    'subjectAltName=URI:sip:alice@example.org',
  ]);

  forServer = protect('alice', 'server');
  forServerRsa = protect('alice-rsa', 'server-rsa');
});

function protect(signer: string, recipient: string): Uint8Array {
  const run = cli(
    [
      ...['protect', '--key', files(signer).keyPath, '--cert', files(signer).certPath],
      ...['--recipient', files(recipient).certPath],
    ],
    mcpttInfoMessage().toBytes(),
  );
  expect(run.status).toBe(0);
  return run.stdout;
}

const protectArgs = (key: string, cert: string, recipient: string) => [
  ...['protect', '--key', key, '--cert', cert, '--recipient', recipient],
];
const unprotectArgs = (key: string, cert: string, ...extra: string[]) => [
  ...['unprotect', '--key', key, '--cert', cert, '--ca', pki.caPath, ...extra],
];

/** Expects exit status 2, nothing on stdout and exactly `line` on stderr. */
function expectSetupError(run: ReturnType<typeof cli>, line: string): void {
  expect(run.stderr.split('\n')[0]).toBe(line);
  expect(run.status).toBe(2);
  expect(run.stdout.length).toBe(0);
  expect(run.stderr).toBe(`${line}\n`);
}

describe('a key that does not match its certificate', () => {
  it('unprotect: mismatched EC key exits 2', () => {
    const key = files('alice').keyPath;
    const cert = files('server').certPath;
    const run = cli(unprotectArgs(key, cert), forServer);

    expectSetupError(run, `mcptt-smime: --key ${key} does not match --cert ${cert}`);
  });

  it('unprotect: mismatched RSA key exits 2', () => {
    const key = files('alice-rsa').keyPath;
    const cert = files('server-rsa').certPath;
    const run = cli(unprotectArgs(key, cert), forServerRsa);

    expectSetupError(run, `mcptt-smime: --key ${key} does not match --cert ${cert}`);
  });

  it('unprotect: EC key, RSA certificate exits 2', () => {
    const key = files('server').keyPath;
    const cert = files('server-rsa').certPath;
    const run = cli(unprotectArgs(key, cert), forServerRsa);

    expectSetupError(run, `mcptt-smime: --key ${key} does not match --cert ${cert}`);
  });

  it('protect: mismatched signer key exits 2', () => {
    const key = files('mallory').keyPath;
    const cert = files('alice').certPath;
    const run = cli(protectArgs(key, cert, files('server').certPath), mcpttInfoMessage().toBytes());

    expectSetupError(run, `mcptt-smime: --key ${key} does not match --cert ${cert}`);
  });

  it('protect: compressed EC point compared', () => {
    const cert = join(dir, 'compressed.cert.pem');
    const recipient = files('server').certPath;
    const matching = cli(
      protectArgs(join(dir, 'compressed.key.pem'), cert, recipient),
      mcpttInfoMessage().toBytes(),
    );
    const other = cli(
      protectArgs(files('alice').keyPath, cert, recipient),
      mcpttInfoMessage().toBytes(),
    );

    expect(matching.stderr).toBe('');
    expect(matching.status).toBe(0);
    expectSetupError(
      other,
      `mcptt-smime: --key ${files('alice').keyPath} does not match --cert ${cert}`,
    );
  });
});

describe('missing and invalid files', () => {
  const missing = '/nonexistent/missing.pem';

  for (const option of ['key', 'cert', 'ca', 'crl']) {
    it(`unprotect: missing --${option} exits 2`, () => {
      const paths: Record<string, string> = {
        key: files('server').keyPath,
        cert: files('server').certPath,
        ca: pki.caPath,
      };
      paths[option] = missing;
      const extra = option === 'crl' ? ['--crl', missing] : [];
      const args = [
        ...['unprotect', '--key', paths.key ?? '', '--cert', paths.cert ?? ''],
        ...['--ca', paths.ca ?? '', ...extra],
      ];
      const run = cli(args, forServer);

      expectSetupError(run, `mcptt-smime: --${option} ${missing}: not found`);
    });
  }

  it('protect: missing --recipient exits 2', () => {
    const run = cli(
      protectArgs(files('alice').keyPath, files('alice').certPath, missing),
      mcpttInfoMessage().toBytes(),
    );

    expectSetupError(run, `mcptt-smime: --recipient ${missing}: not found`);
  });

  it('endless --key exits 2', () => {
    const run = cli(protectArgs('/dev/zero', files('alice').certPath, files('server').certPath));

    expectSetupError(run, 'mcptt-smime: --key /dev/zero: larger than 4194304 bytes');
  });

  it('oversized --ca exits 2', () => {
    const large = join(dir, 'large-ca.pem');
    writeFileSync(large, Buffer.alloc(4 * 1024 * 1024 + 1, 0x41));
    const run = cli(
      unprotectArgs(files('server').keyPath, files('server').certPath, '--ca', large),
    );

    expectSetupError(run, `mcptt-smime: --ca ${large}: larger than 4194304 bytes`);
  });

  it('folder as --cert exits 2', () => {
    const run = cli(unprotectArgs(files('server').keyPath, dir), forServer);

    expectSetupError(run, `mcptt-smime: --cert ${dir}: is a folder, not a file`);
  });

  it('key as --cert: label only', () => {
    const key = files('server').keyPath;
    const run = cli(unprotectArgs(key, key), forServer);

    expectSetupError(
      run,
      `mcptt-smime: --cert ${key}: not a PEM certificate (found "-----BEGIN PRIVATE KEY-----")`,
    );
    const keyLines = readFileSync(key, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0 && !line.startsWith('-----'));
    for (const line of keyLines) expect(run.stderr).not.toContain(line);
  });

  it('certificate as --key exits 2', () => {
    const cert = files('server').certPath;
    const run = cli(unprotectArgs(cert, cert), forServer);

    expectSetupError(
      run,
      `mcptt-smime: --key ${cert}: not a PEM private key (found "-----BEGIN CERTIFICATE-----")`,
    );
  });

  it('SEC 1 key exits 2', () => {
    const sec1 = join(dir, 'c.sec1.pem');
    const run = cli(unprotectArgs(sec1, files('server').certPath), forServer);

    expectSetupError(
      run,
      `mcptt-smime: --key ${sec1}: not an unencrypted PKCS#8 key (convert it with openssl pkcs8 -topk8 -nocrypt)`,
    );
  });

  it('invalid --ca certificate exits 2', () => {
    const bad = join(dir, 'bad-ca.pem');
    writeFileSync(bad, '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n');
    const run = cli(
      unprotectArgs(files('server').keyPath, files('server').certPath, '--ca', bad),
      forServer,
    );

    expectSetupError(
      run,
      `mcptt-smime: --ca ${bad}: invalid certificate (tbsCertificate is missing)`,
    );
  });

  it('end-entity certificate as --ca exits 2', () => {
    const alice = files('alice').certPath;
    const run = cli(
      unprotectArgs(files('server').keyPath, files('server').certPath, '--ca', alice),
      forServer,
    );

    expectSetupError(
      run,
      `mcptt-smime: --ca ${alice}: certificate is not a CA certificate (basicConstraints does not mark it as a CA)`,
    );
  });

  it('--ca with bad base64 exits 2', () => {
    const bad = join(dir, 'bad-base64-ca.pem');
    writeFileSync(bad, '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n');
    const run = cli(
      unprotectArgs(files('server').keyPath, files('server').certPath, '--ca', bad),
      forServer,
    );

    expectSetupError(run, `mcptt-smime: --ca ${bad}: invalid PEM (invalid base64 character)`);
  });

  it('certificate as --crl exits 2', () => {
    const ca = pki.caPath;
    const run = cli(
      unprotectArgs(files('server').keyPath, files('server').certPath, '--crl', ca),
      forServer,
    );

    expectSetupError(
      run,
      `mcptt-smime: --crl ${ca}: not a CRL (found "-----BEGIN CERTIFICATE-----")`,
    );
  });
});

describe('a recipient that cannot be encrypted to', () => {
  const run = (recipient: string) =>
    cli(
      protectArgs(files('alice').keyPath, files('alice').certPath, recipient),
      mcpttInfoMessage().toBytes(),
    );

  it('CA certificate exits 2', () => {
    expectSetupError(
      run(pki.caPath),
      `mcptt-smime: --recipient ${pki.caPath}: cannot encrypt to a CA certificate (give the recipient's own certificate)`,
    );
  });

  it('signature-only keyUsage exits 2', () => {
    const cert = join(dir, 'sign-only.cert.pem');
    expectSetupError(
      run(cert),
      `mcptt-smime: --recipient ${cert}: cannot encrypt to this certificate (recipient certificate keyUsage forbids keyAgreement)`,
    );
  });

  it('Ed25519 certificate exits 2', () => {
    const cert = join(dir, 'ed25519.cert.pem');
    expectSetupError(
      run(cert),
      `mcptt-smime: --recipient ${cert}: cannot encrypt to this certificate (recipient certificate key type not supported)`,
    );
  });

  it('1024-bit RSA certificate exits 2', () => {
    const cert = join(dir, 'rsa1024.cert.pem');
    expectSetupError(
      run(cert),
      `mcptt-smime: --recipient ${cert}: cannot encrypt to this certificate (recipient RSA key size 1024 not supported (2048 to 4096 bits))`,
    );
  });

  it('RSA-PSS certificate exits 2', () => {
    const cert = join(dir, 'pss.cert.pem');
    expectSetupError(
      run(cert),
      `mcptt-smime: --recipient ${cert}: cannot encrypt to this certificate (recipient key is an RSASSA-PSS key, which only signs)`,
    );
  });
});

describe('too many recipients', () => {
  it('17 recipients is a usage error', () => {
    const recipients = Array.from({ length: 17 }, () => ['--recipient', files('server').certPath]);
    const args = protectArgs(files('alice').keyPath, files('alice').certPath, pki.caPath);
    const run = cli([...args.slice(0, -2), ...recipients.flat()], mcpttInfoMessage().toBytes());

    expect(run.status).toBe(2);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr.split('\n')[0]).toBe('mcptt-smime: at most 16 --recipient options');
    expect(run.stderr).toContain('Usage: mcptt-smime protect');
  });
});

describe('exit status 1 stays a rejected message', () => {
  // Past twice the limit, the CLI stops reading and names the same limit as the parser.
  it.each([300_000, 600_000])('oversized input of %i bytes answers 413', (size) => {
    const run = cli(['inspect'], new Uint8Array(size));

    expect(run.status).toBe(1);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr.split('\n')[0]).toBe(
      '413 Request Entity Too Large: SIP message larger than 262144 bytes',
    );
  });

  it('--help states exit statuses', () => {
    const help = new TextDecoder().decode(cli(['--help']).stdout);

    expect(help).toContain('\n  0   success\n');
    expect(help).toContain('\n  1   the message was rejected: ');
    expect(help).toContain('\n  2   usage or local set-up error: ');
  });
});
