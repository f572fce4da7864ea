import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { utf8Encode } from '../../src/bytes.js';
import { parseCertificate } from '../../src/cms/certificate.js';
import { digestBytes } from '../../src/cms/digest.js';
import { isContext, parseBer } from '../../src/cms/der.js';
import {
  createCertificate,
  createCertsOnly,
  describeCertificate,
  encryptContent,
  getCmsContentType,
  importPrivateKey,
  inspectCms,
  pemDecode,
  pemEncode,
  signContent,
  trustAnchorProblem,
} from '../../src/cms/index.js';
import { CmsParseError, NotSupportedError } from '../../src/errors.js';
import {
  FIXTURE_NOW,
  crypto,
  fixtureCertificate,
  fixtureFile,
  fixtureKey,
  fixtureKeys,
  runOpenssl,
} from './helpers.js';

describe('PEM', () => {
  it('round-trips a certificate', () => {
    const der = fixtureCertificate('alice');
    expect(pemDecode(pemEncode(der, 'CERTIFICATE'), 'CERTIFICATE')).toEqual([der]);
  });

  it('rejects a missing label', () => {
    expect(() => pemDecode('no pem here', 'CERTIFICATE')).toThrow(CmsParseError);
    expect(() => pemDecode('no pem here', 'CERTIFICATE')).toThrow(
      expect.objectContaining({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 }),
    );
  });

  it('reads each block with the label and skips the others', () => {
    const alice = fixtureCertificate('alice');
    const bob = fixtureCertificate('bob');
    const text = [
      'Bag Attributes: not PEM',
      pemEncode(alice, 'CERTIFICATE'),
      pemEncode(new Uint8Array([1, 2, 3]), 'PRIVATE KEY'),
      pemEncode(bob, 'CERTIFICATE'),
    ].join('\n');

    expect(pemDecode(text, 'CERTIFICATE')).toEqual([alice, bob]);
    expect(pemDecode(text, 'PRIVATE KEY')).toEqual([new Uint8Array([1, 2, 3])]);
  });

  it('rejects every truncation before the end line', () => {
    const pem = pemEncode(fixtureCertificate('alice'), 'CERTIFICATE');
    const begin = '-----BEGIN CERTIFICATE-----'.length;
    const end = pem.lastIndexOf('-----END CERTIFICATE-----') + '-----END CERTIFICATE-----'.length;

    for (let length = begin; length < end; length++) {
      expectMalformedPem(pem.slice(0, length), 'PEM block CERTIFICATE is not closed');
    }
  });

  it.each([
    ['an invalid character', (body: string) => `${body.slice(0, 10)}!${body.slice(11)}`],
    ['a removed character', (body: string) => `${body.slice(0, 10)}${body.slice(11)}`],
    ['padding inside the data', (body: string) => `${body.slice(0, 10)}==${body.slice(12)}`],
    ['a second BEGIN line', (body: string) => `${body}-----BEGIN CERTIFICATE-----\n${body}`],
  ])('rejects a block with %s', (_name, change) => {
    const pem = pemEncode(fixtureCertificate('alice'), 'CERTIFICATE');
    const [head, body, tail] = pem.split(/(?<=-----\n)|(?=-----END)/);

    expect(head).toBe('-----BEGIN CERTIFICATE-----\n');
    expect(tail).toBe('-----END CERTIFICATE-----\n');
    expectMalformedPem(
      `${head}${change(body ?? '')}${tail}`,
      /^invalid base64 (character|length)$/,
    );
  });
});

/** Asserts that decoding `text` raises CmsParseError with its code, status and `message`. */
function expectMalformedPem(text: string, message: string | RegExp): void {
  const attempt = (): unknown => pemDecode(text, 'CERTIFICATE');
  expect(attempt, text).toThrow(CmsParseError);
  expect(attempt, text).toThrow(
    expect.objectContaining({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 }),
  );
  expect(attempt, text).toThrow(message);
}

