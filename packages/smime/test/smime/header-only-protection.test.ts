/**
 * `protectHeaders` on a message with no sensitive part: the header fragment is then the only
 * protected content, signed and encrypted like any sensitive part, and the SDP stays in clear.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Decode } from '../../src/bytes.js';
import { HeaderMismatchError } from '../../src/errors.js';
import { parseMultipart } from '../../src/mime/multipart.js';
import type { SipMessage } from '../../src/sip/message.js';
import type { ProtectOptions } from '../../src/smime/protect.js';
import { HEADER_FRAGMENT_TYPE } from '../../src/smime/protected-headers.js';
import { messageBodyEntity } from '../../src/smime/sip-body.js';
import { rejection } from '../mime/expect-error.js';
import { SDP, mcpttInfoMessage, request } from './messages.js';
import { protectAsAlice, unprotectAtServer } from './alice-to-server.js';
import { getTestPki } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

const protect = (message: SipMessage, extra: Partial<ProtectOptions> = {}) =>
  protectAsAlice(pki, message, extra);
const unprotect = (message: SipMessage) => unprotectAtServer(pki, message);

/** An INVITE whose only body is SDP, which the default policy never protects. */
const sdpInvite = (): SipMessage =>
  request('INVITE', SDP, 'application/sdp').withHeader('Answer-Mode', 'Auto');

describe('protectHeaders without a sensitive part', () => {
  it('signs and encrypts the fragment after the SDP in clear', async () => {
    const sent = await protect(sdpInvite(), { protectHeaders: ['Answer-Mode'] });

    const body = messageBodyEntity(sent);
    expect(body?.contentType.mediaType).toBe('multipart/mixed');
    const parts = parseMultipart(
      body?.body ?? new Uint8Array(),
      body?.contentType.params.get('boundary') ?? '',
    );
    expect(parts.map((part) => part.contentType.mediaType)).toEqual([
      'application/sdp',
      'application/pkcs7-mime',
    ]);
    expect(utf8Decode(parts[0]?.body ?? new Uint8Array())).toBe(SDP);
    expect(parts[1]?.contentType.params.get('smime-type')).toBe('authEnveloped-data');
    // The copy travels inside the envelope only.
    expect(utf8Decode(sent.body)).not.toContain(HEADER_FRAGMENT_TYPE);
  });

  it('gives the receiver the SDP and the signed fields', async () => {
    const { message, parts, security } = await unprotect(
      await protect(sdpInvite(), { protectHeaders: ['Answer-Mode'] }),
    );

    expect(parts.map((part) => part.contentType.mediaType)).toEqual(['application/sdp']);
    expect(message.getHeader('Content-Type')).toBe('application/sdp');
    expect(utf8Decode(message.body)).toBe(SDP);
    expect(security).toMatchObject({ protected: true, signed: true, encrypted: true });
    expect(security.signerUri).toBe('sip:alice@example.org');
    expect(security.protectedHeaders).toEqual([{ name: 'Answer-Mode', value: 'Auto' }]);
  });

  it.each([
    ['changed', (message: SipMessage) => message.withHeader('Answer-Mode', 'Manual')],
    ['removed', (message: SipMessage) => message.withoutHeader('Answer-Mode')],
  ])('rejects the field %s on the path with 403', async (_name, change) => {
    const sent = await protect(sdpInvite(), { protectHeaders: ['Answer-Mode'] });
    const error = await rejection(unprotect(change(sent)));

    expect(error).toBeInstanceOf(HeaderMismatchError);
    expect(error).toMatchObject({ code: 'ERR_HEADER_MISMATCH', sipStatus: 403 });
  });

  it('makes the envelope the whole body of a message without body', async () => {
    const bare = mcpttInfoMessage().withoutBody().withHeader('Answer-Mode', 'Auto');
    const sent = await protect(bare, { protectHeaders: ['Answer-Mode'] });

    expect(messageBodyEntity(sent)?.contentType.mediaType).toBe('application/pkcs7-mime');
    const { message, parts, security } = await unprotect(sent);
    expect(parts).toEqual([]);
    expect(message.body).toHaveLength(0);
    expect(message.getHeader('Content-Type')).toBeUndefined();
    expect(security.protectedHeaders).toEqual([{ name: 'Answer-Mode', value: 'Auto' }]);
  });

  it('leaves the message unchanged when it has none of the named fields', async () => {
    const plain = request('INVITE', SDP, 'application/sdp');
    expect(await protect(plain, { protectHeaders: ['Answer-Mode', 'Priority'] })).toBe(plain);
    const empty = mcpttInfoMessage().withoutBody();
    expect(await protect(empty, { protectHeaders: ['Answer-Mode'] })).toBe(empty);
  });
});

describe('bindHeaders', () => {
  it('leaves a message with nothing else to protect unchanged', async () => {
    const plain = request('INVITE', SDP, 'application/sdp');
    expect(await protect(plain, { bindHeaders: ['Call-ID', 'CSeq'] })).toBe(plain);
  });

  it('copies the fields beside sensitive parts', async () => {
    const sent = await protect(mcpttInfoMessage(), { bindHeaders: ['Call-ID', 'CSeq'] });
    const { security } = await unprotect(sent);
    expect(security.protectedHeaders.map((header) => header.name)).toEqual(['Call-ID', 'CSeq']);
  });

  it('copies the fields beside a protected header', async () => {
    const sent = await protect(sdpInvite(), {
      protectHeaders: ['Answer-Mode'],
      bindHeaders: ['Call-ID'],
    });
    const { security } = await unprotect(sent);
    expect(security.protectedHeaders.map((header) => header.name)).toEqual([
      'Answer-Mode',
      'Call-ID',
    ]);
  });

  it('rejects names that are not strings', async () => {
    const wrong = { bindHeaders: [1] } as unknown as Partial<ProtectOptions>;
    await expect(protect(mcpttInfoMessage(), wrong)).rejects.toThrow(
      new TypeError('protectMessage: options.bindHeaders must be an array of names'),
    );
  });
});
