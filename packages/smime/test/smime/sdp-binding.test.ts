import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Decode, utf8Encode } from '../../src/bytes.js';
import { DowngradeError, HeaderMismatchError, MimeParseError } from '../../src/errors.js';
import { SipMessage } from '../../src/sip/message.js';
import { sdpFingerprints } from '../../src/smime/sdp-binding.js';
import { createPkcs7MimeEntity } from '../../src/smime/smime-entities.js';
import { encryptContent } from '../../src/cms/index.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { rejection } from '../mime/expect-error.js';
import { protectAsAlice, unprotectAtServer } from './alice-to-server.js';
import { bodyParts, inviteWithSdp, mcpttInfo, request } from './messages.js';
import { opensslProtect, wrapInMessage } from './openssl-peer.js';
import { getTestPki, testCrypto, type CredentialFiles, type TestPki } from './test-pki.js';

const FINGERPRINT =
  'sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3C:2D:68:A9:D4:D4:97:34:24:A5:A0:F2';
const OTHER_FINGERPRINT = FINGERPRINT.replace('4A:AD', '11:22');

/** A WebRTC offer with one DTLS fingerprint at session level. */
const OFFER = [
  'v=0',
  'o=- 1 1 IN IP4 192.0.2.1',
  's=-',
  't=0 0',
  `a=fingerprint:${FINGERPRINT}`,
  'a=group:BUNDLE 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 192.0.2.1',
  'a=setup:actpass',
  'a=mid:0',
  '',
].join('\r\n');

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

/** Builds an INVITE from alice with `sdp` first and mcptt-info, or the SDP alone. */
function invite(sdp: string, withInfo = true): SipMessage {
  return withInfo ? inviteWithSdp(sdp) : request('INVITE', sdp, 'application/sdp');
}

/** Changes the message text as a SIP core could, and sets Content-Length to the new body. */
function rewrite(message: SipMessage, change: (text: string) => string): SipMessage {
  const text = change(utf8Decode(message.toBytes()));
  const split = text.indexOf('\r\n\r\n') + 4;
  const length = utf8Encode(text.slice(split)).length;
  const fixed = text.slice(0, split).replace(/^Content-Length: \d+/im, `Content-Length: ${length}`);
  return SipMessage.parse(utf8Encode(fixed + text.slice(split)));
}

function sdpPartsOf(message: SipMessage) {
  return bodyParts(message).filter((part) => part.mediaType === 'application/sdp');
}

