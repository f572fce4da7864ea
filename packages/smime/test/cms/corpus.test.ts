import { describe, expect, it } from 'vitest';

import {
  certificateSipUris,
  decryptContent,
  getCmsContentType,
  importPrivateKey,
  inspectCms,
  pemDecode,
  verifySignedData,
} from '../../src/cms/index.js';
import {
  CertificateUntrustedError,
  CmsParseError,
  McpttError,
  NotSupportedError,
  SignatureInvalidError,
  UndecipherableError,
} from '../../src/errors.js';
import { corporaAvailable, readCorpus, readCorpusText } from '../corpora.js';
import { crypto } from './helpers.js';

// Inside the validity of the case certificates (2025 to 2045), after alice-expired's (2021).
const CASES_NOW = new Date('2026-06-01T00:00:00Z');

function corpusCertificate(path: string): Uint8Array {
  const [der] = pemDecode(readCorpusText(path), 'CERTIFICATE');
  if (der === undefined) throw new Error(`no certificate in ${path}`);
  return der;
}

async function corpusKeys(path: string): Promise<Awaited<ReturnType<typeof importPrivateKey>>> {
  const [der] = pemDecode(readCorpusText(path), 'PRIVATE KEY');
  if (der === undefined) throw new Error(`no key in ${path}`);
  return importPrivateKey(crypto, der);
}

describe.skipIf(!corporaAvailable)('known failure cases', () => {
  it('B13 OpenSSL ECDH envelope without ukm decrypts with a non-extractable key', async () => {
    const keys = await corpusKeys('cases/keys/bob.key.pem');
    expect(keys.decryptionKey.extractable).toBe(false);
    const result = await decryptContent({
      crypto,
      der: readCorpus('cases/B13-enveloped-kari-p256-openssl.der'),
      certificate: corpusCertificate('cases/keys/bob.cert.pem'),
      privateKey: keys.decryptionKey,
    });
    expect(result.content).toEqual(readCorpus('cases/B13-expected-plaintext.xml'));
    expect(result.keyManagement).toBe('ecdh-es-sha256-aes128-wrap');
    await expect(crypto.subtle.exportKey('pkcs8', keys.decryptionKey)).rejects.toThrow();
  });

  it('B13 envelope is undecipherable for alice', async () => {
    const keys = await corpusKeys('cases/keys/alice.key.pem');
    const attempt = decryptContent({
      crypto,
      der: readCorpus('cases/B13-enveloped-kari-p256-openssl.der'),
      certificate: corpusCertificate('cases/keys/alice.cert.pem'),
      privateKey: keys.decryptionKey,
    });
    await expect(attempt).rejects.toBeInstanceOf(UndecipherableError);
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_UNDECIPHERABLE', sipStatus: 493 });
  });

  it('B20 non-extractable key decrypts without exportKey', async () => {
    const [pkcs8] = pemDecode(readCorpusText('cases/keys/bob.key.pem'), 'PRIVATE KEY');
    const key = await crypto.subtle.importKey(
      'pkcs8',
      pkcs8 as Uint8Array<ArrayBuffer>,
      { name: 'ECDH', namedCurve: 'P-256' },
      false,
      ['deriveBits'],
    );
    const result = await decryptContent({
      crypto,
      der: readCorpus('cases/B13-enveloped-kari-p256-openssl.der'),
      certificate: corpusCertificate('cases/keys/bob.cert.pem'),
      privateKey: key,
    });
    expect(result.content).toEqual(readCorpus('cases/B13-expected-plaintext.xml'));
    const exported = await crypto.subtle.exportKey('pkcs8', key).then(
      () => 'exported',
      (error: unknown) => (error as DOMException).name,
    );
    // Browsers name it InvalidAccessError; Node 20 names it InvalidAccessException.
    expect(exported).toMatch(/^InvalidAccess(Error|Exception)$/);
  });

  it('B14 BER indefinite SignedData with chunked eContent verifies', async () => {
    const der = readCorpus('cases/B14-signed-ber-indefinite-3chunks.der');
    expect(getCmsContentType(der)).toBe('signed-data');
    const result = await verifySignedData({
      crypto,
      der,
      trustAnchors: [corpusCertificate('cases/keys/ca.cert.pem')],
      now: CASES_NOW,
    });
    expect(result.content).toEqual(readCorpus('cases/B14-content.xml'));
    expect(result.content.length).toBe(8678);
    expect(result.chainTrusted).toBe(true);
  });

  it('B16 expired signer is rejected', async () => {
    const attempt = verifySignedData({
      crypto,
      der: readCorpus('cases/B16-signed-by-expired-cert.der'),
      trustAnchors: [corpusCertificate('cases/keys/ca.cert.pem')],
      now: CASES_NOW,
    });
    await expect(attempt).rejects.toBeInstanceOf(CertificateUntrustedError);
    await expect(attempt).rejects.toMatchObject({
      code: 'ERR_CERT_UNTRUSTED',
      sipStatus: 403,
      message: 'certificate has expired',
    });
  });

  it('B22a SIP URI without authority is extracted', () => {
    expect(certificateSipUris(corpusCertificate('cases/B22a-cert-san-uri-sip-alice.pem'))).toEqual([
      'sip:alice@example.org',
    ]);
  });

  it('B22b SAN URI with NUL is dropped', () => {
    const uris = certificateSipUris(corpusCertificate('cases/B22b-cert-san-uri-embedded-nul.pem'));
    expect(uris).toEqual([]);
    expect(uris.some((uri) => uri.includes('alice'))).toBe(false);
  });
});

