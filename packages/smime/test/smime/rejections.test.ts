import { beforeAll, describe, expect, it } from 'vitest';

import { base64Decode, utf8Decode, utf8Encode } from '../../src/bytes.js';
import { encryptContent, getCmsContentType, inspectCms, signContent } from '../../src/cms/index.js';
import {
  CertificateChangedError,
  CertificateUntrustedError,
  CmsParseError,
  DowngradeError,
  IdentityMismatchError,
  LimitExceededError,
  MimeParseError,
  NotSupportedError,
  SignatureInvalidError,
  UndecipherableError,
} from '../../src/errors.js';
import { MAX_NESTING_DEPTH } from '../../src/limits.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { buildMultipart } from '../../src/mime/multipart.js';
import { SipMessage } from '../../src/sip/message.js';
import { createCertsOnlyBody } from '../../src/smime/certs-only-body.js';
import { protectMessage } from '../../src/smime/protect.js';
import type { ProtectOptions } from '../../src/smime/protect.js';
import type { CertificateDecision } from '../../src/smime/signer-check.js';
import { withEntityBody } from '../../src/smime/sip-body.js';
import { createMultipartSigned, createPkcs7MimeEntity } from '../../src/smime/smime-entities.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import type { UnprotectOptions } from '../../src/smime/unprotect.js';
import { mcpttInfo, mcpttInfoMessage, request } from './messages.js';
import { unprotectAtServer } from './alice-to-server.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';
import { rejection } from '../mime/expect-error.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

async function protect(
  message: SipMessage,
  signer = 'alice',
  recipient = 'server',
  extra: Partial<ProtectOptions> = {},
): Promise<SipMessage> {
  return protectMessage(message, {
    crypto: testCrypto,
    signer: await pki.identity(signer),
    recipients: [pki.certificate(recipient)],
    now: () => pki.now,
    ...extra,
  });
}

const unprotect = (message: SipMessage, extra: Partial<UnprotectOptions> = {}) =>
  unprotectAtServer(pki, message, extra);

const innerEntity = () =>
  new MimeEntity(
    [{ name: 'Content-Type', value: 'application/vnd.3gpp.mcptt-info+xml' }],
    utf8Encode(mcpttInfo()),
  );

/** Signs `signedContent` but places `carriedContent` in the multipart/signed, then encrypts. */
async function signedThenEncrypted(
  carriedContent: MimeEntity,
  signedContent: MimeEntity = carriedContent,
  signer = 'alice',
): Promise<SipMessage> {
  const identity = await pki.identity(signer);
  const signature = await signContent({
    crypto: testCrypto,
    content: signedContent.toBytes(),
    privateKey: identity.signingKey,
    certificate: identity.certificate,
    signingTime: pki.now,
    detached: true,
  });
  const signed = createMultipartSigned(carriedContent, signature, testCrypto);
  const envelope = await encryptContent({
    crypto: testCrypto,
    content: signed.toBytes(),
    recipients: [pki.certificate('server')],
    algorithm: 'aes-256-gcm',
  });
  return withEntityBody(
    mcpttInfoMessage(),
    createPkcs7MimeEntity(envelope.der, envelope.smimeType),
  );
}

