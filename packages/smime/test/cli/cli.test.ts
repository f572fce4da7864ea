import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Decode } from '../../src/bytes.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { SipMessage } from '../../src/sip/message.js';
import {
  SECRET_TOKEN,
  inviteWithSdp,
  mcpttInfo,
  mcpttInfoMessage,
  request,
} from '../smime/messages.js';
import {
  innerMcpttInfo,
  opensslCms,
  opensslProtect,
  wrapInMessage,
} from '../smime/openssl-peer.js';
import { getTestPki } from '../smime/test-pki.js';
import type { CredentialFiles, TestPki } from '../smime/test-pki.js';
import { cli } from './run-cli.js';

let pki: TestPki;
let files: (name: string) => CredentialFiles;
beforeAll(async () => {
  pki = await getTestPki();
  files = (name) => pki.files[name] as CredentialFiles;
});

const protectArgs = (signer: string, recipient: string, extra: string[] = []) => [
  'protect',
  '--key',
  files(signer).keyPath,
  '--cert',
  files(signer).certPath,
  '--recipient',
  files(recipient).certPath,
  ...extra,
];
const unprotectArgs = (recipient: string) => [
  'unprotect',
  '--key',
  files(recipient).keyPath,
  '--cert',
  files(recipient).certPath,
  '--ca',
  pki.caPath,
];

/** Returns the S/MIME entity of a SIP message as openssl reads it: content headers, body. */
function smimeEntity(message: SipMessage): Uint8Array {
  const headers = ['Content-Type', 'Content-Transfer-Encoding', 'Content-Disposition']
    .map((name) => [name, message.getHeader(name)] as const)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return new Uint8Array([
    ...new TextEncoder().encode(`MIME-Version: 1.0\r\n${headers}\r\n`),
    ...message.body,
  ]);
}

describe('mcptt-smime protect', () => {
  it('warns when the signer is not the From', () => {
    const matching = cli(protectArgs('alice', 'server'), mcpttInfoMessage().toBytes());
    const other = cli(
      protectArgs('alice', 'server'),
      mcpttInfoMessage('sip:bob@example.org').toBytes(),
    );

    expect(matching.status).toBe(0);
    expect(matching.stderr).toBe('');
    expect(other.status).toBe(0);
    expect(other.stderr).toContain(
      'warning: the signer certificate does not name sip:bob@example.org, the From',
    );
    expect(SipMessage.parse(other.stdout).getHeader('Content-Type')).toContain('pkcs7-mime');
  });

  for (const encryption of ['aes-256-gcm', 'aes-128-gcm', 'aes-256-cbc', 'aes-128-cbc']) {
    it(`output opens with openssl, ${encryption}`, () => {
      const run = cli(
        protectArgs('alice', 'server', ['--content-encryption', encryption]),
        mcpttInfoMessage().toBytes(),
      );
      expect(run.status).toBe(0);
      const sent = SipMessage.parse(run.stdout);
      expect(utf8Decode(run.stdout)).not.toContain(SECRET_TOKEN);

      const signed = opensslCms(
        [
          '-decrypt',
          '-inform',
          'SMIME',
          '-recip',
          files('server').certPath,
          '-inkey',
          files('server').keyPath,
        ],
        smimeEntity(sent),
      );
      const inner = opensslCms(['-verify', '-inform', 'SMIME', '-CAfile', pki.caPath], signed);
      const entity = MimeEntity.parse(inner);

      expect(entity.contentType.mediaType).toBe('application/vnd.3gpp.mcptt-info+xml');
      expect(utf8Decode(entity.decodedBody())).toBe(mcpttInfo());
    });
  }

  it('keeps SDP in clear', () => {
    const run = cli(protectArgs('alice', 'server'), inviteWithSdp().toBytes());
    const text = utf8Decode(run.stdout);

    expect(run.status).toBe(0);
    expect(text).toContain('m=audio 4000 RTP/AVP 0');
    expect(text).not.toContain(SECRET_TOKEN);
  });

  it('round-trips through unprotect', () => {
    const sent = cli(
      protectArgs('alice-rsa', 'server-rsa', ['--rsa-signature', 'pkcs1']),
      mcpttInfoMessage().toBytes(),
    );
    const run = cli(unprotectArgs('server-rsa'), sent.stdout);

    expect(run.status).toBe(0);
    expect(utf8Decode(run.stdout)).toContain(SECRET_TOKEN);
    expect(run.stderr).toBe(
      'verified: signed by sip:alice@example.org, authEnveloped-data aes-256-gcm\n',
    );
  });
});