describe('digestBytes', () => {
  it.each([0, 1, 100, 255, 256, 257, 5000])('matches WebCrypto for %i bytes', async (length) => {
    const data = crypto.getRandomValues(new Uint8Array(length));
    for (const hash of ['SHA-256', 'SHA-384']) {
      const expected = new Uint8Array(await crypto.subtle.digest(hash, data));
      expect(await digestBytes(crypto, hash, data)).toEqual(expected);
    }
  });
});

describe('parseCertificate', () => {
  it('parses an array again after its bytes were changed', () => {
    const der = fixtureCertificate('alice').slice();
    const first = parseCertificate(der);
    expect(parseCertificate(der)).toBe(first);

    // The last byte belongs to the signature value, so the certificate still parses.
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0xff;
    const second = parseCertificate(der);
    expect(second).not.toBe(first);
    expect(second.der).toEqual(der);
    expect(first.der).not.toEqual(der);
  });
});

describe('importPrivateKey', () => {
  it('imports P-256 as ECDSA and ECDH, non-extractable', async () => {
    const keys = await importPrivateKey(crypto, fixtureKey('alice'));
    expect(keys.signingKey.algorithm.name).toBe('ECDSA');
    expect(keys.decryptionKey.algorithm.name).toBe('ECDH');
    expect(keys.signingKey.extractable).toBe(false);
    expect(keys.decryptionKey.extractable).toBe(false);
  });

  it('imports RSA as RSA-PSS and RSA-OAEP', async () => {
    const keys = await importPrivateKey(crypto, fixtureKey('carol-rsa'));
    expect(keys.signingKey.algorithm.name).toBe('RSA-PSS');
    expect(keys.decryptionKey.algorithm.name).toBe('RSA-OAEP');
  });

  it('imports RSA for PKCS#1 v1.5 signatures on request', async () => {
    const keys = await importPrivateKey(crypto, fixtureKey('carol-rsa'), {
      rsaSignature: 'pkcs1',
      extractable: true,
    });
    expect(keys.signingKey.algorithm.name).toBe('RSASSA-PKCS1-v1_5');
    expect(keys.signingKey.extractable).toBe(true);
  });

  it('rejects an Ed25519 key', async () => {
    const ed25519 = runOpenssl([
      'genpkey',
      '-algorithm',
      'ED25519',
      '-outform',
      'DER',
      '-out',
      '$out.der',
    ]);
    const attempt = importPrivateKey(crypto, new Uint8Array(ed25519.read('out.der')));
    await expect(attempt).rejects.toBeInstanceOf(NotSupportedError);
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });

  it('rejects garbage', async () => {
    const attempt = importPrivateKey(crypto, Uint8Array.of(1, 2, 3));
    await expect(attempt).rejects.toBeInstanceOf(CmsParseError);
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 });
  });
});

describe('describeCertificate', () => {
  it('describes alice', () => {
    const description = describeCertificate(fixtureCertificate('alice'));
    expect(description.subject).toBe('O=mcptt-smime tests, CN=alice');
    expect(description.issuer).toBe('O=mcptt-smime tests, CN=Test CA');
    expect(description.serialNumber).toBe('1001');
    expect(description.uris).toEqual(['sip:alice@example.org']);
    expect(description.keyAlgorithm).toBe('ec P-256');
    expect(describeCertificate(fixtureCertificate('carol-rsa')).keyAlgorithm).toBe('rsa 2048');
  });

  it('hands out nothing that changes the certificate seen by later checks', () => {
    const der = fixtureCertificate('alice');
    const first = describeCertificate(der);
    const notAfter = first.notAfter.getTime();
    first.notAfter.setUTCFullYear(2999);
    first.notBefore.setUTCFullYear(1970);
    expect(() => (first.uris as string[]).push('sip:mallory@example.org')).toThrow(TypeError);

    const again = describeCertificate(der);
    expect(again.notAfter.getTime()).toBe(notAfter);
    expect(parseCertificate(der).notAfter.getTime()).toBe(notAfter);
    expect(again.uris).toEqual(['sip:alice@example.org']);
  });
});

