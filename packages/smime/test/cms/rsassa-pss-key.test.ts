/**
 * Signers whose certificate carries an id-RSASSA-PSS public key (RFC 4055 §1.2), as
 * `openssl genpkey -algorithm RSA-PSS` makes. Such a key signs with RSA-PSS only, and a key with
 * parameters only with their hash and at least their salt length.
 */
import { describe, expect, it } from 'vitest';

import { bufferSource, utf8Encode } from '../../src/bytes.js';
import { derAlgorithm, derEncode, derOctetString, derSequence } from '../../src/cms/der-writer.js';
import { DER_NULL, encodedBytes, parseBer, readSequence } from '../../src/cms/der.js';
import { encryptContent, signContent, verifySignedData } from '../../src/cms/index.js';
import { OID_RSA_ENCRYPTION } from '../../src/cms/oids.js';
import { NotSupportedError, SignatureInvalidError } from '../../src/errors.js';
import {
  FIXTURE_NOW,
  crypto,
  engines,
  fixtureCertificate,
  fixtureKey,
  fixturePath,
  runOpenssl,
} from './helpers.js';

const content = utf8Encode('Content-Type: text/plain\r\n\r\nhello');
const anchors = [fixtureCertificate('ca')];

/**
 * Signs `content` with openssl as `name`, with an attached content, and returns the DER. Without
 * `rsa_padding_mode:pss`, OpenSSL 3.0 makes a PSS signature but labels it rsaEncryption.
 */
function opensslSign(
  name: string,
  digest: string,
  keyOptions = ['rsa_padding_mode:pss'],
): Uint8Array {
  const run = runOpenssl(
    ['cms', '-sign', '-binary', '-nodetach', '-outform', 'DER', '-md', digest]
      .concat([
        '-signer',
        fixturePath(`${name}.cert.pem`),
        '-inkey',
        fixturePath(`${name}.key.pem`),
      ])
      .concat(keyOptions.flatMap((option) => ['-keyopt', option]))
      .concat(['-in', '$in.txt', '-out', '$out.der']),
    { 'in.txt': content },
  );
  expect(run.stderr).toBe('');
  return new Uint8Array(run.read('out.der'));
}

/**
 * Returns the PKCS#8 key of `name` relabelled as rsaEncryption, which WebCrypto imports for any
 * RSA scheme, so that a test can sign with the key in ways that its certificate forbids.
 */
function rsaEncryptionKey(name: string): Uint8Array {
  const [version, , privateKey] = readSequence(parseBer(fixtureKey(name), 'PKCS#8'), 'PKCS#8');
  if (version === undefined || privateKey === undefined) throw new Error('PKCS#8 is malformed');
  return derEncode(
    derSequence(
      encodedBytes(version),
      derAlgorithm(OID_RSA_ENCRYPTION, DER_NULL),
      derOctetString(privateKey.value),
    ),
  );
}

/** Signs `content` as `name` with the library, with a key imported for `algorithm`. */
async function signWithKey(name: string, algorithm: RsaHashedImportParams): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'pkcs8',
    bufferSource(rsaEncryptionKey(name)),
    algorithm,
    false,
    ['sign'],
  );
  return signContent({
    crypto,
    content,
    privateKey: key,
    certificate: fixtureCertificate(name),
    signingTime: FIXTURE_NOW,
    detached: false,
  });
}

describe('signers with an id-RSASSA-PSS key', () => {
  for (const { label, crypto: engine } of engines) {
    it.each([
      ['dave-pss', 'sha256', 'sip:dave@example.org'],
      ['dave-pss', 'sha512', 'sip:dave@example.org'],
      ['erin-pss', 'sha256', 'sip:erin@example.org'],
    ])(`verifies an openssl signature by %s with %s (${label})`, async (name, digest, uri) => {
      const result = await verifySignedData({
        crypto: engine,
        der: opensslSign(name, digest),
        trustAnchors: anchors,
        now: FIXTURE_NOW,
      });

      expect(result.signatureAlgorithm).toBe('rsassa-pss');
      expect(result.chainTrusted).toBe(true);
      expect(result.signerUris).toEqual([uri]);
      expect(result.content).toEqual(content);
    });
  }

  it('rejects an openssl signature labelled rsaEncryption', async () => {
    const der = opensslSign('dave-pss', 'sha256', []);
    const attempt = verifySignedData({ crypto, der, trustAnchors: anchors, now: FIXTURE_NOW });

    await expect(attempt).rejects.toThrow(SignatureInvalidError);
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID', sipStatus: 403 });
  });

  it.each([
    ['a PKCS#1 v1.5 signature', 'dave-pss', { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }],
    ['a hash that the key forbids', 'erin-pss', { name: 'RSA-PSS', hash: 'SHA-384' }],
  ])('rejects %s (%s)', async (_case, name, algorithm) => {
    const der = await signWithKey(name, algorithm);
    const attempt = verifySignedData({ crypto, der, trustAnchors: anchors, now: FIXTURE_NOW });

    await expect(attempt).rejects.toThrow(SignatureInvalidError);
    await expect(attempt).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
      sipStatus: 403,
      message: 'signature does not verify',
    });
  });

  it('rejects an id-RSASSA-PSS key as a recipient', async () => {
    const attempt = encryptContent({
      crypto,
      content,
      recipients: [fixtureCertificate('dave-pss')],
      algorithm: 'aes-256-gcm',
    });

    await expect(attempt).rejects.toThrow(NotSupportedError);
    await expect(attempt).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
      sipStatus: 415,
      message: 'recipient key is an RSASSA-PSS key, which only signs',
    });
  });
});