type Operation = 'verify' | 'decrypt' | 'type';
type Outcome =
  | 'ok'
  | typeof CmsParseError
  | typeof NotSupportedError
  | typeof SignatureInvalidError
  | typeof UndecipherableError;

/** Expected outcome of every example file, with Bob's RFC 9216 key for decryption. */
const EXAMPLES: readonly { file: string; operation: Operation; expected: Outcome; note: string }[] =
  [
    {
      file: 'draft-ireland-examples-cms/signedByAliceRSA.pem',
      operation: 'verify',
      expected: 'ok',
      note: 'RSA PKCS#1 v1.5, SHA-256',
    },
    {
      file: 'draft-ireland-examples-cms/signedByAliceRSAPSS.pem',
      operation: 'verify',
      expected: 'ok',
      note: 'RSASSA-PSS',
    },
    {
      file: 'draft-ireland-examples-cms/signedByCarlosEd25519.pem',
      operation: 'verify',
      expected: NotSupportedError,
      note: 'Ed25519',
    },
    {
      file: 'draft-ireland-examples-cms/signedByCarlosDetached.pem',
      operation: 'verify',
      expected: SignatureInvalidError,
      note: 'content not supplied',
    },
    {
      file: 'draft-ireland-examples-cms/signedByAliceAndCarlosNoCerts.pem',
      operation: 'verify',
      expected: NotSupportedError,
      note: 'two signers',
    },
    {
      file: 'draft-ireland-examples-cms/encryptedForBobRSAOaep.pem',
      operation: 'decrypt',
      expected: 'ok',
      note: 'RSA-OAEP SHA-256, AES-128-CBC',
    },
    {
      file: 'draft-ireland-examples-cms/encryptedForBobAndDana.pem',
      operation: 'decrypt',
      expected: 'ok',
      note: 'OAEP for Bob beside X25519 for Dana',
    },
    {
      file: 'draft-ireland-examples-cms/authEnvelopedForBobChaCha20Poly1305.pem',
      operation: 'decrypt',
      expected: NotSupportedError,
      note: 'ChaCha20-Poly1305',
    },
    {
      file: 'draft-ireland-examples-cms/authEnvelopedForDanaX25519HKDF.pem',
      operation: 'decrypt',
      expected: UndecipherableError,
      note: 'addressed to Dana only',
    },
    {
      file: 'draft-ireland-examples-cms/encryptedKekri.pem',
      operation: 'decrypt',
      expected: NotSupportedError,
      note: 'KEKRecipientInfo, AES-256-wrap content',
    },
    {
      file: 'rfc4134/der/4.2.bin',
      operation: 'verify',
      expected: NotSupportedError,
      note: 'SHA-1',
    },
    {
      file: 'rfc4134/der/4.1.bin',
      operation: 'verify',
      expected: NotSupportedError,
      note: 'DSA with SHA-1',
    },
    { file: 'rfc4134/der/4.11.bin', operation: 'type', expected: 'ok', note: 'certs-only' },
    {
      file: 'rfc4134/der/5.1.bin',
      operation: 'decrypt',
      expected: NotSupportedError,
      note: '3DES, RSAES-PKCS1-v1_5',
    },
    { file: 'rfc4134/der/5.2.bin', operation: 'decrypt', expected: NotSupportedError, note: 'RC2' },
    {
      file: 'rfc4134/der/6.0.bin',
      operation: 'type',
      expected: NotSupportedError,
      note: 'DigestedData',
    },
    {
      file: 'rfc4134/der/7.1.bin',
      operation: 'type',
      expected: NotSupportedError,
      note: 'EncryptedData',
    },
    {
      file: 'rfc4134/der/ExContent.bin',
      operation: 'type',
      expected: CmsParseError,
      note: 'plain text, not CMS',
    },
    {
      file: 'sip-mcptt-generated/09-enveloped-to-bob.der',
      operation: 'decrypt',
      expected: NotSupportedError,
      note: 'RSAES-PKCS1-v1_5',
    },
    {
      file: 'sip-mcptt-generated/09-detached-sig-by-alice.der',
      operation: 'verify',
      expected: SignatureInvalidError,
      note: 'content not supplied',
    },
    {
      file: 'sip-mcptt-generated/10-certs-only-bob.der',
      operation: 'type',
      expected: 'ok',
      note: 'certs-only',
    },
  ];

