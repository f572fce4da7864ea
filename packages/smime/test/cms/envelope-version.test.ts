/**
 * Version fields of AuthEnvelopedData (RFC 5083 §2.1), EnvelopedData (RFC 5652 §6.1),
 * KeyTransRecipientInfo (§6.2.1) and KeyAgreeRecipientInfo (§6.2.2). A version that contradicts
 * the structure is rejected with CmsParseError (400) before anything is decrypted.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { cloneBytes } from '../../src/bytes.js';
import { type Asn1Node, parseBer } from '../../src/cms/der.js';
import {
  derAlgorithm,
  derBitString,
  derEncode,
  derExplicit,
  derImplicitPrimitive,
  derOctetString,
  derOid,
  derSequence,
  derSetOf,
  derSmallInteger,
  derTlv,
  type DerInput,
} from '../../src/cms/der.js';
import { readEnvelope } from '../../src/cms/envelope.js';
import { decryptContent } from '../../src/cms/index.js';
import type { ContentEncryptionAlgorithm } from '../../src/cms/index.js';
import { OID_AES256_CBC, OID_DATA, OID_EC_PUBLIC_KEY } from '../../src/cms/oids.js';
import { CmsParseError } from '../../src/errors.js';
import type { SmimeType } from '../../src/cms/index.js';
import type { SipMessage } from '../../src/sip/message.js';
import { protectMessage } from '../../src/smime/protect.js';
import { messageBodyEntity, withEntityBody } from '../../src/smime/sip-body.js';
import { createPkcs7MimeEntity } from '../../src/smime/smime-entities.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { expectMcpttError, rejection } from '../mime/expect-error.js';
import { mcpttInfo, mcpttInfoMessage } from '../smime/messages.js';
import { innerMcpttInfo, opensslProtect, wrapInMessage } from '../smime/openssl-peer.js';
import { getTestPki, testCrypto } from '../smime/test-pki.js';
import type { CredentialFiles, TestPki } from '../smime/test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

/** The operations that use a private or content key, which must not run on a rejected envelope. */
const KEY_OPERATIONS = new Set(['decrypt', 'deriveBits', 'deriveKey', 'unwrapKey']);

/** Node's WebCrypto with a record of the key operations called through it. */
function watchedCrypto(): { crypto: Crypto; keyOperations: string[] } {
  const keyOperations: string[] = [];
  const subtle = new Proxy(testCrypto.subtle, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        if (KEY_OPERATIONS.has(String(property))) keyOperations.push(String(property));
        return Reflect.apply(value, target, args);
      };
    },
  });
  const crypto = {
    subtle,
    getRandomValues: testCrypto.getRandomValues.bind(testCrypto),
    randomUUID: testCrypto.randomUUID.bind(testCrypto),
  } as Crypto;
  return { crypto, keyOperations };
}

/** Protects a MESSAGE from alice for `recipient`, and returns it with its envelope's DER and S/MIME type. */
async function protectedEnvelope(
  recipient: string,
  contentEncryption: ContentEncryptionAlgorithm,
): Promise<{ message: SipMessage; der: Uint8Array; smimeType: SmimeType }> {
  const message = await protectMessage(mcpttInfoMessage(), {
    crypto: testCrypto,
    signer: await pki.identity('alice'),
    recipients: [pki.certificate(recipient)],
    contentEncryption,
    now: () => pki.now,
  });
  const entity = messageBodyEntity(message);
  if (entity === undefined) throw new Error('protected message has no body');
  const smimeType = entity.contentType.params.get('smime-type') as SmimeType;
  return { message, der: entity.decodedBody(), smimeType };
}

/**
 * Returns the offset in `der` of the single content octet of a version INTEGER, found with the
 * library's reader: `path` leads from the envelope SEQUENCE inside the ContentInfo.
 */
