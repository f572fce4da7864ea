/**
 * A signed copy of To binds a request to its receiver, so that a recipient cannot decrypt a
 * request, encrypt it again for someone else and pass it on in the sender's name.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { HeaderMismatchError, IdentityMismatchError } from '../../src/errors.js';
import type { SipMessage } from '../../src/sip/message.js';
import { protectMessage } from '../../src/smime/protect.js';
import { BOUND_HEADERS } from '../../src/smime/replay-guard.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { rejection } from '../mime/expect-error.js';
import { mcpttInfoMessage } from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

const SERVER = 'sip:mcptt-server@example.org';
const BOB = 'sip:bob@example.org';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

/**
 * Returns alice's MESSAGE to the server, signed with copies of `bindHeaders`, as a recipient
 * that decrypted it would pass it on to bob: encrypted again for bob.
 */
async function passedOnToBob(message: SipMessage, bindHeaders = BOUND_HEADERS) {
  return protectMessage(message, {
    crypto: testCrypto,
    signer: await pki.identity('alice'),
    recipients: [pki.certificate('bob')],
    now: () => pki.now,
    bindHeaders,
  });
}

/** Opens `message` as bob, with `recipientUri` unless it is null. */
async function openAsBob(message: SipMessage, recipientUri: string | null = BOB) {
  return unprotectMessage(message, {
    crypto: testCrypto,
    identity: await pki.identity('bob'),
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
    ...(recipientUri === null ? {} : { recipientUri }),
  });
}

describe('recipientUri', () => {
  it('rejects a request whose signed To names another user', async () => {
    const error = await rejection(openAsBob(await passedOnToBob(mcpttInfoMessage())));

    expect(error).toBeInstanceOf(IdentityMismatchError);
    expect(error).toMatchObject({ code: 'ERR_IDENTITY_MISMATCH', sipStatus: 403 });
    expect(error.message).toBe('request is addressed to another user in its signed To');
  });

  it('rejects a To changed to the receiver', async () => {
    const sent = await passedOnToBob(mcpttInfoMessage());
    const readdressed = sent.withHeader('To', `<${BOB}>`);

    const error = await rejection(openAsBob(readdressed));

    expect(error).toBeInstanceOf(HeaderMismatchError);
    expect(error).toMatchObject({ code: 'ERR_HEADER_MISMATCH', sipStatus: 403 });
  });

  it('passes a request addressed to the receiver', async () => {
    const sent = await passedOnToBob(mcpttInfoMessage().withHeader('To', `<${BOB}>`));

    const opened = await openAsBob(sent);

    expect(opened.security.signerUri).toBe('sip:alice@example.org');
    expect(opened.security.protectedHeaders.map((header) => header.name)).toContain('To');
  });

  it('compares addresses-of-record, not spellings', async () => {
    const to = '"Bob" <sip:bob@EXAMPLE.org;transport=ws>;tag=b1';
    const sent = await passedOnToBob(mcpttInfoMessage().withHeader('To', to));

    await expect(openAsBob(sent)).resolves.toBeDefined();
  });

  it('passes a request whose signature binds no To', async () => {
    const sent = await passedOnToBob(mcpttInfoMessage(), ['Call-ID', 'CSeq']);

    const opened = await openAsBob(sent);

    expect(opened.security.protectedHeaders.map((header) => header.name)).toEqual([
      'Call-ID',
      'CSeq',
    ]);
  });

  it('checks nothing without a recipientUri', async () => {
    const opened = await openAsBob(await passedOnToBob(mcpttInfoMessage()), null);

    expect(opened.security.protectedHeaders).toContainEqual({ name: 'To', value: `<${SERVER}>` });
  });

  it.each(['bob@example.org', 'mailto:bob@example.org', ''])(
    'raises TypeError for the recipientUri %j',
    async (recipientUri) => {
      const sent = await passedOnToBob(mcpttInfoMessage().withHeader('To', `<${BOB}>`));

      await expect(openAsBob(sent, recipientUri)).rejects.toThrow(
        'unprotectMessage: options.recipientUri must be a sip: or sips: URI',
      );
    },
  );
});