function readExample(file: string): Uint8Array {
  const path = `smime-examples/${file}`;
  if (!file.endsWith('.pem')) return readCorpus(path);
  const [der] = pemDecode(readCorpusText(path), 'CMS');
  if (der === undefined) throw new Error(`no CMS in ${path}`);
  return der;
}

describe.skipIf(!corporaAvailable)('S/MIME example files', () => {
  for (const example of EXAMPLES) {
    it(`${example.file} ${example.operation} (${example.note})`, async () => {
      const der = readExample(example.file);
      const anchor = corpusCertificate(
        'smime-examples/rfc9216/Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem',
      );
      const run = async (): Promise<unknown> => {
        if (example.operation === 'type') return getCmsContentType(der);
        if (example.operation === 'verify') {
          return verifySignedData({
            crypto,
            der,
            trustAnchors: [anchor],
            now: new Date('2030-01-01T00:00:00Z'),
          });
        }
        const keys = await corpusKeys('smime-examples/rfc9216/bob@smime.example.decrypt.key.pem');
        const certificate = corpusCertificate('smime-examples/rfc9216/bob@smime.example.enc.pem');
        return decryptContent({ crypto, der, certificate, privateKey: keys.decryptionKey });
      };
      if (example.expected === 'ok') {
        await expect(run()).resolves.toBeDefined();
      } else {
        await expect(run()).rejects.toBeInstanceOf(example.expected);
        await expect(run()).rejects.toMatchObject({ code: example.expected.code });
      }
      expect(() => inspectCms(der)).not.toThrow(TypeError);
    });
  }

  it('X25519 private keys are not supported', async () => {
    const [der] = pemDecode(
      readCorpusText('smime-examples/rfc9216/dana@smime.example.decrypt.key.pem'),
      'PRIVATE KEY',
    );
    const attempt = importPrivateKey(crypto, der as Uint8Array);
    await expect(attempt).rejects.toBeInstanceOf(NotSupportedError);
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });

  it('inspect raises only library errors', () => {
    for (const example of EXAMPLES) {
      try {
        inspectCms(readExample(example.file));
      } catch (error) {
        expect(error).toBeInstanceOf(McpttError);
      }
    }
  });
});