function versionOffset(der: Uint8Array, path: readonly number[]): number {
  const contentInfo = parseBer(der, 'ContentInfo');
  let node = contentInfo.children[1]?.children[0] as Asn1Node;
  for (const index of path) node = node.children[index] as Asn1Node;
  const { value } = node;
  expect(node.tagNumber).toBe(2);
  expect(value).toHaveLength(1);
  return value.byteOffset - der.byteOffset;
}

/** Returns a copy of `der` with the version INTEGER at `path` set to `version`. */
function withVersion(der: Uint8Array, path: readonly number[], version: number): Uint8Array {
  const copy = cloneBytes(der);
  copy[versionOffset(der, path)] = version;
  return copy;
}

// Paths from the envelope SEQUENCE: its version, and the version of its first RecipientInfo.
const ENVELOPE_VERSION = [0];
const RECIPIENT_VERSION = [1, 0, 0];

const cases: {
  name: string;
  recipient: string;
  encryption: ContentEncryptionAlgorithm;
  path: readonly number[];
  valid: number;
  invalid: readonly number[];
  field: string;
}[] = [
  {
    name: 'AuthEnvelopedData',
    recipient: 'server',
    encryption: 'aes-256-gcm',
    path: ENVELOPE_VERSION,
    valid: 0,
    invalid: [1, 2, 3, 4, 5],
    field: 'AuthEnvelopedData version',
  },
  {
    name: 'KeyAgreeRecipientInfo in AuthEnvelopedData',
    recipient: 'server',
    encryption: 'aes-256-gcm',
    path: RECIPIENT_VERSION,
    valid: 3,
    invalid: [0, 2, 4, 7],
    field: 'KeyAgreeRecipientInfo version',
  },
  {
    name: 'EnvelopedData with KeyAgreeRecipientInfo',
    recipient: 'server',
    encryption: 'aes-256-cbc',
    path: ENVELOPE_VERSION,
    valid: 2,
    invalid: [0, 1, 3, 4, 5],
    field: 'EnvelopedData version',
  },
  {
    name: 'EnvelopedData with KeyTransRecipientInfo',
    recipient: 'server-rsa',
    encryption: 'aes-128-cbc',
    path: ENVELOPE_VERSION,
    valid: 0,
    invalid: [1, 2, 3, 4],
    field: 'EnvelopedData version',
  },
  {
    name: 'KeyTransRecipientInfo with issuerAndSerialNumber',
    recipient: 'server-rsa',
    encryption: 'aes-256-gcm',
    path: RECIPIENT_VERSION,
    valid: 0,
    invalid: [1, 2, 3],
    field: 'KeyTransRecipientInfo version',
  },
];

describe('version fields of envelopes made by protectMessage', () => {
  for (const testCase of cases) {
    it(`${testCase.name}: accepts ${testCase.valid}, rejects others before decrypting`, async () => {
      const { message, der, smimeType } = await protectedEnvelope(
        testCase.recipient,
        testCase.encryption,
      );
      const identity = await pki.identity(testCase.recipient);
      const open = (crypto: Crypto, envelope: Uint8Array) =>
        unprotectMessage(withEntityBody(message, createPkcs7MimeEntity(envelope, smimeType)), {
          crypto,
          identity,
          trustAnchors: [pki.caCertificate],
          now: () => pki.now,
        });

      expect(parseBer(der, 'ContentInfo')).toBeDefined();
      const valid = withVersion(der, testCase.path, testCase.valid);
      expect(valid).toEqual(der);
      await expect(open(testCrypto, valid)).resolves.toBeDefined();

      for (const version of testCase.invalid) {
        const mutated = withVersion(der, testCase.path, version);
        const { crypto, keyOperations } = watchedCrypto();
        const error = await rejection(open(crypto, mutated));
        expect(error).toBeInstanceOf(CmsParseError);
        expect(error).toMatchObject({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 });
        expect(error.message).toBe(`${testCase.field} is ${version}, expected ${testCase.valid}`);
        expect(keyOperations).toEqual([]);

        const direct = await rejection(
          decryptContent({
            crypto,
            der: mutated,
            certificate: pki.certificate(testCase.recipient),
            privateKey: identity.decryptionKey,
          }),
        );
        expect(direct).toBeInstanceOf(CmsParseError);
        expect(keyOperations).toEqual([]);
      }
    });
  }
});