describe('unprotectMessage rejections', () => {
  it('answers 493 for another recipient', async () => {
    const sent = await protect(mcpttInfoMessage(), 'alice', 'bob');
    const error = await rejection(unprotect(sent));

    expect(error).toBeInstanceOf(UndecipherableError);
    expect(error).toMatchObject({ code: 'ERR_UNDECIPHERABLE', sipStatus: 493 });
    expect(error.message).toBe(UndecipherableError.genericMessage);
  });

  it('carries the local certificate in certs-only', async () => {
    const sent = await protect(mcpttInfoMessage(), 'alice', 'bob');
    const error = (await rejection(unprotect(sent))) as UndecipherableError;

    expect(error.certsOnly).toBeInstanceOf(Uint8Array);
    const certsOnly = error.certsOnly as Uint8Array;
    expect(getCmsContentType(certsOnly)).toBe('certs-only');
    const summary = inspectCms(certsOnly);
    expect(summary.certificates).toHaveLength(1);
    expect(summary.certificates?.[0]?.uris).toEqual(['sip:mcptt-server@example.org']);
  });

  it('builds the 493 certs-only body', async () => {
    const sent = await protect(mcpttInfoMessage(), 'alice', 'bob');
    const error = (await rejection(unprotect(sent))) as UndecipherableError;
    const { body, headers } = createCertsOnlyBody(error.certsOnly as Uint8Array);

    expect(headers.contentType).toBe(
      'application/pkcs7-mime; smime-type=certs-only; name=smime.p7c',
    );
    expect(headers.contentTransferEncoding).toBe('base64');
    expect(headers.contentDisposition).toBe('attachment; handling=required; filename=smime.p7c');
    expect(base64Decode(utf8Decode(body))).toEqual(error.certsOnly);
  });

  it('answers 493 without an identity', async () => {
    const sent = await protect(mcpttInfoMessage());
    const error = await rejection(
      unprotectMessage(sent, { crypto: testCrypto, trustAnchors: [pki.caCertificate] }),
    );

    expect(error).toBeInstanceOf(UndecipherableError);
    expect(error).toMatchObject({ code: 'ERR_UNDECIPHERABLE', sipStatus: 493 });
    expect((error as UndecipherableError).certsOnly).toBeUndefined();
  });

  it('rejects a bad signature with 403', async () => {
    const tampered = new MimeEntity(
      innerEntity().headers,
      utf8Encode(mcpttInfo().replace('token', 'tokeN')),
    );
    const error = await rejection(unprotect(await signedThenEncrypted(tampered, innerEntity())));

    expect(error).toBeInstanceOf(SignatureInvalidError);
    expect(error).toMatchObject({ code: 'ERR_SIGNATURE_INVALID', sipStatus: 403 });
  });

  it('rejects a signer that is not From', async () => {
    const sent = await protect(mcpttInfoMessage(), 'mallory');
    const error = await rejection(unprotect(sent));

    expect(error).toBeInstanceOf(IdentityMismatchError);
    expect(error).toMatchObject({ code: 'ERR_IDENTITY_MISMATCH', sipStatus: 403 });
  });

  it('checks the To URI of a response', async () => {
    const identity = await pki.identity('server');
    const response = mcpttInfoMessage().withHeader('To', '<sip:mcptt-server@example.org>;tag=s1');
    const asResponse = SipMessage.create(
      { type: 'response', status: 200, reasonPhrase: 'OK', version: 'SIP/2.0' },
      response.headers,
      response.body,
    );
    const signedByServer = await protectMessage(asResponse, {
      crypto: testCrypto,
      signer: identity,
      recipients: [pki.certificate('alice')],
      now: () => pki.now,
    });
    const signedByMallory = await protect(asResponse, 'mallory', 'alice');
    const options = { identity: await pki.identity('alice') };

    const { security } = await unprotect(signedByServer, options);
    expect(security.signerUri).toBe('sip:mcptt-server@example.org');
    const error = await rejection(unprotect(signedByMallory, options));
    expect(error).toMatchObject({ code: 'ERR_IDENTITY_MISMATCH', sipStatus: 403 });
  });

  it('rejects an expired signer', async () => {
    const sent = await protect(mcpttInfoMessage());
    const later = new Date(pki.now.getTime() + 400 * 24 * 3600 * 1000);
    const error = await rejection(unprotect(sent, { now: () => later }));

    expect(error).toBeInstanceOf(CertificateUntrustedError);
    expect(error).toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403 });
  });

  it('rejects an unknown signer without hook', async () => {
    const sent = await protect(mcpttInfoMessage(), 'alice-self');
    const error = await rejection(unprotect(sent));

    expect(error).toBeInstanceOf(CertificateUntrustedError);
    expect(error).toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403 });
  });

  it('asks the hook about an unknown signer', async () => {
    const sent = await protect(mcpttInfoMessage(), 'alice-self');
    const decisions: CertificateDecision[] = [];
    const accept = await unprotect(sent, {
      onCertificateDecision: (decision) => {
        decisions.push(decision);
        return true;
      },
    });
    const error = await rejection(unprotect(sent, { onCertificateDecision: () => false }));

    expect(accept.security.signerUri).toBe('sip:alice@example.org');
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.reason).toBe('unknown');
    expect(decisions[0]?.addressOfRecord).toBe('sip:alice@example.org');
    expect(decisions[0]?.certificate).toEqual(pki.certificate('alice-self'));
    expect(decisions[0]?.previousCertificate).toBeUndefined();
    expect(error).toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403 });
  });

  it('accepts a pinned self-signed signer', async () => {
    const sent = await protect(mcpttInfoMessage(), 'alice-self');
    const { security } = await unprotect(sent, {
      getPeerCertificate: () => Promise.resolve(pki.certificate('alice-self')),
    });

    expect(security.signed).toBe(true);
  });

  it('rejects a changed certificate without hook', async () => {
    const sent = await protect(mcpttInfoMessage(), 'alice');
    const error = await rejection(
      unprotect(sent, { getPeerCertificate: () => Promise.resolve(pki.certificate('alice2')) }),
    );

    expect(error).toBeInstanceOf(CertificateChangedError);
    expect(error).toMatchObject({ code: 'ERR_CERT_CHANGED', sipStatus: 403 });
  });

  it('asks the hook about a changed certificate', async () => {
    const sent = await protect(mcpttInfoMessage(), 'alice');
    const decisions: CertificateDecision[] = [];
    const getPeerCertificate = () => Promise.resolve(pki.certificate('alice2'));
    const accepted = await unprotect(sent, {
      getPeerCertificate,
      onCertificateDecision: (decision) => {
        decisions.push(decision);
        return Promise.resolve(true);
      },
    });
    const error = await rejection(
      unprotect(sent, { getPeerCertificate, onCertificateDecision: () => false }),
    );

    expect(accepted.security.signed).toBe(true);
    expect(decisions[0]?.reason).toBe('changed');
    expect(decisions[0]?.previousCertificate).toEqual(pki.certificate('alice2'));
    expect(decisions[0]?.certificate).toEqual(pki.certificate('alice'));
    expect(error).toMatchObject({ code: 'ERR_CERT_CHANGED', sipStatus: 403 });
  });

  it('skips the hook for the stored certificate', async () => {
    const sent = await protect(mcpttInfoMessage(), 'alice');
    let asked = false;
    await unprotect(sent, {
      getPeerCertificate: () => Promise.resolve(pki.certificate('alice')),
      onCertificateDecision: () => (asked = true),
    });

    expect(asked).toBe(false);
  });

  it('rejects a sensitive part in clear', async () => {
    const error = await rejection(unprotect(mcpttInfoMessage()));

    expect(error).toBeInstanceOf(DowngradeError);
    expect(error).toMatchObject({ code: 'ERR_DOWNGRADE', sipStatus: 403 });
  });

  it('rejects a signed-only sensitive part', async () => {
    const identity = await pki.identity('alice');
    const signature = await signContent({
      crypto: testCrypto,
      content: innerEntity().toBytes(),
      privateKey: identity.signingKey,
      certificate: identity.certificate,
      signingTime: pki.now,
      detached: true,
    });
    const signedOnly = withEntityBody(
      mcpttInfoMessage(),
      createMultipartSigned(innerEntity(), signature, testCrypto),
    );
    const error = await rejection(unprotect(signedOnly));

    expect(error).toBeInstanceOf(DowngradeError);
    expect(error).toMatchObject({ code: 'ERR_DOWNGRADE', sipStatus: 403 });
    expect(error.message).toContain('signed but not encrypted');
  });

  it('rejects an encrypted unsigned sensitive part', async () => {
    const envelope = await encryptContent({
      crypto: testCrypto,
      content: innerEntity().toBytes(),
      recipients: [pki.certificate('server')],
      algorithm: 'aes-256-gcm',
    });
    const unsigned = withEntityBody(
      mcpttInfoMessage(),
      createPkcs7MimeEntity(envelope.der, envelope.smimeType),
    );
    const error = await rejection(unprotect(unsigned));

    expect(error).toBeInstanceOf(DowngradeError);
    expect(error).toMatchObject({ code: 'ERR_DOWNGRADE', sipStatus: 403 });
    expect(error.message).toContain('encrypted but not signed');
  });

  it('hides the media type of an unsigned envelope', async () => {
    const secret = new MimeEntity(
      [{ name: 'Content-Type', value: 'application/x-secret-token-42' }],
      utf8Encode('hello'),
    );
    const envelope = await encryptContent({
      crypto: testCrypto,
      content: secret.toBytes(),
      recipients: [pki.certificate('server')],
      algorithm: 'aes-256-gcm',
    });
    const unsigned = withEntityBody(
      mcpttInfoMessage(),
      createPkcs7MimeEntity(envelope.der, envelope.smimeType),
    );
    const error = await rejection(unprotect(unsigned));

    expect(error).toBeInstanceOf(DowngradeError);
    expect(error.message).toBe('sensitive part arrived encrypted but not signed');
  });

  it('accepts clear SDP alone', async () => {
    const sdp = request('INVITE', 'v=0\r\n', 'application/sdp');
    const { message, security } = await unprotect(sdp);

    expect(message).toBe(sdp);
    expect(security.protected).toBe(false);
  });

  it('rejects corrupted CMS with 400', async () => {
    const garbage = new MimeEntity(
      [
        { name: 'Content-Type', value: 'application/pkcs7-mime; smime-type=enveloped-data' },
        { name: 'Content-Transfer-Encoding', value: 'base64' },
      ],
      utf8Encode('MIIBAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f'),
    );
    const error = await rejection(unprotect(withEntityBody(mcpttInfoMessage(), garbage)));

    expect(error).toBeInstanceOf(CmsParseError);
    expect(error).toMatchObject({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 });
  });

  it('rejects corrupted MIME with 400', async () => {
    const noBoundary = request('MESSAGE', 'x', 'multipart/mixed');
    const error = await rejection(unprotect(noBoundary));

    expect(error).toBeInstanceOf(MimeParseError);
    expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
  });

  it('rejects a lone signature part with 400', async () => {
    const lone = request('MESSAGE', 'MIIB', 'application/pkcs7-signature');
    const error = await rejection(unprotect(lone));

    expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
  });

  it('rejects required compressed-data with 415', async () => {
    const compressed = request(
      'MESSAGE',
      'MIIB',
      'application/pkcs7-mime; smime-type=compressed-data',
    ).withHeader('Content-Disposition', 'attachment; handling=required');
    const error = await rejection(unprotect(compressed));

    expect(error).toBeInstanceOf(NotSupportedError);
    expect(error).toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });

  it.each(['gzip', 'x-frob', 'identity, gzip'])(
    'rejects Content-Encoding %s with 415',
    async (coding) => {
      const sent = (await protect(mcpttInfoMessage())).withHeader('Content-Encoding', coding);
      const error = await rejection(unprotect(sent));

      expect(error).toBeInstanceOf(NotSupportedError);
      expect(error).toMatchObject({
        code: 'ERR_NOT_SUPPORTED',
        sipStatus: 415,
        acceptEncoding: 'identity',
      });
    },
  );

  it('opens a body in Content-Encoding identity', async () => {
    const sent = (await protect(mcpttInfoMessage())).withHeader('Content-Encoding', 'Identity');
    const { parts } = await unprotect(sent);

    expect(utf8Decode(parts[0]?.decodedBody() ?? new Uint8Array(0))).toBe(mcpttInfo());
  });

  it.each([
    ['an unknown transfer encoding', 'x-frob', 'PGEvPg==', 'ERR_NOT_SUPPORTED', 415],
    ['invalid base64', 'base64', 'PGEv!g==', 'ERR_MIME_MALFORMED', 400],
  ])('rejects a signed part with %s', async (_case, encoding, body, code, status) => {
    const part = request('MESSAGE', body, 'application/vnd.3gpp.mcptt-info+xml').withHeader(
      'Content-Transfer-Encoding',
      encoding,
    );
    const error = await rejection(unprotect(await protect(part)));

    expect(error).toMatchObject({ code, sipStatus: status });
  });

  it('opens a signed part in base64', async () => {
    const part = request('MESSAGE', 'PGEvPg==', 'application/vnd.3gpp.mcptt-info+xml').withHeader(
      'Content-Transfer-Encoding',
      'base64',
    );
    const { parts } = await unprotect(await protect(part));

    expect(utf8Decode(parts[0]?.decodedBody() ?? new Uint8Array(0))).toBe('<a/>');
  });

  it('rejects an unknown smime-type with 415', async () => {
    const unknown = request('MESSAGE', 'MIIB', 'application/pkcs7-mime; smime-type=future-data');
    const error = await rejection(unprotect(unknown));

    expect(error).toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });

  it('drops an optional unknown smime-type', async () => {
    const optional = request(
      'MESSAGE',
      'MIIB',
      'application/pkcs7-mime; smime-type=compressed-data',
    ).withHeader('Content-Disposition', 'attachment; handling=optional');
    const { message } = await unprotect(optional);

    expect(message.body.length).toBe(0);
    expect(message.getHeader('Content-Type')).toBeUndefined();
  });

  it('rejects a part with a repeated Content-Disposition with 400', async () => {
    const body = [
      '--b',
      'Content-Type: application/pkcs7-mime; smime-type=compressed-data',
      'Content-Disposition: attachment; handling=optional',
      'Content-Disposition: attachment; handling=required',
      '',
      'MIIB',
      '--b--',
      '',
    ].join('\r\n');
    const error = await rejection(
      unprotect(request('MESSAGE', body, 'multipart/mixed; boundary=b')),
    );

    expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
  });

  it('rejects an unknown multipart/signed protocol with 415', async () => {
    const body =
      '--s\r\nContent-Type: text/plain\r\n\r\nx\r\n--s\r\nContent-Type: application/pgp-signature\r\n\r\ny\r\n--s--\r\n';
    const pgp = request(
      'MESSAGE',
      body,
      'multipart/signed; protocol="application/pgp-signature"; boundary=s',
    );
    const error = await rejection(unprotect(pgp));

    expect(error).toMatchObject({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 });
  });

  it('rejects a multipart/signed without protocol with 400', async () => {
    const body =
      '--s\r\nContent-Type: text/plain\r\n\r\nx\r\n--s\r\nContent-Type: application/pkcs7-signature\r\n\r\ny\r\n--s--\r\n';
    const unnamed = request('MESSAGE', body, 'multipart/signed; boundary=s');
    const error = await rejection(unprotect(unnamed));

    expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
    expect(error.message).toContain('multipart/signed protocol missing');
  });

  it('rejects nesting past the limit', async () => {
    let body = `Content-Type: text/plain\r\n\r\nleaf`;
    for (let level = 0; level < MAX_NESTING_DEPTH + 1; level++) {
      const boundary = `n${level}`;
      body = `Content-Type: multipart/mixed; boundary=${boundary}\r\n\r\n--${boundary}\r\n${body}\r\n--${boundary}--\r\n`;
    }
    const entity = MimeEntity.parse(utf8Encode(body));
    const nested = withEntityBody(mcpttInfoMessage(), entity);
    const error = await rejection(unprotect(nested));

    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error).toMatchObject({ code: 'ERR_LIMIT_EXCEEDED', sipStatus: 413 });
  });

  it('accepts nesting at the limit', async () => {
    let body = `Content-Type: application/sdp\r\n\r\nv=0`;
    for (let level = 0; level < MAX_NESTING_DEPTH; level++) {
      const boundary = `n${level}`;
      body = `Content-Type: multipart/mixed; boundary=${boundary}\r\n\r\n--${boundary}\r\n${body}\r\n--${boundary}--\r\n`;
    }
    const nested = withEntityBody(mcpttInfoMessage(), MimeEntity.parse(utf8Encode(body)));

    const { security } = await unprotect(nested);
    expect(security.protected).toBe(false);
  });

  it('rejects an oversized body', async () => {
    const huge = mcpttInfoMessage().withBody(new Uint8Array(300 * 1024).fill(0x41), {
      contentType: 'application/pkcs7-mime; smime-type=enveloped-data',
    });
    const error = await rejection(unprotect(huge));

    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error).toMatchObject({ code: 'ERR_LIMIT_EXCEEDED', sipStatus: 413 });
  });

  it('gives 493 for CBC content that is not MIME', async () => {
    const envelope = await encryptContent({
      crypto: testCrypto,
      content: utf8Encode('<not-a-mime-entity/>'),
      recipients: [pki.certificate('server')],
      algorithm: 'aes-128-cbc',
    });
    const bare = withEntityBody(
      mcpttInfoMessage(),
      createPkcs7MimeEntity(envelope.der, envelope.smimeType),
    );
    const error = await rejection(unprotect(bare));

    expect(error).toMatchObject({ code: 'ERR_UNDECIPHERABLE', sipStatus: 493 });
    expect(error.message).toBe(UndecipherableError.genericMessage);
  });

  it('gives 400 for GCM content that is not MIME', async () => {
    const envelope = await encryptContent({
      crypto: testCrypto,
      content: utf8Encode('<not-a-mime-entity/>'),
      recipients: [pki.certificate('server')],
      algorithm: 'aes-256-gcm',
    });
    const bare = withEntityBody(
      mcpttInfoMessage(),
      createPkcs7MimeEntity(envelope.der, envelope.smimeType),
    );
    const error = await rejection(unprotect(bare));

    expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
  });
});

