import { describe, expect, it } from 'vitest';

import { utf8Encode } from '../../src/bytes.js';
import {
  decryptContent,
  encryptContent,
  getCmsContentType,
  signContent,
  verifySignedData,
} from '../../src/cms/index.js';
import type { ContentEncryptionAlgorithm } from '../../src/cms/index.js';
import { NotSupportedError } from '../../src/errors.js';
import {
  FIXTURE_NOW,
  crypto,
  engines,
  fixtureCertificate,
  fixtureFile,
  fixtureKeys,
  runOpenssl,
} from './helpers.js';

const body = utf8Encode(
  '<?xml version="1.0" encoding="UTF-8"?>\r\n<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0">' +
    '<mcptt-Params><session-type>prearranged</session-type></mcptt-Params></mcpttinfo>\r\n',
);
const anchors = [fixtureCertificate('ca')];

const signers = [
  { label: 'P-256', name: 'alice', rsaSignature: 'pss', expected: 'ecdsa-with-SHA256' },
  { label: 'RSA-PSS', name: 'carol-rsa', rsaSignature: 'pss', expected: 'rsassa-pss' },
  {
    label: 'RSA-PKCS1',
    name: 'carol-rsa',
    rsaSignature: 'pkcs1',
    expected: 'sha256WithRSAEncryption',
  },
] as const;
const algorithms: readonly ContentEncryptionAlgorithm[] = [
  'aes-128-gcm',
  'aes-256-gcm',
  'aes-128-cbc',
  'aes-256-cbc',
];
const recipients = [
  { label: 'P-256', name: 'bob' },
  { label: 'RSA', name: 'carol-rsa' },
] as const;

function opensslDecrypt(der: Uint8Array, recipient: string): ReturnType<typeof runOpenssl> {
  return runOpenssl(
    [
      'cms',
      '-decrypt',
      '-binary',
      '-inform',
      'DER',
      '-in',
      '$in.der',
      '-recip',
      '$r.pem',
      '-inkey',
      '$k.pem',
      '-out',
      '$out.bin',
    ],
    {
      'in.der': der,
      'r.pem': fixtureFile(`${recipient}.cert.pem`),
      'k.pem': fixtureFile(`${recipient}.key.pem`),
    },
  );
}

function opensslVerify(der: Uint8Array, detached?: Uint8Array): ReturnType<typeof runOpenssl> {
  const files: Record<string, Uint8Array> = { 'in.der': der, 'ca.pem': fixtureFile('ca.cert.pem') };
  const args = [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    '$in.der',
    '-CAfile',
    '$ca.pem',
    '-out',
    '$out.bin',
  ];
  if (detached !== undefined) {
    files['content.bin'] = detached;
    args.push('-content', '$content.bin');
  }
  return runOpenssl(args, files);
}

describe('our output read by openssl cms', () => {
  for (const { label: engine, crypto } of engines) {
    for (const signer of signers) {
      for (const algorithm of algorithms) {
        for (const recipient of recipients) {
          it(`signed by ${signer.label}, ${algorithm}, to ${recipient.label}, ${engine}`, async () => {
            const keys = await fixtureKeys(signer.name, signer.rsaSignature);
            const signed = await signContent({
              crypto,
              content: body,
              privateKey: keys.signingKey,
              certificate: fixtureCertificate(signer.name),
              signingTime: FIXTURE_NOW,
              detached: false,
            });
            const envelope = await encryptContent({
              crypto,
              content: signed,
              recipients: [fixtureCertificate(recipient.name)],
              algorithm,
            });
            expect(envelope.smimeType).toBe(
              algorithm.endsWith('gcm') ? 'authEnveloped-data' : 'enveloped-data',
            );

            const decrypted = opensslDecrypt(envelope.der, recipient.name);
            expect(decrypted.status, decrypted.stderr).toBe(0);
            expect(new Uint8Array(decrypted.read('out.bin'))).toEqual(signed);

            const verified = opensslVerify(signed);
            expect(verified.status, verified.stderr).toBe(0);
            expect(new Uint8Array(verified.read('out.bin'))).toEqual(body);
          });
        }
      }
    }
  }

  for (const signer of signers) {
    it(`detached signature by ${signer.label} verifies`, async () => {
      const keys = await fixtureKeys(signer.name, signer.rsaSignature);
      const der = await signContent({
        crypto,
        content: body,
        privateKey: keys.signingKey,
        certificate: fixtureCertificate(signer.name),
        signingTime: FIXTURE_NOW,
        detached: true,
      });
      const verified = opensslVerify(der, body);
      expect(verified.status, verified.stderr).toBe(0);

      const ours = await verifySignedData({
        crypto,
        der,
        detachedContent: body,
        trustAnchors: anchors,
        now: FIXTURE_NOW,
      });
      expect(ours.signatureAlgorithm).toBe(signer.expected);
      expect(ours.content).toEqual(body);
    });
  }

  it('envelope to two recipients opens for each', async () => {
    const envelope = await encryptContent({
      crypto,
      content: body,
      recipients: [fixtureCertificate('bob'), fixtureCertificate('carol-rsa')],
      algorithm: 'aes-256-gcm',
    });
    for (const name of ['bob', 'carol-rsa']) {
      const decrypted = opensslDecrypt(envelope.der, name);
      expect(decrypted.status, decrypted.stderr).toBe(0);
      expect(new Uint8Array(decrypted.read('out.bin'))).toEqual(body);
    }
  });
});

