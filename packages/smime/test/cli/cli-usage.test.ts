/**
 * Where `mcptt-smime` prints its usage: help asked for with `-h` or `--help` goes to standard
 * output with exit status 0, and every usage error to standard error with exit status 2.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Decode } from '../../src/bytes.js';
import { SipMessage } from '../../src/sip/message.js';
import { mcpttInfoMessage } from '../smime/messages.js';
import { getTestPki } from '../smime/test-pki.js';
import type { CredentialFiles, TestPki } from '../smime/test-pki.js';
import { cli } from './run-cli.js';

let pki: TestPki;
let files: (name: string) => CredentialFiles;
beforeAll(async () => {
  pki = await getTestPki();
  files = (name) => pki.files[name] as CredentialFiles;
});

/** Expects the help of `command` on stdout, nothing on stderr, and exit status 0. */
function expectHelp(run: ReturnType<typeof cli>, usage: string): void {
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(utf8Decode(run.stdout)).toMatch(new RegExp(`^Usage: mcptt-smime ${usage}`));
}

/** Expects `line` then the usage text on stderr, nothing on stdout, and exit status 2. */
function expectUsageError(run: ReturnType<typeof cli>, line: string, usage: string): void {
  expect(run.stdout).toHaveLength(0);
  expect(run.status).toBe(2);
  expect(run.stderr.split('\n')[0]).toBe(line);
  expect(run.stderr).toContain(`\n\nUsage: mcptt-smime ${usage}`);
}

describe('help on standard output', () => {
  it.each([['-h'], ['--help']])('mcptt-smime %s', (flag) => {
    expectHelp(cli([flag]), '<command>');
  });

  it.each([
    ['protect', ['protect', '-h'], 'protect'],
    ['unprotect', ['unprotect', '-h'], 'unprotect'],
    ['inspect', ['inspect', '-h'], 'inspect'],
    ['pki', ['pki', '-h'], 'pki init'],
    ['pki init', ['pki', 'init', '-h'], 'pki init'],
    ['protect after its options', ['protect', '--key', 'k.pem', '-h'], 'protect'],
  ])('%s -h', (_name, args, usage) => {
    expectHelp(cli(args), usage);
  });

  it.each([
    ['-h protect', 'protect'],
    ['--help unprotect', 'unprotect'],
    ['-h pki init', 'pki init'],
  ])('mcptt-smime %s', (line, usage) => {
    expectHelp(cli(line.split(' ')), usage);
  });
});

describe('usage errors on standard error', () => {
  it('mcptt-smime without a command', () => {
    expectUsageError(cli([]), 'mcptt-smime: command missing', '<command>');
  });

  it('mcptt-smime pki without a pki command', () => {
    expectUsageError(cli(['pki']), 'mcptt-smime: pki command missing: expected init', 'pki init');
  });

  it.each([
    [
      'an unknown command',
      ['frobnicate'],
      'mcptt-smime: unknown command "frobnicate"',
      '<command>',
    ],
    ['an unknown option', ['inspect', '--bogus'], 'mcptt-smime: unknown option --bogus', 'inspect'],
    ['an unknown short option', ['inspect', '-x'], 'mcptt-smime: unknown option -x', 'inspect'],
    [
      'an unknown option with a line feed',
      ['inspect', '--a\nb'],
      'mcptt-smime: unknown option "--a\\nb"',
      'inspect',
    ],
    [
      'a file name',
      ['inspect', 'message.sip'],
      'mcptt-smime: unexpected argument "message.sip": the message is read from standard input, ' +
        'as in < "message.sip"',
      'inspect',
    ],
    [
      'a file name after --',
      ['unprotect', '--', 'message.sip'],
      'mcptt-smime: unexpected argument "message.sip": the message is read from standard input, ' +
        'as in < "message.sip"',
      'unprotect',
    ],
    [
      'an argument with a line feed',
      ['inspect', 'a\nb'],
      'mcptt-smime: unexpected argument "a\\nb": the message is read from standard input, ' +
        'as in < "a\\nb"',
      'inspect',
    ],
    [
      'an option without its value',
      ['protect', '--key'],
      'mcptt-smime: option --key needs a value',
      'protect',
    ],
    [
      'an option followed by another',
      ['protect', '--key', '--cert', 'c.pem'],
      'mcptt-smime: option --key needs a value (write --key=VALUE for one that starts with -)',
      'protect',
    ],
    [
      'a flag with a value',
      ['inspect', '--json=yes'],
      'mcptt-smime: option --json takes no value',
      'inspect',
    ],
    [
      'a command named like an Object member',
      ['constructor'],
      'mcptt-smime: unknown command "constructor"',
      '<command>',
    ],
    [
      'an unknown pki command',
      ['pki', 'make'],
      'mcptt-smime: unknown pki command make',
      'pki init',
    ],
  ])('%s', (_name, args, line, usage) => {
    expectUsageError(cli(args), line, usage);
  });
});