describe('unprotectMessage envelope algorithms', () => {
  /** Returns an mcptt-info body protected with `contentEncryption`, as a MIME entity. */
  async function envelopePart(contentEncryption: 'aes-256-gcm' | 'aes-128-cbc') {
    const sent = await protect(mcpttInfoMessage(), 'alice', 'server', { contentEncryption });
    const fields = ['Content-Type', 'Content-Transfer-Encoding', 'Content-Disposition'].flatMap(
      (name) => {
        const value = sent.getHeader(name);
        return value === undefined ? [] : [{ name, value }];
      },
    );
    return new MimeEntity(fields, sent.body);
  }

  // The SIP core may reorder the parts, so the summary must not depend on their order.
  it.each([
    ['GCM first', ['aes-256-gcm', 'aes-128-cbc']],
    ['CBC first', ['aes-128-cbc', 'aes-256-gcm']],
  ] as const)('report the weaker of two envelopes, %s', async (_order, ciphers) => {
    const parts = await Promise.all(ciphers.map(envelopePart));
    const body = buildMultipart(parts, 'two-envelopes');
    const message = request('MESSAGE', body, 'multipart/mixed; boundary=two-envelopes');
    const { security } = await unprotect(message);

    expect(security.algorithms['smimeType']).toBe('enveloped-data');
    expect(security.algorithms['contentEncryption']).toBe('aes-128-cbc');
  });
});
