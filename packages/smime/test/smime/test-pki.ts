/**
 * A throwaway PKI made with the openssl CLI for the protection and CLI tests: one CA, EC P-256
 * and RSA-2048 identities with SIP URIs in subjectAltName, and certificates for the rejection
 * cases. Files go to a temporary folder, so the tests never depend on committed keys.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';

import { importPrivateKey, pemDecode } from '../../src/cms/index.js';
import { createNodeCrypto } from '../../src/node/node-crypto.js';
import type { LocalIdentity } from '../../src/smime/key-store.js';

/** Node's WebCrypto, typed as the DOM `Crypto` the library takes. */
export const testCrypto = webcrypto as Crypto;

/** The engines that the round trips and interop tests run with: Node's WebCrypto and the core's Node engine. */
export const testEngines: readonly { readonly label: string; readonly crypto: Crypto }[] = [
  { label: 'WebCrypto', crypto: testCrypto },
  { label: 'node engine', crypto: createNodeCrypto() },
];

/**
 * Kind of a test key: P-256, RSA 2048, or an EC key that the library does not support, on
 * secp256k1 or on P-256 written with explicit curve parameters.
 */
export type KeyKind = 'ec' | 'rsa' | 'ec-secp256k1' | 'ec-explicit';

/** Files of one test credential. */
export interface CredentialFiles {
  readonly keyPath: string;
  readonly certPath: string;
  readonly uri: string;
}

/** The generated PKI. */
export interface TestPki {
  readonly dir: string;
  readonly caPath: string;
  readonly caCertificate: Uint8Array;
  /** The moment the certificates were made; a clock within every validity period. */
  readonly now: Date;
  readonly files: Readonly<Record<string, CredentialFiles>>;
  identity(name: string, options?: { rsaSignature?: 'pss' | 'pkcs1' }): Promise<LocalIdentity>;
  certificate(name: string): Uint8Array;
}

/** Credentials made by {@link createTestPki}: name, key kind, SAN URI, issued by the CA or self-signed. */
const CREDENTIALS: readonly {
  name: string;
  kind: KeyKind;
  uri: string;
  selfSigned?: boolean;
}[] = [
  { name: 'alice', kind: 'ec', uri: 'sip:alice@example.org' },
  { name: 'alice2', kind: 'ec', uri: 'sip:alice@example.org' },
  { name: 'alice-self', kind: 'ec', uri: 'sip:alice@example.org', selfSigned: true },
  { name: 'alice-rsa', kind: 'rsa', uri: 'sip:alice@example.org' },
  { name: 'bob', kind: 'ec', uri: 'sip:bob@example.org' },
  { name: 'server', kind: 'ec', uri: 'sip:mcptt-server@example.org' },
  { name: 'server-rsa', kind: 'rsa', uri: 'sip:mcptt-server@example.org' },
  { name: 'mallory', kind: 'ec', uri: 'sip:mallory@example.org' },
  { name: 'alice-secp256k1', kind: 'ec-secp256k1', uri: 'sip:alice@example.org' },
  { name: 'alice-explicit', kind: 'ec-explicit', uri: 'sip:alice@example.org' },
];

const KEY_OPTIONS: Readonly<Record<KeyKind, readonly string[]>> = {
  ec: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  'ec-secp256k1': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1'],
  'ec-explicit': [
    ...['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    ...['-pkeyopt', 'ec_param_enc:explicit'],
  ],
};

let cached: Promise<TestPki> | undefined;

/** Returns the test PKI, generating it once per test worker. */
export function getTestPki(): Promise<TestPki> {
  cached ??= Promise.resolve().then(createTestPki);
  return cached;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function generateKey(kind: KeyKind, path: string, cwd: string): void {
  openssl(['genpkey', ...KEY_OPTIONS[kind], '-out', path], cwd);
}

function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'mcptt-smime-pki-'));
  const now = new Date();
  generateKey('ec', 'ca.key.pem', dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key.pem',
      '-subj',
      '/O=example.org/CN=Test CA',
      '-days',
      '3650',
    ]
      .concat(['-addext', 'basicConstraints=critical,CA:TRUE'])
      .concat(['-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.cert.pem']),
    dir,
  );

  const files: Record<string, CredentialFiles> = {};
  for (const [index, credential] of CREDENTIALS.entries()) {
    files[credential.name] = issue(dir, credential, index + 2);
  }

  const caPath = join(dir, 'ca.cert.pem');
  const certificate = (name: string): Uint8Array => {
    const entry = files[name];
    if (entry === undefined) throw new TypeError(`no test credential ${name}`);
    return pemDecode(readFileSync(entry.certPath, 'utf8'), 'CERTIFICATE')[0] as Uint8Array;
  };
  const identity = async (
    name: string,
    options: { rsaSignature?: 'pss' | 'pkcs1' } = {},
  ): Promise<LocalIdentity> => {
    const entry = files[name];
    if (entry === undefined) throw new TypeError(`no test credential ${name}`);
    const [pkcs8] = pemDecode(readFileSync(entry.keyPath, 'utf8'), 'PRIVATE KEY');
    const keys = await importPrivateKey(testCrypto, pkcs8 as Uint8Array, options);
    return { uri: entry.uri, certificate: certificate(name), chain: [], ...keys };
  };
  return {
    dir,
    caPath,
    caCertificate: pemDecode(readFileSync(caPath, 'utf8'), 'CERTIFICATE')[0] as Uint8Array,
    now: new Date(now.getTime() + 60_000),
    files,
    identity,
    certificate,
  };
}

function issue(
  dir: string,
  credential: (typeof CREDENTIALS)[number],
  serial: number,
): CredentialFiles {
  const { name, kind, uri } = credential;
  const keyPath = join(dir, `${name}.key.pem`);
  const certPath = join(dir, `${name}.cert.pem`);
  generateKey(kind, keyPath, dir);
  const usage =
    kind === 'rsa' ? 'digitalSignature,keyEncipherment' : 'digitalSignature,keyAgreement';
  writeFileSync(
    join(dir, `${name}.ext`),
    [
      '[v3]',
      'basicConstraints=critical,CA:FALSE',
      `keyUsage=critical,${usage}`,
      'extendedKeyUsage=emailProtection',
      `subjectAltName=URI:${uri}`,
      'subjectKeyIdentifier=hash',
      '',
    ].join('\n'),
  );
  if (credential.selfSigned === true) {
    openssl(
      ['req', '-x509', '-new', '-key', keyPath, '-subj', `/CN=${name}`, '-days', '365']
        .concat(['-config', `${name}.ext`, '-extensions', 'v3'])
        .concat(['-out', certPath]),
      dir,
    );
    return { keyPath, certPath, uri };
  }
  openssl(['req', '-new', '-key', keyPath, '-subj', `/CN=${name}`, '-out', `${name}.csr`], dir);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.cert.pem', '-CAkey', 'ca.key.pem']
      .concat(['-set_serial', String(serial), '-days', '365', '-sha256'])
      .concat(['-extfile', `${name}.ext`, '-extensions', 'v3', '-out', certPath]),
    dir,
  );
  return { keyPath, certPath, uri };
}