describe('certificate names', () => {
  it('writes one attribute per RDN in createCertificate', async () => {
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ]);
    const der = await createCertificate({
      crypto,
      subject: 'alice',
      organization: 'Example',
      issuerKey: keys.privateKey,
      publicKey: keys.publicKey,
      serial: 1,
      notBefore: FIXTURE_NOW,
      notAfter: new Date(FIXTURE_NOW.getTime() + 86_400_000),
    });
    const printed = runOpenssl(
      ['x509', '-inform', 'DER', '-in', '$in.der', '-noout', '-subject', '-issuer'],
      { 'in.der': der },
    );

    expect(printed.stdout.toString()).toBe(
      'subject=O = Example, CN = alice\nissuer=O = Example, CN = alice\n',
    );
    expect(describeCertificate(der).subject).toBe('O=Example, CN=alice');
  });

  it('joins the attributes of a multi-valued RDN with +', () => {
    const generated = runOpenssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      '$key.pem',
      '-subj',
      '/O=Example+CN=alice',
      '-multivalue-rdn',
      '-days',
      '1',
      '-outform',
      'DER',
      '-out',
      '$out.der',
    ]);
    expect(generated.status, generated.stderr).toBe(0);
    const der = new Uint8Array(generated.read('out.der'));

    // DER sorts the attributes of the SET, so CN (2.5.4.3) comes before O (2.5.4.10).
    expect(describeCertificate(der).subject).toBe('CN=alice + O=Example');
    expect(describeCertificate(der).issuer).toBe('CN=alice + O=Example');
  });
});

describe('content types and inspection', () => {
  it('reads certs-only', () => {
    const der = createCertsOnly([fixtureCertificate('bob')]);
    expect(getCmsContentType(der)).toBe('certs-only');
    expect(inspectCms(der).certificates?.[0]?.uris).toEqual(['sip:bob@example.org']);
    const parsed = runOpenssl(
      ['pkcs7', '-print_certs', '-noout', '-inform', 'DER', '-in', '$in.der'],
      { 'in.der': der },
    );
    expect(parsed.status, parsed.stderr).toBe(0);
    expect(parsed.stdout.toString()).toContain('CN = bob');
  });

  it('inspects an envelope', async () => {
    const { der } = await encryptContent({
      crypto,
      content: utf8Encode('x'),
      recipients: [fixtureCertificate('bob'), fixtureCertificate('carol-rsa')],
      algorithm: 'aes-256-gcm',
    });
    expect(getCmsContentType(der)).toBe('authEnveloped-data');
    const summary = inspectCms(der);
    expect(summary.contentEncryption).toBe('aes-256-gcm');
    // DER sorts the SET OF RecipientInfo, so the order is not the order of the recipients.
    expect(
      summary.recipients
        ?.map((recipient) => `${recipient.type} ${recipient.keyManagement} ${recipient.id}`)
        .sort(),
    ).toEqual([
      'kari ecdh-es-sha256-aes256-wrap serial 1002',
      'ktri rsaes-oaep-sha256 serial 1003',
    ]);
  });

  it('inspects a signature', async () => {
    const alice = await fixtureKeys('alice');
    const der = await signContent({
      crypto,
      content: utf8Encode('hello'),
      privateKey: alice.signingKey,
      certificate: fixtureCertificate('alice'),
      signingTime: FIXTURE_NOW,
      detached: false,
    });
    const summary = inspectCms(der);
    expect(summary.contentType).toBe('signedData');
    expect(summary.encapsulatedContentSize).toBe(5);
    expect(summary.signers).toEqual([
      {
        id: 'serial 1001',
        digestAlgorithm: 'sha-256',
        signatureAlgorithm: 'ecdsa-with-SHA256',
        signingTime: FIXTURE_NOW.toISOString(),
      },
    ]);
  });

  it('rejects trailing bytes', () => {
    const der = createCertsOnly([fixtureCertificate('bob')]);
    const padded = new Uint8Array([...der, 0]);
    expect(() => getCmsContentType(padded)).toThrow(CmsParseError);
    expect(() => getCmsContentType(padded)).toThrow(
      expect.objectContaining({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 }),
    );
  });
});