describe('mcptt-smime protect --protect-header', () => {
  const invite = () => inviteWithSdp().withHeader('Answer-Mode', 'Auto');

  it('signs the named fields, which unprotect names in its summary', () => {
    const sent = cli(
      protectArgs('alice', 'server', ['--protect-header', 'Answer-Mode']),
      invite().toBytes(),
    );
    const run = cli(unprotectArgs('server'), sent.stdout);

    expect(sent.status).toBe(0);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(
      'verified: signed by sip:alice@example.org, authEnveloped-data aes-256-gcm, ' +
        'signed headers Answer-Mode\n',
    );
  });

  it('makes unprotect answer 403 when the field changed on the way', () => {
    const sent = cli(
      protectArgs('alice', 'server', ['--protect-header', 'Answer-Mode']),
      invite().toBytes(),
    );
    const changed = SipMessage.parse(sent.stdout).withHeader('Answer-Mode', 'Manual');
    const run = cli(unprotectArgs('server'), changed.toBytes());

    expect(run.status).toBe(1);
    expect(run.stdout).toHaveLength(0);
    expect(run.stderr.split('\n')[0]).toBe(
      '403 Forbidden: answer-mode header field differs from its signed copy',
    );
  });

  it('exits 2 for a field that proxies change', () => {
    const run = cli(
      protectArgs('alice', 'server', ['--protect-header', 'Via']),
      invite().toBytes(),
    );

    expect(run.status).toBe(2);
    expect(run.stdout).toHaveLength(0);
    expect(run.stderr.split('\n')[0]).toBe(
      'mcptt-smime: --protect-header Via: Via cannot be protected end to end',
    );
  });
});

