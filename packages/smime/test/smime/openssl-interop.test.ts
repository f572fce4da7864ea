import { beforeAll, describe, expect, it } from 'vitest';

import { NotSupportedError } from '../../src/errors.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { SECRET_TOKEN, bodyParts, mcpttInfo, mcpttInfoMessage } from './messages.js';
import { innerMcpttInfo, opensslProtect, wrapInMessage } from './openssl-peer.js';
import type { OpensslStep } from './openssl-peer.js';
import { getTestPki, testEngines } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

interface InteropCase {
  readonly name: string;
  readonly recipient: string;
  readonly steps: (pki: TestPki) => OpensslStep[];
  readonly contentEncryption: string;
}

const file = (pki: TestPki, name: string) => {
  const files = pki.files[name];
  if (files === undefined) throw new TypeError(name);
  return files;
};
const OAEP = ['-keyopt', 'rsa_padding_mode:oaep', '-keyopt', 'rsa_oaep_md:sha256'];
const PSS = ['-keyopt', 'rsa_padding_mode:pss'];

const CASES: readonly InteropCase[] = [
  {
    name: 'sign then encrypt, ECDH, AES-256-GCM',
    recipient: 'server',
    contentEncryption: 'aes-256-gcm',
    steps: (p) => [
      { op: 'sign', signer: file(p, 'alice') },
      { op: 'encrypt', recipient: file(p, 'server'), cipher: 'aes-256-gcm' },
    ],
  },
  {
    name: 'sign then encrypt, ECDH, AES-128-CBC',
    recipient: 'server',
    contentEncryption: 'aes-128-cbc',
    steps: (p) => [
      { op: 'sign', signer: file(p, 'alice') },
      { op: 'encrypt', recipient: file(p, 'server'), cipher: 'aes-128-cbc' },
    ],
  },
  {
    // OpenSSL's cofactor mode alone gives the cofactor scheme with the SHA-1 KDF. On P-256 the
    // cofactor is 1, so it derives what the standard scheme derives.
    name: 'sign then encrypt, cofactor ECDH with the SHA-1 KDF, AES-256-GCM',
    recipient: 'server',
    contentEncryption: 'aes-256-gcm',
    steps: (p) => [
      { op: 'sign', signer: file(p, 'alice') },
      {
        op: 'encrypt',
        recipient: file(p, 'server'),
        cipher: 'aes-256-gcm',
        args: ['-keyopt', 'ecdh_cofactor_mode:1'],
      },
    ],
  },
  {
    name: 'opaque streamed signature, AES-128-GCM',
    recipient: 'server',
    contentEncryption: 'aes-128-gcm',
    steps: (p) => [
      { op: 'sign', signer: file(p, 'alice'), opaque: true, args: ['-stream'] },
      { op: 'encrypt', recipient: file(p, 'server'), cipher: 'aes-128-gcm', args: ['-stream'] },
    ],
  },
  {
    name: 'RSA-PSS, RSA-OAEP, AES-256-GCM',
    recipient: 'server-rsa',
    contentEncryption: 'aes-256-gcm',
    steps: (p) => [
      { op: 'sign', signer: file(p, 'alice-rsa'), args: PSS },
      { op: 'encrypt', recipient: file(p, 'server-rsa'), cipher: 'aes-256-gcm', args: OAEP },
    ],
  },
  {
    name: 'encrypt then sign, ECDH, AES-256-GCM',
    recipient: 'server',
    contentEncryption: 'aes-256-gcm',
    steps: (p) => [
      { op: 'encrypt', recipient: file(p, 'server'), cipher: 'aes-256-gcm' },
      { op: 'sign', signer: file(p, 'alice') },
    ],
  },
  {
    name: 'encrypt then sign, RSA-OAEP, PKCS#1 v1.5 signature',
    recipient: 'server-rsa',
    contentEncryption: 'aes-256-cbc',
    steps: (p) => [
      { op: 'encrypt', recipient: file(p, 'server-rsa'), cipher: 'aes-256-cbc', args: OAEP },
      { op: 'sign', signer: file(p, 'alice-rsa') },
    ],
  },
];

describe('unprotect messages made by openssl cms', () => {
  for (const testCase of CASES) {
    for (const { label: engine, crypto } of testEngines) {
      it(`opens ${testCase.name}, ${engine}`, async () => {
        const smime = opensslProtect(innerMcpttInfo(mcpttInfo()), testCase.steps(pki));
        const message = wrapInMessage(mcpttInfoMessage(), smime);
        const { message: opened, security } = await unprotectMessage(message, {
          crypto,
          identity: await pki.identity(testCase.recipient),
          trustAnchors: [pki.caCertificate],
          now: () => pki.now,
        });

        expect(new TextDecoder().decode(message.toBytes())).not.toContain(SECRET_TOKEN);
        expect(bodyParts(opened)).toEqual(bodyParts(mcpttInfoMessage()));
        expect(security.encrypted).toBe(true);
        expect(security.signed).toBe(true);
        expect(security.signerUri).toBe('sip:alice@example.org');
        expect(security.algorithms.contentEncryption).toBe(testCase.contentEncryption);
      });
    }
  }
});

/** Opens an openssl message made by `steps` at the server, and returns the error it raised. */
async function rejectionOf(steps: readonly OpensslStep[]): Promise<unknown> {
  const smime = opensslProtect(innerMcpttInfo(mcpttInfo()), steps);
  const attempt = unprotectMessage(wrapInMessage(mcpttInfoMessage(), smime), {
    crypto: testEngines[0]!.crypto,
    identity: await pki.identity('server'),
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
  });
  return attempt.catch((rejection: unknown) => rejection);
}

describe('signed content that is not MIME', () => {
  // RFC 8551 §2.4.1: S/MIME signs id-data. Another eContentType is not read as a MIME entity.
  it.each([false, true])('gets 415, opaque %s', async (opaque) => {
    const error = await rejectionOf([
      { op: 'sign', signer: file(pki, 'alice'), opaque, args: ['-econtent_type', '1.2.3.4'] },
      { op: 'encrypt', recipient: file(pki, 'server'), cipher: 'aes-256-gcm' },
    ]);

    expect(error).toBeInstanceOf(NotSupportedError);
    expect(error).toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });
});

describe('a signer key that the library does not support', () => {
  // OpenSSL verifies these signatures, so the status is 415 rather than a bad signature.
  it.each(['alice-secp256k1', 'alice-explicit'])('gets 415 for %s', async (signer) => {
    const error = await rejectionOf([
      { op: 'sign', signer: file(pki, signer) },
      { op: 'encrypt', recipient: file(pki, 'server'), cipher: 'aes-256-gcm' },
    ]);

    expect(error).toBeInstanceOf(NotSupportedError);
    expect(error).toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
      sipStatus: 415,
      message: 'signer public key algorithm not supported',
    });
  });
});

describe('a content encryption that the library does not support', () => {
  it.each([
    ['aes-192-cbc', 'aes-192-cbc'],
    ['aes-192-gcm', 'aes-192-gcm'],
    ['des3', 'des-ede3-cbc'],
  ])('gets 415 naming %s', async (cipher, name) => {
    const error = await rejectionOf([
      { op: 'sign', signer: file(pki, 'alice') },
      { op: 'encrypt', recipient: file(pki, 'server'), cipher },
    ]);

    expect(error).toBeInstanceOf(NotSupportedError);
    expect(error).toMatchObject({
      sipStatus: 415,
      message: `content encryption ${name} not supported`,
    });
  });
});
