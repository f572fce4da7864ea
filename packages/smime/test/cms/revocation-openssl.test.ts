/**
 * Revocation check with lists made by `openssl ca -gencrl`: reasons and certificate holds set by
 * `openssl ca -revoke`, a list scoped to a distribution point, an RSA issuer, and an issuer that
 * may not sign lists. Certificates come from the fixture CA and from CAs made here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Encode } from '../../src/bytes.js';
import { importPrivateKey, pemDecode, signContent, verifySignedData } from '../../src/cms/index.js';
import type { RevocationList, RevocationMode } from '../../src/cms/index.js';
import { parseRevocationList } from '../../src/cms/revocation-list.js';
import { FIXTURE_NOW, crypto, fixturePath } from './helpers.js';
import { opensslAvailable, opensslCrl, type OpensslCrlOptions } from './openssl-crl.js';
import { expectRevoked, expectUnknown } from './revocation-expect.js';

const content = utf8Encode('Content-Type: text/plain\r\n\r\nshort data\r\n');
const LAST_UPDATE = new Date('2030-05-01T00:00:00Z');
const NEXT_UPDATE = new Date('2030-07-01T00:00:00Z');
const LEAF = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature',
  'subjectAltName=URI:sip:alice@example.org',
];
const DISTRIBUTION_POINT = 'URI:http://crl.example.org/ca.crl';
const FIXTURE_CA = { certificate: fixturePath('ca.cert.pem'), key: fixturePath('ca.key.pem') };

let dir: string;
const path = (name: string) => join(dir, name);

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function generateKey(name: string, rsa = false): void {
  const algorithm = rsa
    ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
    : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  openssl(['genpkey', ...algorithm, '-out', `${name}.key.pem`]);
}

/** Makes a self-signed CA `name` with the given keyUsage. */
function createCa(name: string, keyUsage: string, rsa = false): void {
  generateKey(name, rsa);
  openssl(
    ['req', '-x509', '-new', '-key', `${name}.key.pem`, '-subj', `/CN=${name}`]
      .concat(['-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE'])
      .concat(['-addext', `keyUsage=critical,${keyUsage}`, '-out', `${name}.cert.pem`]),
  );
}

/** Issues `name` under `issuer` (paths of certificate and key) with the extension lines `ext`. */
function issue(
  name: string,
  issuer: { certificate: string; key: string },
  serial: number,
  ext: readonly string[],
): void {
  generateKey(name);
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
  writeFileSync(path(`${name}.ext`), `${ext.join('\n')}\n`);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', issuer.certificate, '-CAkey', issuer.key]
      .concat(['-set_serial', String(serial), '-days', '3650', '-sha256'])
      .concat(['-extfile', `${name}.ext`, '-out', `${name}.cert.pem`]),
  );
}

function pemFile(name: string, label: string): Uint8Array {
  const [der] = pemDecode(readFileSync(path(name), 'utf8'), label);
  return der!;
}

function crl(
  options: Omit<OpensslCrlOptions, 'caCertificate' | 'caKey'>,
  ca = FIXTURE_CA,
): RevocationList {
  return parseRevocationList(
    opensslCrl({
      caCertificate: ca.certificate,
      caKey: ca.key,
      lastUpdate: LAST_UPDATE,
      nextUpdate: NEXT_UPDATE,
      ...options,
    }).der,
  );
}

async function verify(
  signer: string,
  anchor: string,
  lists: readonly RevocationList[],
  mode?: RevocationMode,
) {
  const { signingKey } = await importPrivateKey(
    crypto,
    pemFile(`${signer}.key.pem`, 'PRIVATE KEY'),
  );
  const der = await signContent({
    crypto,
    content,
    privateKey: signingKey,
    certificate: pemFile(`${signer}.cert.pem`, 'CERTIFICATE'),
    signingTime: FIXTURE_NOW,
    detached: false,
  });
  const [anchorDer] = pemDecode(readFileSync(anchor, 'utf8'), 'CERTIFICATE');
  return verifySignedData({
    crypto,
    der,
    trustAnchors: [anchorDer!],
    now: FIXTURE_NOW,
    revocationLists: lists,
    ...(mode === undefined ? {} : { revocation: mode }),
  });
}