describe('SignedData certificates', () => {
  /** Returns the encodings in the certificates field of a SignedData ContentInfo. */
  const certificatesOf = (der: Uint8Array): Uint8Array[] => {
    const [, wrapper] = parseBer(der, 'ContentInfo').children;
    const fields = wrapper?.children[0]?.children ?? [];
    const set = fields.find((field) => isContext(field, 0));
    return (set?.children ?? []).map((certificate) => certificate.encoded);
  };
  const ascending = (encodings: Uint8Array[]) =>
    encodings.every((encoding, index) => {
      const next = encodings[index + 1];
      return next === undefined || Buffer.compare(encoding, next) <= 0;
    });

  it('writes the certificate set in DER order', async () => {
    const alice = await fixtureKeys('alice');
    const chains = [
      [fixtureCertificate('ca'), fixtureCertificate('bob')],
      [fixtureCertificate('bob'), fixtureCertificate('ca')],
    ];
    for (const chain of chains) {
      const der = await signContent({
        crypto,
        content: utf8Encode('hello'),
        privateKey: alice.signingKey,
        certificate: fixtureCertificate('alice'),
        chain,
        signingTime: FIXTURE_NOW,
        detached: true,
      });
      const certificates = certificatesOf(der);
      expect(certificates).toHaveLength(3);
      expect(ascending(certificates)).toBe(true);
    }
    const certsOnly = certificatesOf(
      createCertsOnly([fixtureCertificate('bob'), fixtureCertificate('alice')]),
    );
    expect(certsOnly).toHaveLength(2);
    expect(ascending(certsOnly)).toBe(true);
  });
});

describe('createCertificate', () => {
  it('issues a SIP end entity that openssl verifies', async () => {
    const ca = await importPrivateKey(crypto, fixtureKey('ca'));
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ]);
    const der = await createCertificate({
      crypto,
      subject: 'frank',
      issuer: fixtureCertificate('ca'),
      issuerKey: ca.signingKey,
      publicKey: pair.publicKey,
      serial: 4242,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      uris: ['sip:frank@example.org'],
    });
    expect(describeCertificate(der).uris).toEqual(['sip:frank@example.org']);
    const result = runOpenssl(['verify', '-CAfile', '$ca.pem', '$cert.pem'], {
      'ca.pem': fixtureFile('ca.cert.pem'),
      'cert.pem': pemEncode(der, 'CERTIFICATE'),
    });
    expect(result.status, result.stderr).toBe(0);
    const text = runOpenssl(
      ['x509', '-noout', '-ext', 'keyUsage,basicConstraints', '-in', '$cert.pem'],
      { 'cert.pem': pemEncode(der, 'CERTIFICATE') },
    );
    expect(text.stdout.toString()).toContain('Digital Signature, Key Agreement');
    expect(text.stdout.toString()).toContain('CA:FALSE');
  });
});

describe('trustAnchorProblem', () => {
  it('accepts a CA certificate', () => {
    expect(trustAnchorProblem(fixtureCertificate('ca'))).toBeUndefined();
  });

  it('rejects an end-entity certificate', () => {
    expect(trustAnchorProblem(fixtureCertificate('alice'))).toBe(
      'basicConstraints does not mark it as a CA',
    );
  });

  it('rejects a CA whose keyUsage lacks keyCertSign', () => {
    const folder = mkdtempSync(join(tmpdir(), 'anchor-'));
    try {
      const cert = join(folder, 'ca.pem');
      execFileSync('openssl', [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
        ...['-keyout', join(folder, 'ca.key'), '-out', cert, '-subj', '/CN=Signing only'],
        ...['-addext', 'basicConstraints=critical,CA:TRUE'],
        ...['-addext', 'keyUsage=critical,digitalSignature'],
      ]);
      const [der] = pemDecode(readFileSync(cert, 'utf8'), 'CERTIFICATE');

      expect(trustAnchorProblem(der ?? new Uint8Array())).toBe('its keyUsage lacks keyCertSign');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('raises CmsParseError for a malformed certificate', () => {
    expect(() => trustAnchorProblem(new Uint8Array([0x30, 0x00]))).toThrow(CmsParseError);
  });
});
