import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { concatBytes, indexOfBytes, utf8Encode } from '../../src/bytes.js';
import {
  decryptContent,
  encryptContent,
  signContent,
  verifySignedData,
} from '../../src/cms/index.js';
import { expectContent } from '../../src/cms/content-info.js';
import { readEnvelope } from '../../src/cms/envelope.js';
import { OID_AUTH_ENVELOPED_DATA } from '../../src/cms/oids.js';
import {
  CertificateUntrustedError,
  CmsParseError,
  McpttError,
  SignatureInvalidError,
  UndecipherableError,
} from '../../src/errors.js';
import { FIXTURE_NOW, crypto, fixtureCertificate, fixtureKeys } from './helpers.js';

const content = utf8Encode(
  '<mcpttinfo><mcptt-Params><session-type>private</session-type></mcptt-Params></mcpttinfo>',
);
const anchors = [fixtureCertificate('ca')];

type ErrorClass =
  | typeof CmsParseError
  | typeof SignatureInvalidError
  | typeof CertificateUntrustedError
  | typeof UndecipherableError;

function flipAt(der: Uint8Array, index: number): Uint8Array {
  const copy = der.slice();
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

async function expectError(
  attempt: Promise<unknown>,
  type: ErrorClass,
  sipStatus: number,
): Promise<void> {
  await expect(attempt).rejects.toBeInstanceOf(type);
  await expect(attempt).rejects.toMatchObject({ code: type.code, sipStatus });
}

let signed: Uint8Array;
let bobKeys: Awaited<ReturnType<typeof fixtureKeys>>;
let gcmEnvelope: Uint8Array;

beforeAll(async () => {
  const alice = await fixtureKeys('alice');
  bobKeys = await fixtureKeys('bob');
  signed = await signContent({
    crypto,
    content,
    privateKey: alice.signingKey,
    certificate: fixtureCertificate('alice'),
    signingTime: FIXTURE_NOW,
    detached: false,
  });
  gcmEnvelope = (
    await encryptContent({
      crypto,
      content,
      recipients: [fixtureCertificate('bob')],
      algorithm: 'aes-128-gcm',
    })
  ).der;
});

function verify(der: Uint8Array): ReturnType<typeof verifySignedData> {
  return verifySignedData({ crypto, der, trustAnchors: anchors, now: FIXTURE_NOW });
}

function decryptForBob(der: Uint8Array): ReturnType<typeof decryptContent> {
  return decryptContent({
    crypto,
    der,
    certificate: fixtureCertificate('bob'),
    privateKey: bobKeys.decryptionKey,
  });
}

describe('tampered SignedData', () => {
  it('signature byte flipped', async () => {
    await expectError(verify(flipAt(signed, signed.length - 1)), SignatureInvalidError, 403);
  });

  it('signed attribute byte flipped', async () => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', content.slice()));
    const index = indexOfBytes(signed, digest);
    expect(index).toBeGreaterThan(0);
    await expectError(verify(flipAt(signed, index + 5)), SignatureInvalidError, 403);
  });

  it('content byte flipped', async () => {
    const index = indexOfBytes(signed, content);
    await expectError(verify(flipAt(signed, index + 3)), SignatureInvalidError, 403);
  });

  it('certificate signature byte flipped', async () => {
    const certificate = fixtureCertificate('alice');
    const index = indexOfBytes(signed, certificate);
    await expectError(
      verify(flipAt(signed, index + certificate.length - 2)),
      CertificateUntrustedError,
      403,
    );
  });

  it('truncated', async () => {
    await expectError(verify(signed.subarray(0, signed.length - 10)), CmsParseError, 400);
  });

  it('trailing bytes appended', async () => {
    await expectError(verify(concatBytes(signed, Uint8Array.of(0, 0))), CmsParseError, 400);
  });

  it('envelope given as SignedData', async () => {
    await expectError(verify(gcmEnvelope), CmsParseError, 400);
  });
});

