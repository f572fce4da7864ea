import { beforeAll, describe, expect, it } from 'vitest';

import type { ContentEncryptionAlgorithm } from '../../src/cms/index.js';
import { SipMessage } from '../../src/sip/message.js';
import type { LocalIdentity } from '../../src/smime/key-store.js';
import { protectMessage } from '../../src/smime/protect.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { corporaAvailable, readCorpus } from '../corpora.js';
import {
  SECRET_TOKEN,
  bodyParts,
  containsText,
  entityParts,
  inviteWithSdp,
  mcpttInfo,
  mcpttInfoMessage,
  withSignerUri,
} from './messages.js';
import { getTestPki, testCrypto, testEngines } from './test-pki.js';
import type { TestPki } from './test-pki.js';

const ENCRYPTIONS: readonly ContentEncryptionAlgorithm[] = [
  'aes-256-gcm',
  'aes-128-gcm',
  'aes-256-cbc',
  'aes-128-cbc',
];
const KINDS = [
  { kind: 'EC', signer: 'alice', recipient: 'server' },
  { kind: 'RSA', signer: 'alice-rsa', recipient: 'server-rsa' },
] as const;

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

async function roundTrip(
  message: SipMessage,
  signerName: string,
  recipientName: string,
  contentEncryption: ContentEncryptionAlgorithm = 'aes-256-gcm',
  crypto: Crypto = testCrypto,
) {
  const signer: LocalIdentity = await pki.identity(signerName);
  const recipient = await pki.identity(recipientName);
  const sent = await protectMessage(message, {
    crypto,
    signer,
    recipients: [recipient.certificate],
    contentEncryption,
    now: () => pki.now,
  });
  const wire = SipMessage.parse(sent.toBytes());
  const result = await unprotectMessage(wire, {
    crypto,
    identity: recipient,
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
  });
  return { sent: wire, ...result };
}