describe('single-valued options given twice', () => {
  const protect = (...extra: string[]) => [
    ...['protect', '--key', files('alice').keyPath, '--cert', files('alice').certPath],
    ...['--recipient', files('server').certPath, ...extra],
  ];

  // Each case names the option, the usage it prints and the command line. The files are valid,
  // so only the repetition is wrong.
  it.each([
    ['--key', 'protect', () => protect('--key', files('alice').keyPath)],
    ['--cert', 'protect', () => protect('--cert', files('alice').certPath)],
    [
      '--content-encryption',
      'protect',
      () => protect('--content-encryption', 'aes-128-gcm', '--content-encryption', 'aes-128-gcm'),
    ],
    [
      '--rsa-signature',
      'protect',
      () => protect('--rsa-signature', 'pss', '--rsa-signature=pkcs1'),
    ],
    [
      '--key',
      'unprotect',
      () => [
        ...['unprotect', '--key', files('server').keyPath, '--key', files('server').keyPath],
        ...['--cert', files('server').certPath, '--ca', pki.caPath],
      ],
    ],
    [
      '--days',
      'pki init',
      () => [
        ...['pki', 'init', '--out', join(mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-')), 'pki')],
        ...['--domain', 'example.org', '--user', 'a'],
        ...['--server', 's', '--days', '1', '--days', '2'],
      ],
    ],
  ])('%s twice exits 2 (%s)', (option, usage, args) => {
    expectUsageError(
      cli(args(), mcpttInfoMessage().toBytes()),
      `mcptt-smime: option ${option} given more than once`,
      usage,
    );
  });

  it('accepts repeatable options more than once', () => {
    const run = cli(
      protect('--recipient', files('bob').certPath, '--protect-header', 'Call-ID'),
      mcpttInfoMessage().toBytes(),
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(SipMessage.parse(run.stdout).getHeader('Content-Type')).toContain('pkcs7-mime');
  });
});

describe('control characters in option values', () => {
  it('replaces them in a usage error', () => {
    const header = 'Call-ID\r\nX-Evil: \u001b[2J';
    const files = ['--key', 'k.pem', '--cert', 'c.pem', '--recipient', 'r.pem'];
    const run = cli(['protect', ...files, '--protect-header', header]);

    expectUsageError(
      run,
      'mcptt-smime: --protect-header Call-ID??X-Evil: ?[2J: invalid header field ' +
        '"Call-ID\\r\\nX-Evil: \\u001b[2J"',
      'protect',
    );
  });

  it('replaces them in a set-up error', () => {
    const run = cli(
      ['protect', '--key', 'missing\n\u001b[31m.pem', '--cert', 'x.pem', '--recipient', 'y.pem'],
      '',
    );

    expect(run.stdout).toHaveLength(0);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('mcptt-smime: --key missing??[31m.pem: not found\n');
  });
});
