/**
 * The micalg parameter of multipart/signed names the digest of the signature inside it
 * (RFC 8551 §3.5.3): sha-256 for P-256 and RSA-SHA-256 keys, sha-384 for P-384 keys.
 */
import { describe, expect, it } from 'vitest';

import { createCertificate, decryptContent, importPrivateKey } from '../../src/cms/index.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { messageBodyEntity } from '../../src/smime/sip-body.js';
import { protectMessage } from '../../src/smime/protect.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import type { LocalIdentity } from '../../src/smime/key-store.js';
import { mcpttInfoMessage } from './messages.js';
import { testCrypto as crypto } from './test-pki.js';

const NOW = new Date('2026-06-01T00:00:00Z');

interface Issuer {
  readonly certificate: Uint8Array;
  readonly key: CryptoKey;
}

async function identity(
  uri: string,
  namedCurve: 'P-256' | 'P-384',
  issuer: Issuer | undefined,
  serial: number,
): Promise<LocalIdentity & { issuerKey: CryptoKey }> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve }, true, [
    'sign',
    'verify',
  ]);
  const certificate = await createCertificate({
    crypto,
    subject: uri,
    ...(issuer === undefined ? {} : { issuer: issuer.certificate, uris: [uri] }),
    issuerKey: issuer?.key ?? pair.privateKey,
    publicKey: pair.publicKey,
    serial,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2030-01-01T00:00:00Z'),
    isCa: issuer === undefined,
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const keys = await importPrivateKey(crypto, pkcs8);
  return { uri, certificate, chain: [], ...keys, issuerKey: pair.privateKey };
}

describe('micalg', () => {
  it.each([
    ['P-256', 'sha-256'],
    ['P-384', 'sha-384'],
  ] as const)('names the digest of a %s signer', async (curve, micalg) => {
    const ca = await identity('Test micalg CA', 'P-256', undefined, 1);
    const issuer = { certificate: ca.certificate, key: ca.issuerKey };
    const alice = await identity('sip:alice@example.org', curve, issuer, 2);
    const server = await identity('sip:mcptt-server@example.org', 'P-256', issuer, 3);
    const sent = await protectMessage(mcpttInfoMessage(), {
      crypto,
      signer: alice,
      recipients: [server.certificate],
      now: () => NOW,
    });

    const envelope = messageBodyEntity(sent)?.decodedBody() ?? new Uint8Array();
    const { content } = await decryptContent({
      crypto,
      der: envelope,
      certificate: server.certificate,
      privateKey: server.decryptionKey,
    });
    const signed = MimeEntity.parse(content).contentType;
    expect(signed.mediaType).toBe('multipart/signed');
    expect(signed.params.get('micalg')).toBe(micalg);

    const { security } = await unprotectMessage(sent, {
      crypto,
      identity: server,
      trustAnchors: [ca.certificate],
      now: () => NOW,
    });
    expect(security.algorithms['digest']).toBe(micalg);
  });
});