describe('protect and unprotect', () => {
  for (const { label: engine, crypto } of testEngines) {
    for (const { kind, signer, recipient } of KINDS) {
      for (const encryption of ENCRYPTIONS) {
        it(`round-trips MESSAGE, ${kind}, ${encryption}, ${engine}`, async () => {
          const message = mcpttInfoMessage();
          const {
            sent,
            message: opened,
            parts,
            security,
          } = await roundTrip(message, signer, recipient, encryption, crypto);

          const smimeType = encryption.endsWith('gcm') ? 'authEnveloped-data' : 'enveloped-data';
          expect(containsText(sent, SECRET_TOKEN)).toBe(false);
          expect(sent.getHeader('Content-Type')).toBe(
            `application/pkcs7-mime; smime-type=${smimeType}; name=smime.p7m`,
          );
          expect(sent.getHeader('Content-Transfer-Encoding')).toBe('base64');
          expect(sent.getHeader('Content-Disposition')).toBe(
            'attachment; handling=required; filename=smime.p7m',
          );
          expect(bodyParts(opened)).toEqual(bodyParts(message));
          expect(parts.flatMap(entityParts)).toEqual(bodyParts(message));
          expect(security.encrypted).toBe(true);
          expect(security.signed).toBe(true);
          expect(security.signerUri).toBe('sip:alice@example.org');
          expect(security.algorithms.contentEncryption).toBe(encryption);
          expect(security.algorithms.smimeType).toBe(smimeType);
          expect(security.protectedParts).toEqual(['application/vnd.3gpp.mcptt-info+xml']);
        });
      }
    }
  }

  it('returns the parts in order, SDP first', async () => {
    const { parts, message } = await roundTrip(inviteWithSdp(), 'alice', 'server');
    expect(parts.map((part) => part.contentType.mediaType)).toEqual([
      'application/sdp',
      'application/vnd.3gpp.mcptt-info+xml',
    ]);
    expect(parts.flatMap(entityParts)).toEqual(bodyParts(message));
  });

  it('tells which parts arrived protected', async () => {
    const { partProtection } = await roundTrip(inviteWithSdp(), 'alice', 'server');

    expect(partProtection).toEqual([
      { encrypted: false, signed: false },
      { encrypted: true, signed: true },
    ]);
  });

  it('reports the parts of a message in clear as clear', async () => {
    const sdpOnly = inviteWithSdp().withBody(new TextEncoder().encode('v=0\r\n'), {
      contentType: 'application/sdp',
    });

    const { partProtection } = await unprotectMessage(sdpOnly, {
      crypto: testCrypto,
      trustAnchors: [pki.caCertificate],
    });

    expect(partProtection).toEqual([{ encrypted: false, signed: false }]);
  });

  it('builds the message once, when read', async () => {
    const server = await pki.identity('server');
    const sent = await protectMessage(inviteWithSdp(), {
      crypto: testCrypto,
      signer: await pki.identity('alice'),
      recipients: [server.certificate],
      now: () => pki.now,
    });
    const result = await unprotectMessage(sent, {
      crypto: testCrypto,
      identity: server,
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    });
    const first = result.message;
    expect(result.message).toBe(first);
    expect(bodyParts(first)).toEqual(bodyParts(inviteWithSdp()));
  });

  it('keeps SDP first and in clear', async () => {
    const message = inviteWithSdp();
    const { sent, message: opened, security } = await roundTrip(message, 'alice', 'server');

    const parts = bodyParts(sent);
    expect(sent.contentType?.mediaType).toBe('multipart/mixed');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toEqual(bodyParts(message)[0]);
    expect(parts[1]?.mediaType).toBe('application/pkcs7-mime');
    expect(containsText(sent, SECRET_TOKEN)).toBe(false);
    expect(bodyParts(opened)).toEqual(bodyParts(message));
    expect(security.protectedParts).toEqual(['application/vnd.3gpp.mcptt-info+xml']);
  });

  it('emits base64 lines of 76 columns', async () => {
    const { sent } = await roundTrip(mcpttInfoMessage(), 'alice', 'server');
    const lines = new TextDecoder()
      .decode(sent.body)
      .split('\r\n')
      .filter((line) => line !== '');

    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(0, -1).every((line) => line.length === 76)).toBe(true);
    expect(lines.every((line) => /^[A-Za-z0-9+/=]+$/.test(line))).toBe(true);
  });

  it('moves the content headers of a sensitive body inside', async () => {
    const described = mcpttInfoMessage().withBody(new TextEncoder().encode(mcpttInfo()), {
      contentType: 'application/vnd.3gpp.mcptt-info+xml',
      contentEncoding: 'identity',
      contentLanguage: 'de',
      contentId: '<info-1@example.org>',
      contentDescription: 'access token of group 7',
    });
    const names = ['Content-Encoding', 'Content-Language', 'Content-ID', 'Content-Description'];

    const { sent, message } = await roundTrip(described, 'alice', 'server');

    for (const name of names) expect(sent.getHeader(name), name).toBeUndefined();
    expect(names.map((name) => message.getHeader(name))).toEqual([
      'identity',
      'de',
      '<info-1@example.org>',
      'access token of group 7',
    ]);
  });

  it('keeps the content headers of a multipart body outside', async () => {
    const invite = inviteWithSdp();
    const described = invite.withBody(invite.body, {
      contentType: invite.getHeader('Content-Type') ?? '',
      contentLanguage: 'fr',
      contentDescription: 'call set-up',
    });

    const { sent, message } = await roundTrip(described, 'alice', 'server');

    expect(sent.getHeader('Content-Language')).toBe('fr');
    expect(sent.getHeader('Content-Description')).toBe('call set-up');
    expect(message.getHeader('Content-Language')).toBe('fr');
    expect(message.getHeader('Content-Description')).toBe('call set-up');
  });

  it('keeps the content headers of a lone SDP on its part', async () => {
    const sdpOnly = inviteWithSdp().withBody(new TextEncoder().encode('v=0\r\n'), {
      contentType: 'application/sdp',
      contentId: '<sdp-1@example.org>',
    });

    const sent = await protectMessage(sdpOnly, {
      crypto: testCrypto,
      signer: await pki.identity('alice'),
      recipients: [pki.certificate('server')],
      protectHeaders: ['From'],
      now: () => pki.now,
    });

    expect(sent.contentType?.mediaType).toBe('multipart/mixed');
    expect(sent.getHeader('Content-ID')).toBeUndefined();
    expect(new TextDecoder().decode(sent.body)).toContain('Content-ID: <sdp-1@example.org>');
  });

  it('returns a message without sensitive parts unchanged', async () => {
    const signer = await pki.identity('alice');
    const sdpOnly = inviteWithSdp().withBody(new TextEncoder().encode('v=0\r\n'), {
      contentType: 'application/sdp',
    });
    const result = await protectMessage(sdpOnly, {
      crypto: testCrypto,
      signer,
      recipients: [pki.certificate('server')],
    });

    expect(result).toBe(sdpOnly);
  });

  it('returns a message without body unchanged', async () => {
    const signer = await pki.identity('alice');
    const empty = mcpttInfoMessage().withoutBody();
    const result = await protectMessage(empty, {
      crypto: testCrypto,
      signer,
      recipients: [pki.certificate('server')],
    });

    expect(result).toBe(empty);
  });

  it('encrypts for every recipient', async () => {
    const signer = await pki.identity('alice');
    const sent = await protectMessage(mcpttInfoMessage(), {
      crypto: testCrypto,
      signer,
      recipients: [pki.certificate('server'), pki.certificate('server-rsa')],
      now: () => pki.now,
    });
    for (const name of ['server', 'server-rsa']) {
      const { security } = await unprotectMessage(sent, {
        crypto: testCrypto,
        identity: await pki.identity(name),
        trustAnchors: [pki.caCertificate],
        now: () => pki.now,
      });
      expect(security.encrypted).toBe(true);
    }
  });

  it('rejects misuse with TypeError', async () => {
    const signer = await pki.identity('alice');
    await expect(
      protectMessage(mcpttInfoMessage(), { crypto: testCrypto, signer, recipients: [] }),
    ).rejects.toThrow(TypeError);
  });
});

