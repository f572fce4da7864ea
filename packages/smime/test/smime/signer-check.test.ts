import { describe, expect, it } from 'vitest';

import type { VerifyResult } from '../../src/cms/index.js';
import { IdentityMismatchError } from '../../src/errors.js';
import { checkSigner } from '../../src/smime/signer-check.js';

/** A verified signer with a trusted chain whose certificate names `uris`. */
function verifiedSigner(uris: readonly string[]): VerifyResult {
  return {
    content: new Uint8Array(0),
    contentType: '1.2.840.113549.1.7.1',
    signerCertificate: Uint8Array.of(1, 2, 3),
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
