import { beforeAll, describe, expect, it } from 'vitest';

import { TAG, isUniversal, parseBer } from '../../src/cms/der.js';
import { DowngradeError, UndecipherableError } from '../../src/errors.js';
import { encryptContent } from '../../src/cms/index.js';
import type { ContentEncryptionAlgorithm } from '../../src/cms/index.js';
import { MimeEntity } from '../../src/mime/entity.js';
import type { SipMessage } from '../../src/sip/message.js';
import { protectMessage } from '../../src/smime/protect.js';
import { messageBodyEntity } from '../../src/smime/sip-body.js';
import { createMultipartMixed, createPkcs7MimeEntity } from '../../src/smime/smime-entities.js';
import { withEntityBody } from '../../src/smime/sip-body.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { mcpttInfoMessage } from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
let cbcMessage: SipMessage;

beforeAll(async () => {
  pki = await getTestPki();
  cbcMessage = await protectFor('aes-256-cbc');
});

async function protectFor(contentEncryption: ContentEncryptionAlgorithm): Promise<SipMessage> {
  return protectMessage(mcpttInfoMessage(), {
    crypto: testCrypto,
    signer: await pki.identity('alice'),
    recipients: [pki.certificate('server')],
    contentEncryption,
    now: () => pki.now,
  });
}

/** Encrypts the mcptt-info body for the server without signing it. */
async function encryptOnly(algorithm: ContentEncryptionAlgorithm): Promise<SipMessage> {
  const message = mcpttInfoMessage();
  const envelope = await encryptContent({
    crypto: testCrypto,
    content: messageBodyEntity(message)!.toBytes(),
    recipients: [pki.certificate('server')],
    algorithm,
  });
  return withEntityBody(message, createPkcs7MimeEntity(envelope.der, envelope.smimeType));
}

/** Returns the DER of the EnvelopedData and the offset and length of its encryptedContent. */
function ciphertextRange(message: SipMessage): { der: Uint8Array; start: number; length: number } {
  const der = messageBodyEntity(message)!.decodedBody();
  // ContentInfo > [0] EnvelopedData > EncryptedContentInfo > [0] encryptedContent
  const envelope = parseBer(der, 'test').children[1]!.children[0]!;
  // EncryptedContentInfo is the only SEQUENCE among the fields of EnvelopedData.
  const info = envelope.children.find((child) => isUniversal(child, TAG.sequence))!;
  const ciphertext = info.children[2]!;
  return {
    der,
    start: ciphertext.value.byteOffset - der.byteOffset,
    length: ciphertext.valueLength,
  };
}

function withDer(message: SipMessage, der: Uint8Array): SipMessage {
  return withEntityBody(message, createPkcs7MimeEntity(der, 'enveloped-data'));
}

async function unprotectError(message: SipMessage): Promise<unknown> {
  try {
    await unprotectMessage(message, {
      crypto: testCrypto,
      identity: await pki.identity('server'),
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    });
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectUndecipherable(error: unknown, label: string): void {
  expect(error, label).toBeInstanceOf(UndecipherableError);
  const undecipherable = error as UndecipherableError;
  expect(undecipherable.code, label).toBe('ERR_UNDECIPHERABLE');
  expect(undecipherable.sipStatus, label).toBe(493);
  expect(undecipherable.message, label).toBe(UndecipherableError.genericMessage);
}

describe('CBC envelope tampering', () => {
  it('gives one error for every flipped byte', async () => {
    const { der, start, length } = ciphertextRange(cbcMessage);
    // The last two blocks decide the padding; a sample of the others breaks the content.
    const offsets = new Set<number>();
    for (let index = length - 32; index < length; index += 1) offsets.add(index);
    for (let index = 0; index < length - 32; index += 23) offsets.add(index);

    for (const offset of offsets) {
      for (const mask of [0x01, 0x5a]) {
        const tampered = der.slice();
        tampered[start + offset]! ^= mask;
        const error = await unprotectError(withDer(cbcMessage, tampered));

        expectUndecipherable(error, `offset ${offset} mask ${mask}`);
      }
    }
  });

  it('keeps the real failure as cause', async () => {
    const { der, start, length } = ciphertextRange(cbcMessage);
    const tampered = der.slice();
    // A byte far from the last two blocks leaves the padding valid.
    tampered[start + Math.floor(length / 2)]! ^= 0x01;
    const error = await unprotectError(withDer(cbcMessage, tampered));

    expectUndecipherable(error, 'middle block');
    expect((error as UndecipherableError).cause).toBeDefined();
    expect((error as UndecipherableError).certsOnly).toBeInstanceOf(Uint8Array);
  });

  it('hides a failing part after the envelope', async () => {
    const envelope = messageBodyEntity(cbcMessage)!;
    const stray = new MimeEntity(
      [{ name: 'Content-Type', value: 'application/pkcs7-signature' }],
      new Uint8Array(4),
    );
    const mixed = createMultipartMixed([envelope, stray], testCrypto);
    const error = await unprotectError(withEntityBody(cbcMessage, mixed));

    expectUndecipherable(error, 'stray signature part');
  });

  it('hides a downgrade inside a CBC envelope', async () => {
    const error = await unprotectError(await encryptOnly('aes-128-cbc'));

    expectUndecipherable(error, 'unsigned CBC content');
    expect((error as UndecipherableError).cause).toBeInstanceOf(DowngradeError);
  });

  it('reports a downgrade inside a GCM envelope', async () => {
    const error = await unprotectError(await encryptOnly('aes-128-gcm'));

    expect(error).toBeInstanceOf(DowngradeError);
    expect((error as DowngradeError).code).toBe('ERR_DOWNGRADE');
    expect((error as DowngradeError).sipStatus).toBe(403);
  });
});
