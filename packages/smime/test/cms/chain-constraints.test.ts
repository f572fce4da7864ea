/**
 * Path checks of RFC 5280 that the signer chain must apply, on certificates made by the openssl
 * CLI: unhandled critical extensions, pathLenConstraint and nameConstraints.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Encode } from '../../src/bytes.js';
import { importPrivateKey, pemDecode, signContent, verifySignedData } from '../../src/cms/index.js';
import { CertificateUntrustedError } from '../../src/errors.js';

const crypto = webcrypto as Crypto;
const content = utf8Encode('Content-Type: text/plain\r\n\r\nhello\r\n');
const LEAF = 'subjectAltName=URI:sip:alice@example.org\nkeyUsage=critical,digitalSignature\n';
const CA = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n';

let dir: string;
let now: Date;

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates `name.key.pem` and `name.cert.pem`, issued by `issuer` with the extensions `ext`. */
function issue(name: string, issuer: string, ext: string): void {
  openssl([
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    `${name}.key.pem`,
  ]);
  openssl([
    'req',
    '-new',
    '-key',
    `${name}.key.pem`,
    '-subj',
    `/CN=${name}`,
    '-out',
    `${name}.csr`,
  ]);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${issuer}.cert.pem`,
    '-CAkey',
    `${issuer}.key.pem`,
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.cert.pem`,
  ]);
}

function certificate(name: string): Uint8Array {
  const [der] = pemDecode(readFileSync(join(dir, `${name}.cert.pem`), 'utf8'), 'CERTIFICATE');
  return der!;
}

/** Signs with `leaf` and its `chain`, then verifies against `anchors` at `now`. */
async function verifyAs(
  leaf: string,
  chain: readonly string[],
  anchors: readonly string[] = ['ca'],
): Promise<unknown> {
  const [pkcs8] = pemDecode(readFileSync(join(dir, `${leaf}.key.pem`), 'utf8'), 'PRIVATE KEY');
  const { signingKey } = await importPrivateKey(crypto, pkcs8!);
  const der = await signContent({
    crypto,
    content,
    privateKey: signingKey,
    certificate: certificate(leaf),
    chain: chain.map(certificate),
    signingTime: now,
    detached: false,
  });
  return verifySignedData({ crypto, der, trustAnchors: anchors.map(certificate), now });
}

/** Creates the self-signed CA `name.cert.pem` with its key. */
function createRoot(name: string): void {
  openssl([
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    `${name}.key.pem`,
  ]);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key.pem`,
    '-subj',
    `/CN=${name}`,
    '-days',
    '30',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
    '-out',
    `${name}.cert.pem`,
  ]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcptt-smime-chain-'));
  createRoot('ca');
  createRoot('other-ca');
  issue('leaf-other', 'other-ca', LEAF);
  issue('leaf', 'ca', LEAF);
  issue('leaf-critical', 'ca', `${LEAF}1.3.6.1.4.1.55555.1=critical,DER:05:00\n`);
  issue('leaf-noncritical', 'ca', `${LEAF}1.3.6.1.4.1.55555.1=DER:05:00\n`);
  issue('int-pl0', 'ca', `${CA.replace('CA:TRUE', 'CA:TRUE,pathlen:0')}`);
  issue('int-sub', 'int-pl0', CA);
  issue('leaf-pl', 'int-sub', LEAF);
  issue('leaf-pl-ok', 'int-pl0', LEAF);
  issue('int-pl1', 'ca', `${CA.replace('CA:TRUE', 'CA:TRUE,pathlen:1')}`);
  issue('int-sub1', 'int-pl1', CA);
  issue('leaf-pl1', 'int-sub1', LEAF);
  issue('int-nc', 'ca', `${CA}nameConstraints=critical,permitted;URI:example.net\n`);
  issue('leaf-nc', 'int-nc', LEAF);
  issue('int-critical', 'ca', `${CA}1.3.6.1.4.1.55555.2=critical,DER:05:00\n`);
  issue('leaf-int-critical', 'int-critical', LEAF);
  // After every issuance, so that the clock lies within every validity period.
  now = new Date();
});

async function expectUntrusted(attempt: Promise<unknown>, message: string): Promise<void> {
  const error = await attempt.catch((rejection: unknown) => rejection);

  expect(error).toBeInstanceOf(CertificateUntrustedError);
  expect(error).toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403 });
  expect((error as Error).message).toBe(message);
}

describe('signer chain constraints', () => {
  it('accepts a plain chain', async () => {
    await expect(verifyAs('leaf', [])).resolves.toMatchObject({ chainTrusted: true });
  });

  it('rejects an unknown critical extension', async () => {
    await expectUntrusted(
      verifyAs('leaf-critical', []),
      'certificate has an unsupported critical extension',
    );
  });

  it('ignores an unknown non-critical extension', async () => {
    await expect(verifyAs('leaf-noncritical', [])).resolves.toMatchObject({ chainTrusted: true });
  });

  it('rejects a critical extension on a CA', async () => {
    await expectUntrusted(
      verifyAs('leaf-int-critical', ['int-critical']),
      'certificate has an unsupported critical extension',
    );
  });

  it('rejects a CA below pathlen 0', async () => {
    await expectUntrusted(
      verifyAs('leaf-pl', ['int-sub', 'int-pl0']),
      'certificate chain exceeds a CA pathLenConstraint',
    );
  });

  it('accepts a leaf right below pathlen 0', async () => {
    await expect(verifyAs('leaf-pl-ok', ['int-pl0'])).resolves.toMatchObject({
      chainTrusted: true,
    });
  });

  it('accepts one CA below pathlen 1', async () => {
    await expect(verifyAs('leaf-pl1', ['int-sub1', 'int-pl1'])).resolves.toMatchObject({
      chainTrusted: true,
    });
  });

  it('rejects a CA with nameConstraints', async () => {
    await expectUntrusted(
      verifyAs('leaf-nc', ['int-nc']),
      'CA certificate nameConstraints not supported',
    );
  });

  it('keeps anchors and intermediates apart in its cache', async () => {
    // Trusted while other-ca is an anchor. Sent as an intermediate, other-ca must not stand in
    // for that anchor, such as after the application stopped trusting it.
    await expect(verifyAs('leaf-other', [], ['ca', 'other-ca'])).resolves.toMatchObject({
      chainTrusted: true,
    });
    await expect(verifyAs('leaf-other', ['other-ca'], ['ca'])).resolves.toMatchObject({
      chainTrusted: false,
    });
  });
});
