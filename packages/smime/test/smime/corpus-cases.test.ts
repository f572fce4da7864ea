import { describe, expect, it } from 'vitest';

import { importPrivateKey, pemDecode } from '../../src/cms/index.js';
import { McpttError, MimeParseError, UndecipherableError } from '../../src/errors.js';
import { SipMessage } from '../../src/sip/message.js';
import type { LocalIdentity } from '../../src/smime/key-store.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import type { UnprotectOptions } from '../../src/smime/unprotect.js';
import { corporaAvailable, readCorpus, readCorpusText } from '../corpora.js';
import { testCrypto } from './test-pki.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const everythingClear = { isSensitive: () => false };

async function loadIdentity(
  keyPath: string,
  certPath: string,
  uri: string,
): Promise<LocalIdentity> {
  const [pkcs8] = pemDecode(readCorpusText(keyPath), 'PRIVATE KEY');
  const [certificate] = pemDecode(readCorpusText(certPath), 'CERTIFICATE');
  const keys = await importPrivateKey(testCrypto, pkcs8 as Uint8Array);
  return { uri, certificate: certificate as Uint8Array, chain: [], ...keys };
}

const caseAnchors = () => pemDecode(readCorpusText('cases/keys/ca.cert.pem'), 'CERTIFICATE');
const bob = () =>
  loadIdentity('cases/keys/bob.key.pem', 'cases/keys/bob.cert.pem', 'sip:bob@example.org');

async function outcome(file: string, options: Partial<UnprotectOptions> = {}) {
  try {
    const message = SipMessage.parse(readCorpus(file));
    const result = await unprotectMessage(message, {
      crypto: testCrypto,
      identity: await bob(),
      trustAnchors: caseAnchors(),
      now: () => NOW,
      ...options,
    });
    return { result };
  } catch (error) {
    return { error };
  }
}

describe.skipIf(!corporaAvailable)('unprotect on the failure cases', () => {
  // B07 carries bare XML, not a MIME entity (RFC 8551 §3.1). The content is read only after the
  // signature, the chain and the signer's SIP URI passed, so this error proves all three did.
  it('verifies B07, then rejects its bare content', async () => {
    const message = SipMessage.parse(readCorpus('cases/B07-pkcs7-binary-body.ws-binary-frame.sip'));
    const { result, error } = await outcome('cases/B07-pkcs7-binary-body.ws-binary-frame.sip');

    expect(message.body.length).toBe(1191);
    expect(result).toBeUndefined();
    expect(error).toBeInstanceOf(MimeParseError);
    expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
    expect((error as Error).message).toBe('S/MIME content is not a MIME entity');
  });

  it('rejects B07 from an untrusted CA', async () => {
    const { error } = await outcome('cases/B07-pkcs7-binary-body.ws-binary-frame.sip', {
      trustAnchors: [],
    });

    expect(error).toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403 });
  });

  for (const file of [
    'cases/B08a-pkcs7-body-utf8-inflated-cl-counts-chars.sip',
    'cases/B08b-pkcs7-body-utf8-inflated-cl-counts-utf8-bytes.sip',
  ]) {
    it(`answers 400 to ${file.slice(6, 10)}`, async () => {
      const { result, error } = await outcome(file, { policy: everythingClear });

      expect(result).toBeUndefined();
      expect(error).toBeInstanceOf(McpttError);
      expect((error as McpttError).sipStatus).toBe(400);
      expect(error).not.toBeInstanceOf(UndecipherableError);
    });
  }

  // The B17 envelopes carry bare XML, not a MIME entity (RFC 8551 §3.1). Decryption succeeds,
  // and the CBC rule then raises 493 with the MIME error as the cause.
  for (const file of [
    'cases/B17a-pkcs7-base64-single-line.sip',
    'cases/B17b-pkcs7-base64-65col-bare-lf.sip',
    'cases/B17c-pkcs7-base64-76col-crlf.sip',
  ]) {
    it(`decodes the base64 of ${file.slice(6, 10)}`, async () => {
      const { result, error } = await outcome(file);

      expect(result).toBeUndefined();
      expect(error).toMatchObject({ code: 'ERR_UNDECIPHERABLE', sipStatus: 493 });
      expect((error as Error).cause).toBeInstanceOf(MimeParseError);
    });
  }

  it('verifies B17d, then rejects its bare content', async () => {
    const { result, error } = await outcome('cases/B17d-pkcs7-base64-single-12864-char-line.sip');

    expect(result).toBeUndefined();
    expect(error).toBeInstanceOf(MimeParseError);
    expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
    expect((error as Error).message).toBe('S/MIME content is not a MIME entity');
  });
});

describe.skipIf(!corporaAvailable)('unprotect the generated MCPTT INVITE', () => {
  const dir = 'smime-examples/sip-mcptt-generated';
  const rsaDir = 'smime-examples/rfc9216';
  const anchors = () =>
    pemDecode(
      readCorpusText(`${rsaDir}/Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem`),
      'CERTIFICATE',
    );
  const bobRsa = () =>
    loadIdentity(
      `${rsaDir}/bob@smime.example.decrypt.key.pem`,
      `${rsaDir}/bob@smime.example.enc.pem`,
      'sip:bob@smime.example',
    );

  // Alice's RFC 9216 certificate names only email:alice@smime.example, no SIP URI, so the
  // encrypt-then-sign INVITE verifies but cannot bind its signer to From.
  for (const file of [
    '09a-invite-mcptt-info-signed-enveloped.binary-cte.sip',
    '09b-invite-mcptt-info-signed-enveloped.base64-cte.sip',
  ]) {
    it(`rejects ${file.slice(0, 3)} for identity mismatch`, async () => {
      const message = SipMessage.parse(readCorpus(`${dir}/${file}`));
      const error = await unprotectMessage(message, {
        crypto: testCrypto,
        identity: await bobRsa(),
        trustAnchors: anchors(),
        now: () => NOW,
      }).catch((rejection: unknown) => rejection);

      expect(error).toBeInstanceOf(McpttError);
      expect(error).toMatchObject({ code: 'ERR_IDENTITY_MISMATCH', sipStatus: 403 });
    });
  }

  it('rejects 09b with a tampered signature', async () => {
    const text = readCorpusText(`${dir}/09b-invite-mcptt-info-signed-enveloped.base64-cte.sip`);
    const tampered = text.replace(
      'smime-type=enveloped-data; name=smime.p7m',
      'smime-type=enveloped-data; name=smime.p7x',
    );
    const error = await unprotectMessage(SipMessage.parse(new TextEncoder().encode(tampered)), {
      crypto: testCrypto,
      identity: await bobRsa(),
      trustAnchors: anchors(),
      now: () => NOW,
    }).catch((rejection: unknown) => rejection);

    expect(error).toMatchObject({ code: 'ERR_SIGNATURE_INVALID', sipStatus: 403 });
  });
});
