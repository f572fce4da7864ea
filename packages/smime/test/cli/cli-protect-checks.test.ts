/**
 * What `mcptt-smime protect` checks about the message and the certificates: a --protect-header
 * field the message lacks, a protected message too large for receivers, certificates outside
 * their validity period, and a signer certificate whose usages forbid signing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Decode } from '../../src/bytes.js';
import { createCertificate, pemEncode } from '../../src/cms/index.js';
import { MAX_MESSAGE_BYTES } from '../../src/limits.js';
import { parseMultipart } from '../../src/mime/multipart.js';
import { SipMessage } from '../../src/sip/message.js';
import { messageBodyEntity } from '../../src/smime/sip-body.js';
import { MCPTT_INFO, SDP, SECRET_TOKEN, mcpttInfoMessage, request } from '../smime/messages.js';
import { getTestPki, testCrypto } from '../smime/test-pki.js';
import type { CredentialFiles, TestPki } from '../smime/test-pki.js';
import { cli } from './run-cli.js';

const DAY_MS = 24 * 60 * 60 * 1000;

let pki: TestPki;
let files: (name: string) => CredentialFiles;
/** Self-signed credentials of alice, by validity: expired, and not valid yet. */
let dated: Record<'expired' | 'future', CredentialFiles & { date: string }>;

/**
 * Writes a self-signed P-256 key and certificate for sip:alice@example.org, valid from
 * `notBefore` to `notAfter`, and returns their files.
 */