describe('bindSdp and requireSdpBinding', () => {
  it('binds the fingerprints of an INVITE and hands out one SDP', async () => {
    const sent = await protectAsAlice(pki, invite(OFFER), { bindSdp: true });
    const opened = await unprotectAtServer(pki, sent, { requireSdpBinding: 'always' });

    expect(opened.security.sdpBound).toBe(true);
    expect(sdpPartsOf(opened.message)).toEqual([{ mediaType: 'application/sdp', body: OFFER }]);
    expect(opened.parts.map((part) => part.contentType.mediaType)).toEqual([
      'application/sdp',
      'application/vnd.3gpp.mcptt-info+xml',
    ]);
  });

  it('protects an SDP that is the only body', async () => {
    const sent = await protectAsAlice(pki, invite(OFFER, false), { bindSdp: true });
    const opened = await unprotectAtServer(pki, sent, { requireSdpBinding: 'always' });

    expect(bodyParts(sent).map((part) => part.mediaType)).toEqual([
      'application/sdp',
      'application/pkcs7-mime',
    ]);
    expect(opened.security.sdpBound).toBe(true);
    expect(bodyParts(opened.message)).toEqual([{ mediaType: 'application/sdp', body: OFFER }]);
  });

  it('accepts an SDP whose addresses the core rewrote', async () => {
    const sent = await protectAsAlice(pki, invite(OFFER), { bindSdp: true });
    const relayed = rewrite(sent, (text) => text.replaceAll('192.0.2.1', '198.51.100.77'));
    const opened = await unprotectAtServer(pki, relayed, { requireSdpBinding: 'always' });

    expect(opened.security.sdpBound).toBe(true);
  });

  it('accepts fingerprints whose hex digits changed case', async () => {
    const sent = await protectAsAlice(pki, invite(OFFER), { bindSdp: true });
    const lower = rewrite(sent, (text) =>
      text.replace(
        `a=fingerprint:${FINGERPRINT}`,
        `a=fingerprint:SHA-256 ${FINGERPRINT.slice(8).toLowerCase()}`,
      ),
    );

    expect((await unprotectAtServer(pki, lower)).security.sdpBound).toBe(true);
  });

  it.each([
    ['replaced', (text: string) => text.replace(FINGERPRINT, OTHER_FINGERPRINT)],
    ['removed', (text: string) => text.replace(`a=fingerprint:${FINGERPRINT}\r\n`, '')],
    [
      'added',
      (text: string) =>
        text.replace('a=setup:actpass', `a=setup:actpass\r\na=fingerprint:${OTHER_FINGERPRINT}`),
    ],
  ])('rejects a fingerprint the core %s', async (_name, change) => {
    const sent = await protectAsAlice(pki, invite(OFFER), { bindSdp: true });
    const error = await rejection(unprotectAtServer(pki, rewrite(sent, change)));

    expect(error).toBeInstanceOf(HeaderMismatchError);
    expect(error).toMatchObject({ code: 'ERR_HEADER_MISMATCH', sipStatus: 403 });
  });

  it('requires a copy only when asked', async () => {
    const sent = await protectAsAlice(pki, invite(OFFER));
    const opened = await unprotectAtServer(pki, sent);
    const error = await rejection(unprotectAtServer(pki, sent, { requireSdpBinding: 'always' }));

    expect(opened.security.sdpBound).toBe(false);
    expect(error).toBeInstanceOf(DowngradeError);
    expect(error).toMatchObject({ code: 'ERR_DOWNGRADE', sipStatus: 403 });
  });

  it('leaves an unsigned SDP with fingerprints to the application if asked', async () => {
    const opened = await unprotectAtServer(pki, invite(OFFER, false), {
      requireSdpBinding: 'if-signed',
    });
    const error = await rejection(
      unprotectAtServer(pki, invite(OFFER, false), { requireSdpBinding: 'always' }),
    );

    expect(opened.security.signed).toBe(false);
    expect(opened.security.sdpBound).toBe(false);
    expect(error).toMatchObject({ code: 'ERR_DOWNGRADE', sipStatus: 403 });
  });

  it('requires a copy in a signed message with if-signed', async () => {
    const sent = await protectAsAlice(pki, invite(OFFER));
    const error = await rejection(unprotectAtServer(pki, sent, { requireSdpBinding: 'if-signed' }));

    expect(error).toMatchObject({ code: 'ERR_DOWNGRADE', sipStatus: 403 });
  });

  it.each([
    ['before the clear SDP', true],
    ['in place of the clear SDP', false],
  ])('rejects an SDP encrypted but not signed, %s', async (_where, keepClear) => {
    const sent = await protectAsAlice(pki, invite(OFFER), { bindSdp: true });
    // Anyone can encrypt for the server's certificate, which every 493 hands out.
    const forged = MimeEntity.parse(
      utf8Encode(
        `Content-Type: application/sdp\r\n\r\n${OFFER.replace(FINGERPRINT, OTHER_FINGERPRINT)}`,
      ),
    );
    const { der, smimeType } = await encryptContent({
      crypto: testCrypto,
      content: forged.toBytes(),
      recipients: [pki.certificate('server')],
      algorithm: 'aes-256-gcm',
    });
    const injected = utf8Decode(createPkcs7MimeEntity(der, smimeType).toBytes());
    const attacked = rewrite(sent, (text) => {
      const boundary = /boundary="?([^";\r\n]+)"?/.exec(text)?.[1] ?? '';
      const withForged = text.replace(
        `--${boundary}\r\n`,
        `--${boundary}\r\n${injected}\r\n--${boundary}\r\n`,
      );
      return keepClear
        ? withForged
        : withForged.replace(
            `Content-Type: application/sdp\r\n\r\n${OFFER}\r\n--${boundary}\r\n`,
            '',
          );
    });
    const error = await rejection(
      unprotectAtServer(pki, attacked, { requireSdpBinding: 'always' }),
    );

    expect(error).toBeInstanceOf(DowngradeError);
    expect(error).toMatchObject({ code: 'ERR_DOWNGRADE', sipStatus: 403 });
  });

  it('opens an SDP that a peer encrypted, then signed, unbound', async () => {
    const boundary = 'ets-1';
    const inner = utf8Encode(
      `Content-Type: multipart/mixed;boundary=${boundary}\r\n\r\n` +
        `--${boundary}\r\nContent-Type: application/sdp\r\n\r\n${OFFER}\r\n` +
        `--${boundary}\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n` +
        `${mcpttInfo()}\r\n--${boundary}--\r\n`,
    );
    const body = opensslProtect(inner, [
      { op: 'encrypt', recipient: pki.files.server as CredentialFiles, cipher: 'aes-256-gcm' },
      { op: 'sign', signer: pki.files.alice as CredentialFiles },
    ]);
    const message = wrapInMessage(request('INVITE', 'x', 'text/plain'), body);
    const opened = await unprotectAtServer(pki, message);

    expect(opened.security.order).toBe('encrypt-then-sign');
    expect(opened.security.sdpBound).toBe(false);
    expect(sdpPartsOf(opened.message)).toHaveLength(1);
  });

  it('adds no copy for an SDP without fingerprints', async () => {
    const plain = OFFER.replace(`a=fingerprint:${FINGERPRINT}\r\n`, '');
    const sdpOnly = invite(plain, false);

    expect(await protectAsAlice(pki, sdpOnly, { bindSdp: true })).toBe(sdpOnly);
    const opened = await unprotectAtServer(pki, sdpOnly, { requireSdpBinding: 'always' });
    expect(opened.security.sdpBound).toBe(false);
  });

  /** Adds a clear SDP part before the first part of the protected message's body. */
  function withSecondSdp(message: SipMessage, sdp: string): SipMessage {
    return rewrite(message, (text) => {
      const boundary = /boundary="?([^";\r\n]+)"?/.exec(text)?.[1] ?? '';
      return text.replace(
        `--${boundary}\r\n`,
        `--${boundary}\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n--${boundary}\r\n`,
      );
    });
  }

  it('rejects a second clear SDP with other fingerprints', async () => {
    const sent = await protectAsAlice(pki, invite(OFFER), { bindSdp: true });
    const other = OFFER.replace(FINGERPRINT, OTHER_FINGERPRINT);
    const error = await rejection(unprotectAtServer(pki, withSecondSdp(sent, other)));

    expect(error).toBeInstanceOf(HeaderMismatchError);
    expect(error).toMatchObject({ code: 'ERR_HEADER_MISMATCH', sipStatus: 403 });
  });

  it('binds every clear SDP with the signed fingerprints', async () => {
    const sent = await protectAsAlice(pki, invite(OFFER), { bindSdp: true });
    const opened = await unprotectAtServer(pki, withSecondSdp(sent, OFFER));

    expect(opened.security.sdpBound).toBe(true);
    expect(sdpPartsOf(opened.message)).toHaveLength(2);
  });

  it('rejects a clear SDP beside two signed ones with fingerprints', async () => {
    const body = ['--b2', 'Content-Type: text/plain', '', 'note', '--b2']
      .concat(['Content-Type: application/sdp', '', OFFER, '--b2'])
      .concat(['Content-Type: application/sdp', '', OFFER, '--b2--', ''])
      .join('\r\n');
    const twoSdp = request('MESSAGE', body, 'multipart/mixed; boundary=b2');
    // Everything but the note is signed and encrypted, the two SDP parts included.
    const sent = await protectAsAlice(pki, twoSdp, {
      policy: { isSensitive: (type) => type.mediaType !== 'text/plain' },
    });
    const policy = { isSensitive: () => false };
    const error = await rejection(unprotectAtServer(pki, withSecondSdp(sent, OFFER), { policy }));

    expect(error).toBeInstanceOf(MimeParseError);
    expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
  });

  it('rejects a malformed fingerprint line', async () => {
    const sent = await protectAsAlice(pki, invite(OFFER), { bindSdp: true });
    const broken = rewrite(sent, (text) =>
      text.replace(`a=fingerprint:${FINGERPRINT}`, 'a=fingerprint:sha-256'),
    );
    const error = await rejection(unprotectAtServer(pki, broken));

    expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
  });

  it('rejects options that are not booleans', async () => {
    await expect(
      protectAsAlice(pki, invite(OFFER), { bindSdp: 'yes' as unknown as boolean }),
    ).rejects.toThrow(new TypeError('protectMessage: options.bindSdp must be a boolean'));
    await expect(
      unprotectAtServer(pki, invite(OFFER), { requireSdpBinding: true as unknown as 'always' }),
    ).rejects.toThrow(
      new TypeError("unprotectMessage: options.requireSdpBinding must be 'always' or 'if-signed'"),
    );
  });
});

describe('sdpFingerprints', () => {
  it('reads session and media fingerprints, normalised and sorted', () => {
    const sdp = utf8Encode(
      [
        'v=0',
        `a=fingerprint:SHA-256 ab:cd`,
        'm=audio 9 RTP/SAVPF 0',
        'a=fingerprint:sha-1 01:02',
        '',
      ].join('\n'),
    );

    expect(sdpFingerprints(sdp)).toEqual(['sha-1 01:02', 'sha-256 AB:CD']);
  });

  it('reads a fingerprint in any case and after a bare CR', () => {
    const sdp = utf8Encode('v=0\ra=Fingerprint:sha-256 AB:CD\rs=-\n');

    expect(sdpFingerprints(sdp)).toEqual(['sha-256 AB:CD']);
  });

  it.each([
    'a=fingerprint:',
    'a=fingerprint:sha-256',
    'a=fingerprint:sha-256 zz:zz',
    'a=fingerprint: ab',
  ])('rejects %s', (line) => {
    const attempt = () => sdpFingerprints(utf8Encode(`v=0\r\n${line}\r\n`));

    expect(attempt).toThrow(MimeParseError);
    expect(() => attempt()).toThrow(
      expect.objectContaining({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 }) as Error,
    );
  });
});