describe('tampered AuthEnvelopedData', () => {
  it('ciphertext byte flipped', async () => {
    const envelope = readEnvelope(expectContent(gcmEnvelope, OID_AUTH_ENVELOPED_DATA), true);
    const index = indexOfBytes(gcmEnvelope, envelope.encryptedContent as Uint8Array);
    await expectError(decryptForBob(flipAt(gcmEnvelope, index + 1)), UndecipherableError, 493);
  });

  it('tag byte flipped', async () => {
    await expectError(
      decryptForBob(flipAt(gcmEnvelope, gcmEnvelope.length - 1)),
      UndecipherableError,
      493,
    );
  });

  it('encrypted key byte flipped', async () => {
    const envelope = readEnvelope(expectContent(gcmEnvelope, OID_AUTH_ENVELOPED_DATA), true);
    const recipient = envelope.recipients[0];
    if (recipient?.type !== 'kari') throw new Error('expected a KeyAgreeRecipientInfo');
    const wrapped = recipient.recipientEncryptedKeys[0]?.encryptedKey as Uint8Array;
    await expectError(
      decryptForBob(flipAt(gcmEnvelope, indexOfBytes(gcmEnvelope, wrapped) + 4)),
      UndecipherableError,
      493,
    );
  });

  it('truncated', async () => {
    await expectError(decryptForBob(gcmEnvelope.subarray(0, 40)), CmsParseError, 400);
  });

  it('trailing bytes appended', async () => {
    await expectError(
      decryptForBob(concatBytes(gcmEnvelope, Uint8Array.of(0x05, 0x00))),
      CmsParseError,
      400,
    );
  });

  it('message for another recipient', async () => {
    const alice = await fixtureKeys('alice');
    const attempt = decryptContent({
      crypto,
      der: gcmEnvelope,
      certificate: fixtureCertificate('alice'),
      privateKey: alice.decryptionKey,
    });
    await expectError(attempt, UndecipherableError, 493);
  });

  it('wrong private key for the certificate', async () => {
    const alice = await fixtureKeys('alice');
    const attempt = decryptContent({
      crypto,
      der: gcmEnvelope,
      certificate: fixtureCertificate('bob'),
      privateKey: alice.decryptionKey,
    });
    await expectError(attempt, UndecipherableError, 493);
    await expect(attempt).rejects.toThrow(UndecipherableError.genericMessage);
  });

  it('CBC envelope with the wrong key', async () => {
    const { der } = await encryptContent({
      crypto,
      content,
      recipients: [fixtureCertificate('carol-rsa')],
      algorithm: 'aes-256-cbc',
    });
    const carol = await fixtureKeys('carol-rsa');
    const other = await crypto.subtle.generateKey(
      {
        name: 'RSA-OAEP',
        modulusLength: 2048,
        publicExponent: Uint8Array.of(1, 0, 1),
        hash: 'SHA-256',
      },
      false,
      ['encrypt', 'decrypt'],
    );
    expect(carol.decryptionKey.algorithm.name).toBe('RSA-OAEP');
    await expectError(
      decryptContent({
        crypto,
        der,
        certificate: fixtureCertificate('carol-rsa'),
        privateKey: other.privateKey,
      }),
      UndecipherableError,
      493,
    );
  });
});

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    position: fc.nat(),
    mask: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), position: fc.nat(), mask: fc.constant(0) }),
  fc.record({
    kind: fc.constant('insert' as const),
    position: fc.nat(),
    mask: fc.integer({ min: 0, max: 255 }),
  }),
);

function mutate(
  der: Uint8Array,
  change: { kind: 'flip' | 'truncate' | 'insert'; position: number; mask: number },
): Uint8Array {
  const position = change.position % der.length;
  if (change.kind === 'truncate') return der.subarray(0, position);
  if (change.kind === 'insert') {
    return concatBytes(
      der.subarray(0, position),
      Uint8Array.of(change.mask),
      der.subarray(position),
    );
  }
  const copy = der.slice();
  copy[position] = (copy[position] ?? 0) ^ change.mask;
  return copy;
}

describe('random mutations', () => {
  it('never verify to other content and raise only library errors', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (change) => {
        try {
          const result = await verify(mutate(signed, change));
          expect(result.content).toEqual(content);
        } catch (error) {
          expect(error).toBeInstanceOf(McpttError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never decrypt to other content and raise only library errors', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (change) => {
        try {
          const result = await decryptForBob(mutate(gcmEnvelope, change));
          expect(result.content).toEqual(content);
        } catch (error) {
          expect(error).toBeInstanceOf(McpttError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