const CORPUS_MESSAGES = [
  '01-register-mcptt-info.sipp-derived.sip',
  '02-invite-group-call-multipart.sipp-derived.sip',
  '04-invite-private-call.mcop-derived.sip',
  '05-publish-affiliation.mcop-derived.sip',
  '07-200ok-emergency-group-call.spec-synthesised.sip',
  '08-invite-server-to-member.vendor-doc-nonconformant.sip',
];

describe.skipIf(!corporaAvailable)('protect and unprotect the MCPTT corpus', () => {
  for (const file of CORPUS_MESSAGES) {
    for (const { kind, signer, recipient } of KINDS) {
      for (const encryption of ENCRYPTIONS) {
        it(`round-trips ${file.slice(0, 2)}, ${kind}, ${encryption}`, async () => {
          const original = SipMessage.parse(readCorpus(`mcptt/${file}`));
          const message = withSignerUri(original, 'sip:alice@example.org');
          const {
            sent,
            message: opened,
            security,
          } = await roundTrip(message, signer, recipient, encryption);

          const parts = bodyParts(message);
          const clear = parts.filter((part) => part.mediaType === 'application/sdp');
          const sensitive = parts.filter((part) => part.mediaType !== 'application/sdp');
          expect(bodyParts(opened)).toEqual([...clear, ...sensitive]);
          expect(bodyParts(sent).filter((part) => part.mediaType === 'application/sdp')).toEqual(
            clear,
          );
          for (const part of sensitive) {
            expect(containsText(sent, part.body.slice(0, 200))).toBe(false);
          }
          expect(security.signerUri).toBe('sip:alice@example.org');
          expect(security.protectedParts).toEqual(sensitive.map((part) => part.mediaType));
          expect(opened.method).toBe(message.method);
        });
      }
    }
  }
});