describe('version fields of openssl envelopes with subject key identifiers', () => {
  const OAEP = ['-keyopt', 'rsa_padding_mode:oaep', '-keyopt', 'rsa_oaep_md:sha256'];
  it.each([
    ['KeyTransRecipientInfo', 'server-rsa', OAEP, 2],
    ['KeyAgreeRecipientInfo', 'server', [], 3],
  ])('opens an EnvelopedData with a %s', async (_name, recipient, args, recipientVersion) => {
    const smime = opensslProtect(innerMcpttInfo(mcpttInfo()), [
      { op: 'sign', signer: pki.files.alice as CredentialFiles },
      {
        op: 'encrypt',
        recipient: pki.files[recipient] as CredentialFiles,
        cipher: 'aes-256-cbc',
        args: ['-keyid', ...args],
      },
    ]);
    const message = wrapInMessage(mcpttInfoMessage(), smime);
    const der = messageBodyEntity(message)?.decodedBody() ?? new Uint8Array();
    const version = (path: readonly number[]) => der[versionOffset(der, path)];
    expect([version(ENVELOPE_VERSION), version(RECIPIENT_VERSION)]).toEqual([2, recipientVersion]);

    const { security } = await unprotectMessage(message, {
      crypto: testCrypto,
      identity: await pki.identity(recipient),
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    });
    expect(security.algorithms.smimeType).toBe('enveloped-data');
  });
});

// Hand-made EnvelopedData structures for the rule of RFC 5652 §6.1. Only their structure is
// read, so the keys, names and ciphertexts are placeholders.
const ALGORITHM = derAlgorithm(OID_AES256_CBC, derOctetString(new Uint8Array(16)));
const ISSUER_AND_SERIAL = derSequence(derSequence(), derSmallInteger(7));
const SKI = derImplicitPrimitive(0, Uint8Array.of(1, 2, 3, 4));

const ktri = (version: number, rid: DerInput): DerInput =>
  derSequence(derSmallInteger(version), rid, ALGORITHM, derOctetString(new Uint8Array(8)));
const kari = (version: number): DerInput =>
  derTlv(
    0xa1,
    derSmallInteger(version),
    derExplicit(0, derTlv(0xa1, derAlgorithm(OID_EC_PUBLIC_KEY), derBitString(Uint8Array.of(4)))),
    ALGORITHM,
    derSequence(derSequence(ISSUER_AND_SERIAL, derOctetString(new Uint8Array(8)))),
  );
const kekri = derTlv(0xa2, derSmallInteger(4));
const pwri = derTlv(0xa3, derSmallInteger(0));
const ori = derTlv(0xa4, derOid('1.2.3.4'));
const originatorInfo = (...fields: DerInput[]): DerInput => derTlv(0xa0, ...fields);
const certs = (...choices: DerInput[]): DerInput => derTlv(0xa0, ...choices);
const crls = (...choices: DerInput[]): DerInput => derTlv(0xa1, ...choices);
const unprotectedAttrs = derTlv(0xa1, derSequence(derOid('1.2.3.5'), derSetOf(derSequence())));

function envelopedData(
  version: number,
  contents: { originator?: DerInput; recipients: DerInput[]; unprotected?: DerInput },
): Asn1Node {
  const der = derEncode(
    derSequence(
      derSmallInteger(version),
      ...(contents.originator === undefined ? [] : [contents.originator]),
      derSetOf(...contents.recipients),
      derSequence(derOid(OID_DATA), ALGORITHM, derImplicitPrimitive(0, new Uint8Array(16))),
      ...(contents.unprotected === undefined ? [] : [contents.unprotected]),
    ),
  );
  return parseBer(der, 'EnvelopedData');
}

