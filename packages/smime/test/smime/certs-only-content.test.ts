import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Encode } from '../../src/bytes.js';
import { getCmsContentType } from '../../src/cms/index.js';
import {
  derEncode,
  derExplicit,
  derOctetString,
  derOid,
  derSequence,
  derSetOf,
  derSmallInteger,
} from '../../src/cms/der-writer.js';
import { OID_DATA, OID_SIGNED_DATA } from '../../src/cms/oids.js';
import { SignatureInvalidError } from '../../src/errors.js';
import { createPkcs7MimeEntity } from '../../src/smime/smime-entities.js';
import { withEntityBody } from '../../src/smime/sip-body.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { mcpttInfoMessage } from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

const FORGED = utf8Encode(
  'Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n<mcpttinfo>forged</mcpttinfo>',
);

/** Builds a ContentInfo with a SignedData that has no SignerInfo and the given eContent. */
function signerlessSignedData(certificate: Uint8Array, eContent?: Uint8Array): Uint8Array {
  const encapsulated =
    eContent === undefined
      ? derSequence(derOid(OID_DATA))
      : derSequence(derOid(OID_DATA), derExplicit(0, derOctetString(eContent)));
  const signedData = derSequence(
    derSmallInteger(1),
    derSetOf(),
    encapsulated,
    // certificates [0] IMPLICIT SET OF Certificate has the same encoding as [0] EXPLICIT here.
    derExplicit(0, certificate),
    derSetOf(),
  );
  return derEncode(derSequence(derOid(OID_SIGNED_DATA), derExplicit(0, signedData)));
}

describe('certs-only detection', () => {
  it('reads a SignedData without content as certs-only', () => {
    expect(getCmsContentType(signerlessSignedData(pki.certificate('alice')))).toBe('certs-only');
  });

  it('reads empty eContent as certs-only', () => {
    const der = signerlessSignedData(pki.certificate('alice'), new Uint8Array(0));

    expect(getCmsContentType(der)).toBe('certs-only');
  });

  it('reads signerless content as signed-data', () => {
    const der = signerlessSignedData(pki.certificate('alice'), FORGED);

    expect(getCmsContentType(der)).toBe('signed-data');
  });

  it('rejects signerless content in a message', async () => {
    const der = signerlessSignedData(pki.certificate('alice'), FORGED);
    const message = withEntityBody(mcpttInfoMessage(), createPkcs7MimeEntity(der, 'certs-only'));
    const error = await unprotectMessage(message, {
      crypto: testCrypto,
      identity: await pki.identity('server'),
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    }).catch((rejection: unknown) => rejection);

    expect(error).toBeInstanceOf(SignatureInvalidError);
    expect(error).toMatchObject({ code: 'ERR_SIGNATURE_INVALID', sipStatus: 403 });
  });
});
