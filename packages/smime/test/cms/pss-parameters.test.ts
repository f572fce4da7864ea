/** RSASSA-PSS parameters that WebCrypto cannot verify get 415 with a message naming the cause. */
import { describe, expect, it } from 'vitest';

import { bytesEqual, utf8Encode } from '../../src/bytes.js';
import {
  derAlgorithm,
  derEncode,
  derExplicit,
  derSequence,
  derSmallInteger,
  derTlv,
} from '../../src/cms/der-writer.js';
import type { DerInput } from '../../src/cms/der-writer.js';
import { parseBer, readAlgorithm } from '../../src/cms/der.js';
import type { Asn1Node } from '../../src/cms/der.js';
import { signContent, verifySignedData } from '../../src/cms/index.js';
import { OID_MGF1, OID_RSASSA_PSS, OID_SHA1, OID_SHA256 } from '../../src/cms/oids.js';
import { resolveSignatureScheme } from '../../src/cms/signature.js';
import { NotSupportedError, SignatureInvalidError } from '../../src/errors.js';
import { FIXTURE_NOW, crypto, fixtureCertificate, fixtureKeys } from './helpers.js';

/** Returns the AlgorithmIdentifier of RSASSA-PSS with `hash` and MGF1 over `mgfHash`. */
function pss(hash: string, mgfHash: string) {
  const parameters = derSequence(
    derExplicit(0, derAlgorithm(hash)),
    derExplicit(1, derAlgorithm(OID_MGF1, derAlgorithm(mgfHash))),
  );
  const der = derEncode(derAlgorithm(OID_RSASSA_PSS, parameters));
  return readAlgorithm(parseBer(der, 'algorithm'), 'signatureAlgorithm');
}

describe('RSASSA-PSS parameters', () => {
  it('takes SHA-256 with MGF1 over SHA-256', () => {
    expect(resolveSignatureScheme(pss(OID_SHA256, OID_SHA256), undefined)).toMatchObject({
      name: 'RSA-PSS',
      hash: 'SHA-256',
    });
  });

  it('names the MGF1 hash that differs', () => {
    const attempt = () => resolveSignatureScheme(pss(OID_SHA256, OID_SHA1), undefined);

    expect(attempt).toThrow(NotSupportedError);
    expect(attempt).toThrow(
      'RSASSA-PSS with MGF1 over sha-1 and sha-256 not supported: the two hashes must be the same',
    );
    expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_NOT_SUPPORTED', sipStatus: 415 }));
  });
});

/**
 * Encodes `node` again, with every element for which `replace` returns bytes replaced by them, so
 * that the lengths of the enclosing elements change with it.
 */
function reencode(node: Asn1Node, replace: (node: Asn1Node) => DerInput | undefined): DerInput {
  const replacement = replace(node);
  if (replacement !== undefined) return replacement;
  if (!node.constructed) return node.encoded;
  const identifier = (node.tagClass << 6) | 0x20 | node.tagNumber;
  return derTlv(identifier, ...node.children.map((child) => reencode(child, replace)));
}

describe('RSASSA-PSS salt length', () => {
  it('rejects a salt longer than the key allows', async () => {
    const carol = await fixtureKeys('carol-rsa');
    const signed = await signContent({
      crypto,
      content: utf8Encode('<mcpttinfo/>'),
      privateKey: carol.signingKey,
      certificate: fixtureCertificate('carol-rsa'),
      signingTime: FIXTURE_NOW,
      detached: false,
    });
    // A 2048-bit key leaves room for 256 - 32 - 2 = 222 bytes of salt with SHA-256.
    const salt32 = derEncode(derExplicit(2, derSmallInteger(32)));
    let replaced = 0;
    const der = derEncode(
      reencode(parseBer(signed, 'SignedData'), (node) => {
        if (!bytesEqual(node.encoded, salt32)) return undefined;
        replaced += 1;
        return derExplicit(2, derSmallInteger(223));
      }),
    );
    expect(replaced).toBe(1);

    const attempt = verifySignedData({
      crypto,
      der,
      trustAnchors: [fixtureCertificate('ca')],
      now: FIXTURE_NOW,
    });

    await expect(attempt).rejects.toBeInstanceOf(SignatureInvalidError);
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID', sipStatus: 403 });
  });
});