async function writeCredential(
  dir: string,
  name: string,
  notBefore: Date,
  notAfter: Date,
): Promise<CredentialFiles> {
  const keys = await testCrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const certificate = await createCertificate({
    crypto: testCrypto,
    subject: name,
    issuerKey: keys.privateKey,
    publicKey: keys.publicKey,
    serial: 7,
    notBefore,
    notAfter,
    uris: ['sip:alice@example.org'],
  });
  const pkcs8 = new Uint8Array(await testCrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPath = join(dir, `${name}.key.pem`);
  const certPath = join(dir, `${name}.cert.pem`);
  writeFileSync(keyPath, pemEncode(pkcs8, 'PRIVATE KEY'), { mode: 0o600 });
  writeFileSync(certPath, pemEncode(certificate, 'CERTIFICATE'));
  return { keyPath, certPath, uri: 'sip:alice@example.org' };
}

beforeAll(async () => {
  pki = await getTestPki();
  files = (name) => pki.files[name] as CredentialFiles;
  const dir = mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-validity-'));
  const now = Date.now();
  const expiredOn = new Date(Math.floor((now - 10 * DAY_MS) / 1000) * 1000);
  const validFrom = new Date(Math.floor((now + 10 * DAY_MS) / 1000) * 1000);
  const iso = (date: Date) => date.toISOString().replace('.000Z', 'Z');
  dated = {
    expired: {
      ...(await writeCredential(dir, 'expired', new Date(now - 40 * DAY_MS), expiredOn)),
      date: iso(expiredOn),
    },
    future: {
      ...(await writeCredential(dir, 'future', validFrom, new Date(now + 40 * DAY_MS))),
      date: iso(validFrom),
    },
  };
});

const protectArgs = (signer: CredentialFiles, recipient: CredentialFiles, extra: string[] = []) => [
  ...['protect', '--key', signer.keyPath, '--cert', signer.certPath],
  ...['--recipient', recipient.certPath, ...extra],
];
const unprotectArgs = () => [
  ...['unprotect', '--key', files('server').keyPath, '--cert', files('server').certPath],
  ...['--ca', pki.caPath],
];

describe('protect --protect-header on a message with SDP only', () => {
  const invite = () => request('INVITE', SDP, 'application/sdp').withHeader('Answer-Mode', 'Auto');

  it('signs the field, which unprotect verifies and names', () => {
    const sent = cli(
      protectArgs(files('alice'), files('server'), ['--protect-header', 'Answer-Mode']),
      invite().toBytes(),
    );
    expect(sent.stderr).toBe('');
    expect(sent.status).toBe(0);
    const body = messageBodyEntity(SipMessage.parse(sent.stdout));
    const boundary = body?.contentType.params.get('boundary') ?? '';
    const parts = parseMultipart(body?.body ?? new Uint8Array(), boundary);
    expect(parts.map((part) => part.contentType.mediaType)).toEqual([
      'application/sdp',
      'application/pkcs7-mime',
    ]);

    const opened = cli(unprotectArgs(), sent.stdout);
    expect(opened.status).toBe(0);
    expect(opened.stderr).toBe(
      'verified: signed by sip:alice@example.org, authEnveloped-data aes-256-gcm, ' +
        'signed headers Answer-Mode\n',
    );
    expect(utf8Decode(opened.stdout).endsWith(`\r\n\r\n${SDP}`)).toBe(true);

    const changed = SipMessage.parse(sent.stdout).withHeader('Answer-Mode', 'Manual');
    const rejected = cli(unprotectArgs(), changed.toBytes());
    expect(rejected.status).toBe(1);
    expect(rejected.stdout).toHaveLength(0);
    expect(rejected.stderr.split('\n')[0]).toBe(
      '403 Forbidden: answer-mode header field differs from its signed copy',
    );
  });

  it('exits 2 with one line for a field that the message lacks', () => {
    const run = cli(
      protectArgs(files('alice'), files('server'), [
        ...['--protect-header', 'Answer-Mode', '--protect-header', 'Priority'],
      ]),
      invite().toBytes(),
    );
    expect(run.status).toBe(2);
    expect(run.stdout).toHaveLength(0);
    expect(run.stderr).toBe(
      'mcptt-smime: --protect-header Priority: the message has no Priority header field\n',
    );
  });
});

describe('protect --protect-header on fields with unusual values', () => {
  it('protects an empty list field', () => {
    const invite = request('INVITE', SDP, 'application/sdp').withHeader('Supported', '');
    const sent = cli(
      protectArgs(files('alice'), files('server'), ['--protect-header', 'Supported']),
      invite.toBytes(),
    );
    expect(sent.status).toBe(0);

    expect(cli(unprotectArgs(), sent.stdout).status).toBe(0);
    const changed = SipMessage.parse(sent.stdout).withHeader('Supported', 'timer');
    const rejected = cli(unprotectArgs(), changed.toBytes());
    expect(rejected.status).toBe(1);
    expect(rejected.stderr.split('\n')[0]).toBe(
      '403 Forbidden: supported header field differs from its signed copy',
    );
  });

  it('exits 2 for a field that no receiver could read back', () => {
    const invite = request('INVITE', SDP, 'application/sdp').withHeader(
      'Subject',
      '"BEL:\\\u0007"',
    );
    const run = cli(
      protectArgs(files('alice'), files('server'), ['--protect-header', 'Subject']),
      invite.toBytes(),
    );
    expect(run.status).toBe(2);
    expect(run.stdout).toHaveLength(0);
    expect(run.stderr).toBe(
      'mcptt-smime: --protect-header Subject: createHeaderFragment: Subject value contains a ' +
        'control character\n',
    );
  });
});

describe('protect of a message too large for receivers', () => {
  it('exits 1 with 413 and writes nothing', () => {
    const head = `<mcpttinfo><mcpttString>${SECRET_TOKEN}</mcpttString><pad>`;
    const tail = '</pad></mcpttinfo>\r\n';
    const body = head + 'x'.repeat(190 * 1024 - head.length - tail.length) + tail;
    const run = cli(
      protectArgs(files('alice'), files('server')),
      request('MESSAGE', body, MCPTT_INFO).toBytes(),
    );

    expect(run.status).toBe(1);
    expect(run.stdout).toHaveLength(0);
    expect(run.stderr.split('\n')[0]).toMatch(
      new RegExp(
        '^413 Request Entity Too Large: protected SIP message would be \\d+ bytes, ' +
          `more than ${MAX_MESSAGE_BYTES} \\(MAX_MESSAGE_BYTES\\)$`,
      ),
    );
    expect(run.stderr).not.toContain(SECRET_TOKEN);
  });
});

describe('protect with a certificate outside its validity period', () => {
  it.each([
    [
      'an expired signer',
      () => protectArgs(dated.expired, files('server')),
      () =>
        `mcptt-smime: warning: --cert ${dated.expired.certPath} expired on ${dated.expired.date}, ` +
        'so receivers will reject the message with 403\n',
    ],
    [
      'a signer not valid yet',
      () => protectArgs(dated.future, files('server')),
      () =>
        `mcptt-smime: warning: --cert ${dated.future.certPath} is not valid before ` +
        `${dated.future.date}, so receivers will reject the message with 403\n`,
    ],
    [
      'an expired recipient',
      () => protectArgs(files('alice'), dated.expired),
      () =>
        `mcptt-smime: warning: --recipient ${dated.expired.certPath} expired on ` +
        `${dated.expired.date}, but the message is encrypted to it all the same\n`,
    ],
    [
      'a recipient not valid yet',
      () => protectArgs(files('alice'), dated.future),
      () =>
        `mcptt-smime: warning: --recipient ${dated.future.certPath} is not valid before ` +
        `${dated.future.date}, but the message is encrypted to it all the same\n`,
    ],
  ])('warns about %s and exits 0', (_name, args, warning) => {
    const run = cli(args(), mcpttInfoMessage().toBytes());

    expect(run.stderr).toBe(warning());
    expect(run.status).toBe(0);
    expect(SipMessage.parse(run.stdout).getHeader('Content-Type')).toContain('pkcs7-mime');
  });

  it('does not warn about certificates within their validity period', () => {
    const run = cli(protectArgs(files('alice'), files('server')), mcpttInfoMessage().toBytes());
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

/**
 * Issues with openssl, from the test CA, a P-256 key and certificate for sip:alice@example.org
 * whose keyUsage and extKeyUsage extension lines are `usages`, and returns their files.
 */
function issueWithUsages(name: string, usages: readonly string[]): CredentialFiles {
  const dir = mkdtempSync(join(tmpdir(), 'mcptt-smime-cli-usage-'));
  const run = (args: readonly string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const keyPath = join(dir, `${name}.key.pem`);
  const certPath = join(dir, `${name}.cert.pem`);
  run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath]);
  run(['req', '-new', '-key', keyPath, '-subj', `/CN=${name}`, '-out', 'csr.pem']);
  writeFileSync(
    join(dir, 'v3.ext'),
    ['basicConstraints=critical,CA:FALSE', ...usages, 'subjectAltName=URI:sip:alice@example.org']
      .concat('')
      .join('\n'),
  );
  run(
    ['x509', '-req', '-in', 'csr.pem', '-CA', pki.caPath, '-CAkey', join(pki.dir, 'ca.key.pem')]
      .concat(['-set_serial', '99', '-days', '30', '-sha256', '-extfile', 'v3.ext'])
      .concat(['-out', certPath]),
  );
  return { keyPath, certPath, uri: 'sip:alice@example.org' };
}

describe('protect with a signer certificate whose usages forbid signing', () => {
  it.each([
    [
      'a keyUsage without digitalSignature',
      ['keyUsage=critical,keyAgreement'],
      'keyUsage forbids signing',
    ],
    [
      'an extKeyUsage without emailProtection',
      ['keyUsage=critical,digitalSignature,keyAgreement', 'extendedKeyUsage=serverAuth'],
      'extKeyUsage lacks emailProtection',
    ],
  ])('warns about %s', (_name, usages, reason) => {
    const signer = issueWithUsages('alice-usage', usages);
    const sent = cli(protectArgs(signer, files('server')), mcpttInfoMessage().toBytes());

    expect(sent.stderr).toBe(
      `mcptt-smime: warning: --cert ${signer.certPath}: signer certificate ${reason}, ` +
        'so receivers will reject the message with 403\n',
    );
    expect(sent.status).toBe(0);
    const opened = cli(unprotectArgs(), sent.stdout);
    expect(opened.status).toBe(1);
    expect(opened.stderr.split('\n')[0]).toBe(`403 Forbidden: signer certificate ${reason}`);
  });

  it('does not warn about usable signers', () => {
    for (const usages of [[], ['keyUsage=critical,nonRepudiation']]) {
      const signer = issueWithUsages('alice-usage', usages);
      const run = cli(protectArgs(signer, files('server')), mcpttInfoMessage().toBytes());
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(cli(unprotectArgs(), run.stdout).status).toBe(0);
    }
  });
});
