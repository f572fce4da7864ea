import { describe, expect, it } from 'vitest';

import type { VerifyResult } from '../../src/cms/index.js';
import { CertificateChangedError, IdentityMismatchError } from '../../src/errors.js';
import { sameAddressOfRecord } from '../../src/sip/sip-uri.js';
import { addressOfRecord, checkSigner } from '../../src/smime/signer-check.js';

/** A verified signer with a trusted chain whose certificate names `uris`. */
function verifiedSigner(uris: readonly string[]): VerifyResult {
  return {
    content: new Uint8Array(0),
    contentType: '1.2.840.113549.1.7.1',
    signerCertificate: Uint8Array.of(1, 2, 3),
    intermediates: [],
    signerUris: uris,
    signatureAlgorithm: 'ecdsa-with-SHA256',
    digestAlgorithm: 'sha-256',
    signingTime: undefined,
    chainTrusted: true,
  };
}

describe('checkSigner URI parameters', () => {
  it('accepts the same URI', async () => {
    const uri = await checkSigner(
      verifiedSigner(['sip:alice@example.org']),
      'sip:alice@example.org',
      {},
    );

    expect(uri).toBe('sip:alice@example.org');
  });

  for (const [signer, expected] of [
    ['sip:alice@example.org;user=phone', 'sip:alice@example.org'],
    ['sip:alice@example.org', 'sip:alice@example.org;user=phone'],
    ['sip:alice@example.org;maddr=192.0.2.1', 'sip:alice@example.org'],
  ] as const) {
    it(`rejects ${signer} for ${expected}`, async () => {
      const error = await checkSigner(verifiedSigner([signer]), expected, {}).catch(
        (rejection: unknown) => rejection,
      );

      expect(error).toBeInstanceOf(IdentityMismatchError);
      expect(error).toMatchObject({ code: 'ERR_IDENTITY_MISMATCH', sipStatus: 403 });
    });
  }
});

describe('addressOfRecord', () => {
  it.each([
    ['SIP:Alice@Example.ORG:5061;transport=ws?Subject=x', 'sip:Alice@example.org:5061'],
    ['sip:a%40b@example.org', 'sip:a%40b@example.org'],
    ['sip:al%20ice@example.org', 'sip:al%20ice@example.org'],
    ['sip:100%2525@example.org', 'sip:100%2525@example.org'],
    ['sip:100%25@example.org', 'sip:100%25@example.org'],
    ['sip:%61lice@example.org', 'sip:alice@example.org'],
    ['sip:a%3ab@example.org', 'sip:a%3Ab@example.org'],
    ['sip:%C3%BCser@example.org', 'sip:%C3%BCser@example.org'],
    ['sip:alice:se%40cret@example.org', 'sip:alice:se%40cret@example.org'],
    ['sips:example.org', 'sips:example.org'],
    ['tel:+15551234', 'tel:+15551234'],
  ])('writes %s as %s', (uri, expected) => {
    expect(addressOfRecord(uri)).toBe(expected);
  });

  it('gives a URI of the same address', () => {
    for (const uri of ['sip:a%40b@example.org', 'sip:al%20ice@x.org', 'sip:a:b%3Ac@x.org']) {
      expect(sameAddressOfRecord(addressOfRecord(uri), uri)).toBe(true);
      expect(addressOfRecord(addressOfRecord(uri))).toBe(addressOfRecord(uri));
    }
  });
});

describe('checkSigner peer certificates', () => {
  it('finds the pin of an escaped user', async () => {
    const requested: string[] = [];
    const pinned = Uint8Array.of(9, 9, 9);
    const options = {
      getPeerCertificate: (aor: string) => {
        requested.push(aor);
        return Promise.resolve(aor === 'sip:a%40b@example.org' ? pinned : undefined);
      },
    };

    // The stored certificate differs from the message's, so the pin rejects it.
    const error = await checkSigner(
      verifiedSigner(['sip:a%40b@example.org']),
      'sip:a%40b@example.org',
      options,
    ).catch((rejection: unknown) => rejection);

    expect(requested).toEqual(['sip:a%40b@example.org']);
    expect(error).toBeInstanceOf(CertificateChangedError);
    expect(error).toMatchObject({ code: 'ERR_CERT_CHANGED', sipStatus: 403 });
  });
});