describe.skipIf(!opensslAvailable)('revocation with openssl lists', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcptt-smime-revocation-'));
    issue('revoked', FIXTURE_CA, 0x5001, LEAF);
    issue('held', FIXTURE_CA, 0x5002, LEAF);
    issue('valid', FIXTURE_CA, 0x5003, LEAF);
    issue('listed-point', FIXTURE_CA, 0x5004, [
      ...LEAF,
      `crlDistributionPoints=${DISTRIBUTION_POINT}`,
    ]);
    issue('other-point', FIXTURE_CA, 0x5005, [
      ...LEAF,
      'crlDistributionPoints=URI:http://crl.example.org/other.crl',
    ]);
    createCa('rsa-ca', 'keyCertSign,cRLSign', true);
    issue(
      'rsa-issued',
      { certificate: path('rsa-ca.cert.pem'), key: path('rsa-ca.key.pem') },
      0x6001,
      LEAF,
    );
    createCa('no-crl-sign-ca', 'keyCertSign');
    issue(
      'no-crl-sign-issued',
      { certificate: path('no-crl-sign-ca.cert.pem'), key: path('no-crl-sign-ca.key.pem') },
      0x7001,
      LEAF,
    );
  });

  it('rejects a certificate revoked by openssl ca', async () => {
    const lists = [
      crl({ revoke: [{ certificate: path('revoked.cert.pem'), reason: 'keyCompromise' }] }),
    ];
    const error = await expectRevoked(verify('revoked', FIXTURE_CA.certificate, lists));

    expect(error.message).toContain('CN=revoked (serial 5001)');
    expect(error.message).toContain('reason keyCompromise');
  });

  it('rejects a certificate on hold', async () => {
    const lists = [
      crl({ revoke: [{ certificate: path('held.cert.pem'), reason: 'certificateHold' }] }),
    ];
    const error = await expectRevoked(verify('held', FIXTURE_CA.certificate, lists));

    expect(error.message).toContain('is on hold since');
  });

  it('accepts a certificate the list leaves out', async () => {
    const lists = [crl({ revoke: [{ certificate: path('revoked.cert.pem') }] })];

    expect((await verify('valid', FIXTURE_CA.certificate, lists, 'require')).chainTrusted).toBe(
      true,
    );
  });

  it('accepts an entry with removeFromCRL', async () => {
    const lists = [
      crl({
        indexEntries: [
          {
            serial: 0x5003,
            revocationDate: new Date('2030-01-01T00:00:00Z'),
            reason: 'removeFromCRL',
          },
        ],
      }),
    ];

    expect((await verify('valid', FIXTURE_CA.certificate, lists)).chainTrusted).toBe(true);
  });

  it('rejects in require mode once nextUpdate passed', async () => {
    const lists = [
      crl({
        lastUpdate: new Date('2030-04-01T00:00:00Z'),
        nextUpdate: new Date('2030-05-01T00:00:00Z'),
      }),
    ];

    await expectUnknown(verify('valid', FIXTURE_CA.certificate, lists, 'require'));
  });

  it('scopes a list to its distribution point', async () => {
    const lists = [
      crl({
        revoke: [
          { certificate: path('listed-point.cert.pem') },
          { certificate: path('other-point.cert.pem') },
        ],
        extensions: [
          'issuingDistributionPoint = critical, @idp',
          '[idp]',
          `fullname = ${DISTRIBUTION_POINT}`,
        ],
      }),
    ];

    await expectRevoked(verify('listed-point', FIXTURE_CA.certificate, lists));
    expect((await verify('other-point', FIXTURE_CA.certificate, lists)).chainTrusted).toBe(true);
    await expectUnknown(verify('other-point', FIXTURE_CA.certificate, lists, 'require'));
  });

  it('verifies a list of an RSA issuer', async () => {
    const rsaCa = { certificate: path('rsa-ca.cert.pem'), key: path('rsa-ca.key.pem') };
    const revoking = [crl({ revoke: [{ certificate: path('rsa-issued.cert.pem') }] }, rsaCa)];
    const clean = [crl({}, rsaCa)];

    expect(revoking[0]?.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    await expectRevoked(verify('rsa-issued', rsaCa.certificate, revoking));
    expect((await verify('rsa-issued', rsaCa.certificate, clean, 'require')).chainTrusted).toBe(
      true,
    );
  });

  it('ignores a list of an issuer without cRLSign', async () => {
    const ca = {
      certificate: path('no-crl-sign-ca.cert.pem'),
      key: path('no-crl-sign-ca.key.pem'),
    };
    const lists = [crl({ revoke: [{ certificate: path('no-crl-sign-issued.cert.pem') }] }, ca)];

    expect((await verify('no-crl-sign-issued', ca.certificate, lists)).chainTrusted).toBe(true);
    await expectUnknown(verify('no-crl-sign-issued', ca.certificate, lists, 'require'));
  });
});