const versionRules: [
  string,
  number,
  { originator?: DerInput; recipients: DerInput[]; unprotected?: DerInput },
][] = [
  [
    'KeyTransRecipientInfo with issuerAndSerialNumber',
    0,
    { recipients: [ktri(0, ISSUER_AND_SERIAL)] },
  ],
  ['KeyTransRecipientInfo with subjectKeyIdentifier', 2, { recipients: [ktri(2, SKI)] }],
  ['KeyAgreeRecipientInfo', 2, { recipients: [kari(3)] }],
  ['KEKRecipientInfo', 2, { recipients: [ktri(0, ISSUER_AND_SERIAL), kekri] }],
  [
    'an empty originatorInfo',
    2,
    { originator: originatorInfo(), recipients: [ktri(0, ISSUER_AND_SERIAL)] },
  ],
  [
    'unprotectedAttrs',
    2,
    { recipients: [ktri(0, ISSUER_AND_SERIAL)], unprotected: unprotectedAttrs },
  ],
  [
    'originatorInfo with certificates and CRLs',
    2,
    {
      originator: originatorInfo(certs(derSequence()), crls(derSequence())),
      recipients: [kari(3)],
    },
  ],
  ['PasswordRecipientInfo', 3, { recipients: [ktri(0, ISSUER_AND_SERIAL), pwri] }],
  ['OtherRecipientInfo', 3, { recipients: [ori] }],
  [
    'a version 2 attribute certificate',
    3,
    { originator: originatorInfo(certs(derTlv(0xa2))), recipients: [kari(3)] },
  ],
  [
    'a certificate of another format',
    4,
    { originator: originatorInfo(certs(derTlv(0xa3))), recipients: [ktri(0, ISSUER_AND_SERIAL)] },
  ],
  [
    'a revocation list of another format',
    4,
    { originator: originatorInfo(crls(derTlv(0xa1))), recipients: [ori] },
  ],
];

describe('EnvelopedData version by contents', () => {
  it.each(versionRules)('with %s is %i', (_name, expected, contents) => {
    expect(readEnvelope(envelopedData(expected, contents), false).authenticated).toBe(false);
    for (const version of [0, 1, 2, 3, 4, 5].filter((other) => other !== expected)) {
      const error = expectMcpttError(
        () => readEnvelope(envelopedData(version, contents), false),
        CmsParseError,
        'ERR_CMS_MALFORMED',
        400,
      );
      expect(error.message).toBe(`EnvelopedData version is ${version}, expected ${expected}`);
    }
  });

  it.each([
    [
      'KeyTransRecipientInfo with subjectKeyIdentifier',
      ktri(0, SKI),
      'KeyTransRecipientInfo',
      0,
      2,
    ],
    ['KeyTransRecipientInfo', ktri(3, ISSUER_AND_SERIAL), 'KeyTransRecipientInfo', 3, 0],
    ['KeyAgreeRecipientInfo', kari(2), 'KeyAgreeRecipientInfo', 2, 3],
  ])('rejects a %s with the wrong version', (_name, recipient, field, version, expected) => {
    const error = expectMcpttError(
      () => readEnvelope(envelopedData(2, { recipients: [recipient] }), false),
      CmsParseError,
      'ERR_CMS_MALFORMED',
      400,
    );
    expect(error.message).toBe(`${field} version is ${version}, expected ${expected}`);
  });

  it('rejects a malformed originatorInfo', () => {
    const contents = {
      originator: originatorInfo(crls(derSequence()), certs(derSequence())),
      recipients: [kari(3)],
    };
    const error = expectMcpttError(
      () => readEnvelope(envelopedData(2, contents), false),
      CmsParseError,
      'ERR_CMS_MALFORMED',
      400,
    );
    expect(error.message).toBe('originatorInfo is malformed');
  });
});