describe('mcptt-smime unprotect', () => {
  const OAEP = ['-keyopt', 'rsa_padding_mode:oaep', '-keyopt', 'rsa_oaep_md:sha256'];
  const cases = [
    {
      name: 'ECDH without ukm, AES-GCM',
      recipient: 'server',
      signer: 'alice',
      cipher: 'aes-256-gcm',
      encrypt: [] as string[],
      sign: [] as string[],
    },
    {
      name: 'RSA-OAEP, RSA-PSS',
      recipient: 'server-rsa',
      signer: 'alice-rsa',
      cipher: 'aes-128-gcm',
      encrypt: OAEP,
      sign: ['-keyopt', 'rsa_padding_mode:pss'],
    },
    {
      name: 'streamed CBC',
      recipient: 'server',
      signer: 'alice',
      cipher: 'aes-256-cbc',
      encrypt: ['-stream'],
      sign: ['-stream'],
    },
  ];
  for (const testCase of cases) {
    it(`opens openssl output, ${testCase.name}`, () => {
      const smime = opensslProtect(innerMcpttInfo(mcpttInfo()), [
        { op: 'sign', signer: files(testCase.signer), args: testCase.sign },
        {
          op: 'encrypt',
          recipient: files(testCase.recipient),
          cipher: testCase.cipher,
          args: testCase.encrypt,
        },
      ]);
      const run = cli(
        unprotectArgs(testCase.recipient),
        wrapInMessage(mcpttInfoMessage(), smime).toBytes(),
      );

      expect(run.stderr).toMatch(/^verified: signed by sip:alice@example\.org, /);
      expect(run.status).toBe(0);
      expect(utf8Decode(run.stdout)).toContain(SECRET_TOKEN);
    });
  }

  it('opens opaque encrypt-then-sign', () => {
    const smime = opensslProtect(innerMcpttInfo(mcpttInfo()), [
      { op: 'encrypt', recipient: files('server'), cipher: 'aes-256-gcm' },
      { op: 'sign', signer: files('alice'), opaque: true },
    ]);
    const run = cli(unprotectArgs('server'), wrapInMessage(mcpttInfoMessage(), smime).toBytes());

    expect(run.status).toBe(0);
    expect(run.stderr).toBe(
      'verified: signed by sip:alice@example.org, authEnveloped-data aes-256-gcm, encrypt-then-sign\n',
    );
  });

  it('answers 493 for another recipient', () => {
    const sent = cli(protectArgs('alice', 'bob'), mcpttInfoMessage().toBytes());
    const run = cli(unprotectArgs('server'), sent.stdout);

    expect(run.status).toBe(1);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr.split('\n')[0]).toBe(
      '493 Undecipherable: message body could not be decrypted',
    );
  });

  it('answers 403 for a signer that is not From', () => {
    const sent = cli(protectArgs('mallory', 'server'), mcpttInfoMessage().toBytes());
    const run = cli(unprotectArgs('server'), sent.stdout);

    expect(run.status).toBe(1);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toMatch(/^403 Forbidden: /);
    expect(run.stderr).not.toContain(SECRET_TOKEN);
  });

  it('answers 403 for a clear sensitive part', () => {
    const run = cli(unprotectArgs('server'), mcpttInfoMessage().toBytes());

    expect(run.status).toBe(1);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toMatch(/^403 Forbidden: sensitive application\/vnd\.3gpp\.mcptt-info\+xml/);
  });

  it.skipIf(!existsSync('/dev/full'))('exits 2 when standard output is full', () => {
    const sent = cli(protectArgs('alice', 'server'), mcpttInfoMessage().toBytes());
    const full = openSync('/dev/full', 'w');
    try {
      const run = cli(unprotectArgs('server'), sent.stdout, full);

      expect(run.status).toBe(2);
      // No summary, since nothing was written, and one line without a stack trace.
      expect(run.stderr).toBe('mcptt-smime: standard output: write failed (ENOSPC)\n');
    } finally {
      closeSync(full);
    }
  });

  it('answers 400 for a malformed message', () => {
    const run = cli(unprotectArgs('server'), 'not a SIP message\r\n\r\n');

    expect(run.status).toBe(1);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toMatch(/^400 Bad Request: /);
    expect(run.stderr).not.toContain('    at ');
  });
});

describe('mcptt-smime inspect', () => {
  it('prints the tree without keys', () => {
    const sent = cli(protectArgs('alice', 'server'), inviteWithSdp().toBytes());
    const run = cli(['inspect'], sent.stdout);

    expect(run.status).toBe(0);
    const text = utf8Decode(run.stdout);
    expect(text).toContain('multipart/mixed');
    expect(text).toContain('application/sdp');
    expect(text).toMatch(/CMS authEnveloped/);
    expect(text).not.toContain(SECRET_TOKEN);
  });

  it('prints JSON', () => {
    const sent = cli(protectArgs('alice', 'server'), mcpttInfoMessage().toBytes());
    const run = cli(['inspect', '--json'], sent.stdout);
    const tree = JSON.parse(utf8Decode(run.stdout)) as { body: { cms: { recipients: unknown[] } } };

    expect(run.status).toBe(0);
    expect(tree.body.cms.recipients).toHaveLength(1);
  });

  it('exits 1 on an unreadable part', () => {
    const broken = request('MESSAGE', 'MIIB', 'application/pkcs7-mime; smime-type=enveloped-data');
    const run = cli(['inspect'], broken.toBytes());

    expect(run.status).toBe(1);
    expect(utf8Decode(run.stdout)).toContain('error');
  });

  it('takes --debug before the command', () => {
    const run = cli(['--debug', 'inspect'], inviteWithSdp().toBytes());

    expect(run.status).toBe(0);
    expect(utf8Decode(run.stdout)).toContain('application/sdp');
  });
});

/** Arguments of `pki init` for users `a` and server `s` of example.org into `out`. */
const pkiInitArgs = (out: string) => [
  'pki',
  'init',
  '--out',
  out,
  '--domain',
  'example.org',
  '--user',
  'a',
  '--server',
  's',
];

