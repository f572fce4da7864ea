/** RSASSA-PSS parameters that WebCrypto cannot verify get 415 with a message naming the cause. */
import { describe, expect, it } from 'vitest';

import { derAlgorithm, derEncode, derExplicit, derSequence } from '../../src/cms/der-writer.js';
import { parseBer, readAlgorithm } from '../../src/cms/der.js';
import { OID_MGF1, OID_RSASSA_PSS, OID_SHA1, OID_SHA256 } from '../../src/cms/oids.js';
import { resolveSignatureScheme } from '../../src/cms/signature.js';
import { NotSupportedError } from '../../src/errors.js';

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