function opensslEncrypt(cipher: string, recipient: string, keyopts: readonly string[]): Uint8Array {
  const args = [
    'cms',
    '-encrypt',
    '-binary',
    `-${cipher}`,
    '-in',
    '$in.bin',
    '-outform',
    'DER',
    '-out',
    '$out.der',
    '-recip',
    '$r.pem',
  ];
  for (const option of keyopts) args.push('-keyopt', option);
  const result = runOpenssl(args, {
    'in.bin': body,
    'r.pem': fixtureFile(`${recipient}.cert.pem`),
  });
  expect(result.status, result.stderr).toBe(0);
  return new Uint8Array(result.read('out.der'));
}

function opensslSign(signer: string, options: readonly string[]): Uint8Array {
  const args = [
    'cms',
    '-sign',
    '-binary',
    '-md',
    'sha256',
    '-in',
    '$in.bin',
    '-outform',
    'DER',
    '-out',
    '$out.der',
  ];
  args.push('-signer', '$s.pem', '-inkey', '$k.pem', ...options);
  const files = {
    'in.bin': body,
    's.pem': fixtureFile(`${signer}.cert.pem`),
    'k.pem': fixtureFile(`${signer}.key.pem`),
  };
  const result = runOpenssl(args, files);
  expect(result.status, result.stderr).toBe(0);
  return new Uint8Array(result.read('out.der'));
}

describe('openssl cms output read here', () => {
  const decryptCases = [
    {
      label: 'ECDH without ukm, aes-128-cbc',
      cipher: 'aes-128-cbc',
      recipient: 'bob',
      keyopts: ['ecdh_kdf_md:sha256'],
      keyManagement: 'ecdh-es-sha256-aes128-wrap',
    },
    {
      label: 'ECDH, aes-256-gcm AuthEnvelopedData',
      cipher: 'aes-256-gcm',
      recipient: 'bob',
      keyopts: ['ecdh_kdf_md:sha256'],
      keyManagement: 'ecdh-es-sha256-aes256-wrap',
    },
    {
      label: 'ECDH with the default SHA-1 KDF',
      cipher: 'aes-128-gcm',
      recipient: 'bob',
      keyopts: [],
      keyManagement: 'ecdh-es-sha1-aes128-wrap',
    },
    {
      label: 'RSA-OAEP SHA-256',
      cipher: 'aes-256-cbc',
      recipient: 'carol-rsa',
      keyopts: ['rsa_padding_mode:oaep', 'rsa_oaep_md:sha256', 'rsa_mgf1_md:sha256'],
      keyManagement: 'rsaes-oaep-sha256',
    },
  ] as const;

  for (const testCase of decryptCases) {
    for (const { label: engine, crypto } of engines) {
      it(`decrypts ${testCase.label}, ${engine}`, async () => {
        const der = opensslEncrypt(testCase.cipher, testCase.recipient, testCase.keyopts);
        const keys = await fixtureKeys(testCase.recipient);
        const result = await decryptContent({
          crypto,
          der,
          certificate: fixtureCertificate(testCase.recipient),
          privateKey: keys.decryptionKey,
        });
        expect(result.content).toEqual(body);
        expect(result.contentEncryption).toBe(testCase.cipher);
        expect(result.keyManagement).toBe(testCase.keyManagement);
      });
    }
  }

  it('rejects RSAES-PKCS1-v1_5 key transport as not supported', async () => {
    const der = opensslEncrypt('aes-128-cbc', 'carol-rsa', []);
    const keys = await fixtureKeys('carol-rsa');
    const attempt = decryptContent({
      crypto,
      der,
      certificate: fixtureCertificate('carol-rsa'),
      privateKey: keys.decryptionKey,
    });
    await expect(attempt).rejects.toBeInstanceOf(NotSupportedError);
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });

  it('rejects RSA-OAEP SHA-1 with a SHA-256 key as not supported', async () => {
    const der = opensslEncrypt('aes-128-cbc', 'carol-rsa', ['rsa_padding_mode:oaep']);
    const keys = await fixtureKeys('carol-rsa');
    const attempt = decryptContent({
      crypto,
      der,
      certificate: fixtureCertificate('carol-rsa'),
      privateKey: keys.decryptionKey,
    });
    await expect(attempt).rejects.toBeInstanceOf(NotSupportedError);
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });

  const signCases = [
    {
      label: 'opaque ECDSA',
      signer: 'alice',
      options: ['-nodetach'],
      detached: false,
      algorithm: 'ecdsa-with-SHA256',
    },
    {
      label: 'detached ECDSA',
      signer: 'alice',
      options: [],
      detached: true,
      algorithm: 'ecdsa-with-SHA256',
    },
    {
      label: 'streamed BER ECDSA',
      signer: 'alice',
      options: ['-nodetach', '-stream'],
      detached: false,
      algorithm: 'ecdsa-with-SHA256',
    },
    {
      label: 'RSA-PSS',
      signer: 'carol-rsa',
      options: ['-nodetach', '-keyopt', 'rsa_padding_mode:pss'],
      detached: false,
      algorithm: 'rsassa-pss',
    },
    {
      label: 'RSA PKCS#1 v1.5',
      signer: 'carol-rsa',
      options: ['-nodetach'],
      detached: false,
      algorithm: 'sha256WithRSAEncryption',
    },
  ] as const;

  for (const testCase of signCases) {
    it(`verifies ${testCase.label}`, async () => {
      const der = opensslSign(testCase.signer, testCase.options);
      expect(getCmsContentType(der)).toBe('signed-data');
      const result = await verifySignedData({
        crypto,
        der,
        ...(testCase.detached ? { detachedContent: body } : {}),
        trustAnchors: anchors,
        now: FIXTURE_NOW,
      });
      expect(result.content).toEqual(body);
      expect(result.signatureAlgorithm).toBe(testCase.algorithm);
      expect(result.digestAlgorithm).toBe('sha-256');
      expect(result.chainTrusted).toBe(true);
      expect(result.signingTime).toBeInstanceOf(Date);
    });
  }
});