describe('mcptt-smime pki init', () => {
  it('creates a working PKI', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-')), 'pki');
    const init = cli([
      'pki',
      'init',
      '--out',
      out,
      '--domain',
      'example.org',
      '--user',
      'alice',
      '--server',
      'mcptt',
    ]);
    expect(init.status).toBe(0);
    expect(init.stderr).toBe(
      `wrote the CA, alice and mcptt (key and certificate each) to ${out}\n`,
    );
    expect(statSync(join(out, 'alice.key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'ca.key.pem')).mode & 0o777).toBe(0o600);

    const verify = spawnSync('openssl', [
      'verify',
      '-CAfile',
      join(out, 'ca.cert.pem'),
      join(out, 'alice.cert.pem'),
    ]);
    expect(verify.status).toBe(0);
    const san = spawnSync('openssl', [
      'x509',
      '-in',
      join(out, 'mcptt.cert.pem'),
      '-noout',
      '-ext',
      'subjectAltName',
    ]);
    expect(san.stdout.toString()).toContain('URI:sip:mcptt@example.org');

    const message = mcpttInfoMessage().withHeader('To', '<sip:mcptt@example.org>');
    const sent = cli(
      [
        'protect',
        '--key',
        join(out, 'alice.key.pem'),
        '--cert',
        join(out, 'alice.cert.pem'),
        '--recipient',
        join(out, 'mcptt.cert.pem'),
      ],
      message.toBytes(),
    );
    const opened = cli(
      [
        'unprotect',
        '--key',
        join(out, 'mcptt.key.pem'),
        '--cert',
        join(out, 'mcptt.cert.pem'),
        '--ca',
        join(out, 'ca.cert.pem'),
      ],
      sent.stdout,
    );
    expect(opened.status).toBe(0);
    expect(opened.stderr).toBe(
      'verified: signed by sip:alice@example.org, authEnveloped-data aes-256-gcm\n',
    );
  });

  it('lists every credential written', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-')), 'pki');
    const run = cli(
      ['pki', 'init', '--out', out, '--domain', 'example.org'].concat([
        '--user',
        'a',
        '--user',
        'b',
        '--server',
        's',
      ]),
    );

    expect(run.status).toBe(0);
    expect(run.stderr).toBe(`wrote the CA, a, b and s (key and certificate each) to ${out}\n`);
  });

  it('accepts a telephone number as a user name', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-')), 'pki');
    const run = cli(
      ['pki', 'init', '--out', out, '--domain', 'example.org'].concat([
        '--user',
        '+15550100001',
        '--server',
        's',
      ]),
    );

    expect(run.status).toBe(0);
    expect(readFileSync(join(out, '+15550100001.cert.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it.skipIf(!existsSync('/proc/self')).each(['/proc/mcptt-smime-test', '/proc/mcptt/smime'])(
    'exits 2 for a folder that cannot be made: %s',
    (out) => {
      // procfs returns ENOENT from mkdir, after which a recursive mkdir of Node 20 never returns.
      const run = cli(pkiInitArgs(out));

      expect(run.status).toBe(2);
      expect(run.stderr).toBe(`mcptt-smime: --out ${out}: cannot create the folder (ENOENT)\n`);
    },
  );

  it('writes into a symbolic link to a folder', () => {
    const folder = mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-'));
    mkdirSync(join(folder, 'real'));
    symlinkSync(join(folder, 'real'), join(folder, 'link'));
    const run = cli(pkiInitArgs(join(folder, 'link')));

    expect(run.status).toBe(0);
    expect(readdirSync(join(folder, 'real'))).toContain('ca.cert.pem');
  });

  it.each([
    ['a file', 'EEXIST', ''],
    ['a folder under a file', 'ENOTDIR', 'sub'],
  ])('exits 2 for %s as --out', (_case, code, below) => {
    const folder = mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-'));
    writeFileSync(join(folder, 'file'), 'keep');
    const out = join(folder, 'file', below);
    const run = cli(pkiInitArgs(out));

    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`mcptt-smime: --out ${out}: cannot create the folder (${code})\n`);
  });

  it('writes nothing beside a dangling symbolic link', () => {
    const out = mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-'));
    symlinkSync(join(out, 'missing-target'), join(out, 's.cert.pem'));
    const run = cli(pkiInitArgs(out));

    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${join(out, 's.cert.pem')} already exists`);
    expect(readdirSync(out)).toEqual(['s.cert.pem']);
  });

  it.each([
    ['a 64-character label', `${'a'.repeat(64)}.example.org`],
    ['254 characters', `${'a.'.repeat(126)}ab`],
    ['a numeric last label', 'mcptt.example.123'],
    ['an IPv4 part above 255', '999.1.1.1'],
  ])('rejects a domain with %s', (_case, domain) => {
    const out = join(mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-')), 'pki');
    const run = cli([
      ...pkiInitArgs(out).slice(0, 4),
      '--domain',
      domain,
      '--user',
      'a',
      '--server',
      's',
    ]);

    expect(run.status).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(`mcptt-smime: invalid domain ${JSON.stringify(domain)}`);
  });

  it.each(['0x10', '1e3', ' 7', '7.0', '+5', '0', '3651'])('rejects --days %j', (days) => {
    const out = join(mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-')), 'pki');
    const run = cli([...pkiInitArgs(out), '--days', days]);

    expect(run.status).toBe(2);
    expect(run.stdout).toHaveLength(0);
    expect(run.stderr.split('\n')[0]).toBe(
      'mcptt-smime: --days must be a whole number from 1 to 3650',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('accepts an IPv4 address as the domain', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-')), 'pki');
    const args = [...pkiInitArgs(out).slice(0, 4), '--domain', '192.0.2.7', '--user', 'a'];
    const run = cli([...args, '--server', 's']);

    expect(run.status).toBe(0);
    expect(readdirSync(out)).toContain('a.cert.pem');
  });

  it('never overwrites an existing file', () => {
    const out = mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-'));
    writeFileSync(join(out, 's.cert.pem'), 'keep');
    const run = cli(pkiInitArgs(out));

    expect(run.status).toBe(2);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toBe(
      `mcptt-smime: --out ${out}: ${join(out, 's.cert.pem')} already exists (pki init never replaces a file: choose another --out)\n`,
    );
    expect(readFileSync(join(out, 's.cert.pem'), 'utf8')).toBe('keep');
    expect(readdirSync(out)).toEqual(['s.cert.pem']);
  });
});

describe('mcptt-smime usage', () => {
  const usageCases: [string, string[]][] = [
    ['no command', []],
    ['unknown command', ['frobnicate']],
    ['unknown option', ['protect', '--bogus']],
    ['missing --recipient', ['protect', '--key', 'k', '--cert', 'c']],
    ['missing --ca', ['unprotect', '--key', 'k', '--cert', 'c']],
    [
      'invalid encryption',
      ['protect', '--key', 'k', '--cert', 'c', '--recipient', 'r', '--content-encryption', 'des'],
    ],
    ['positional argument', ['inspect', 'file.sip']],
    ['--debug without a command', ['--debug']],
    ['missing --server', ['pki', 'init', '--out', 'x', '--domain', 'example.org', '--user', 'a']],
  ];
  for (const [name, args] of usageCases) {
    it(`exits 2 on ${name}`, () => {
      const run = cli(args);

      expect(run.status).toBe(2);
      expect(utf8Decode(run.stdout) + run.stderr).toContain('Usage: mcptt-smime');
    });
  }

  for (const command of ['protect', 'unprotect', 'inspect', 'pki']) {
    it(`prints help for ${command}`, () => {
      const run = cli([command, '--help']);

      expect(run.status).toBe(0);
      expect(utf8Decode(run.stdout)).toContain(`Usage: mcptt-smime ${command}`);
    });
  }

  it('reports a missing key file', () => {
    const run = cli([
      'protect',
      '--key',
      '/nonexistent.pem',
      '--cert',
      '/nonexistent.pem',
      '--recipient',
      '/x.pem',
    ]);

    expect(run.status).toBe(2);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toBe('mcptt-smime: --key /nonexistent.pem: not found\n');
  });
});
