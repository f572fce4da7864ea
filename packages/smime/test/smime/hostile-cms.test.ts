/**
 * CMS structures that a hostile peer builds by hand, with valid signatures and valid encryption
 * around fields that break the rules of RFC 5652, RFC 5083 and RFC 5084. Each must reach
 * unprotectMessage's caller as one library error with the SIP status its cause calls for.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { base64Encode, bufferSource, concatBytes, utf8Encode } from '../../src/bytes.js';
import { parseCertificate } from '../../src/cms/certificate.js';
import { encodeContentInfo } from '../../src/cms/content-info.js';
import {
  type Asn1Node,
  childrenOf,
  type DerInput,
  derAlgorithm,
  derEncode,
  derExplicit,
  derImplicitPrimitive,
  derOctetString,
  derOid,
  derSequence,
  derSetOf,
  derSmallInteger,
  derTime,
  derTlv,
  encodedBytes,
  isContext,
  parseBer,
} from '../../src/cms/der.js';
import { type ContentEncryptionAlgorithm, prepareEnvelope } from '../../src/cms/index.js';
import {
  OID_AES128_CBC,
  OID_AES128_GCM,
  OID_ATTR_CONTENT_TYPE,
  OID_ATTR_MESSAGE_DIGEST,
  OID_ATTR_SIGNING_TIME,
  OID_AUTH_ENVELOPED_DATA,
  OID_DATA,
  OID_ECDSA_SHA256,
  OID_ENVELOPED_DATA,
  OID_SHA256,
  OID_SIGNED_DATA,
} from '../../src/cms/oids.js';
import { ecdsaRawToDer } from '../../src/cms/signature.js';
import type { McpttError } from '../../src/errors.js';
import { MAX_CERTIFICATES, MAX_RECIPIENTS } from '../../src/limits.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { buildMultipart, parseMultipart } from '../../src/mime/multipart.js';
import type { SipMessage } from '../../src/sip/message.js';
import type { LocalIdentity } from '../../src/smime/key-store.js';
import { protectMessage } from '../../src/smime/protect.js';
import { messageBodyEntity } from '../../src/smime/sip-body.js';
import { unprotectMessage, type UnprotectResult } from '../../src/smime/unprotect.js';
import { rejection } from '../mime/expect-error.js';
import { MCPTT_INFO, SECRET_TOKEN, inviteWithSdp, mcpttInfo, request } from './messages.js';
import { getTestPki, testCrypto as crypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
let alice: LocalIdentity;
let alice2: LocalIdentity;
let server: LocalIdentity;

beforeAll(async () => {
  pki = await getTestPki();
  alice = await pki.identity('alice');
  alice2 = await pki.identity('alice2');
  server = await pki.identity('server');
});

/** The MIME entity every layer below carries: mcptt-info with the secret token. */
const INNER = utf8Encode(`Content-Type: ${MCPTT_INFO}\r\n\r\n${mcpttInfo()}`);

type Attribute = readonly [oid: string, values: readonly DerInput[]];

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bufferSource(bytes)));
}

/** Returns the signed attributes that a correct signer writes for `content`. */
async function standardAttributes(content: Uint8Array): Promise<Attribute[]> {
  return [
    [OID_ATTR_CONTENT_TYPE, [derOid(OID_DATA)]],
    [OID_ATTR_SIGNING_TIME, [derTime(pki.now)]],
    [OID_ATTR_MESSAGE_DIGEST, [derOctetString(await sha256(content))]],
  ];
}

interface SignedDataOptions {
  readonly content?: Uint8Array;
  /** Signed attributes; by default those of a correct signer. */
  readonly attributes?: readonly Attribute[];
  /** Unsigned attributes, written as `[1] IMPLICIT`. */
  readonly unsigned?: readonly Attribute[];
  /** Certificate named by sid and carried in the SignedData; the key is always `signer`'s. */
  readonly certificate?: Uint8Array;
  /** Other certificates carried after it. */
  readonly moreCertificates?: readonly Uint8Array[];
  readonly eContentType?: string;
  readonly detached?: boolean;
}

function encodeAttributes(attributes: readonly Attribute[]): Uint8Array[] {
  return attributes.map(([oid, values]) =>
    derEncode(derSequence(derOid(oid), derSetOf(...values))),
  );
}

/**
 * Signs by hand with `signer`'s ECDSA key, so that attributes the library would never write
 * still carry a valid signature. The attributes keep the order given, as a SET OF in DER would
 * not, because a hostile signer need not sort them.
 */
async function handSignedData(
  signer: LocalIdentity,
  options: SignedDataOptions = {},
): Promise<Uint8Array> {
  const content = options.content ?? INNER;
  const attributes = options.attributes ?? (await standardAttributes(content));
  const set = derEncode(derTlv(0x31, ...encodeAttributes(attributes)));
  const raw = new Uint8Array(
    await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      signer.signingKey,
      bufferSource(set),
    ),
  );
  const signedAttrs = set.slice();
  signedAttrs[0] = 0xa0;

  const certificate = options.certificate ?? signer.certificate;
  const parsed = parseCertificate(certificate);
  const signerInfo = derSequence(
    derSmallInteger(1),
    derSequence(parsed.issuerName, derTlv(0x02, parsed.serialNumber)),
    derAlgorithm(OID_SHA256),
    signedAttrs,
    derAlgorithm(OID_ECDSA_SHA256),
    derOctetString(ecdsaRawToDer(raw)),
    ...(options.unsigned === undefined
      ? []
      : [derTlv(0xa1, ...encodeAttributes(options.unsigned))]),
  );

  const encapsulated = derSequence(
    derOid(options.eContentType ?? OID_DATA),
    ...(options.detached === true ? [] : [derExplicit(0, derOctetString(content))]),
  );
  const signedData = derSequence(
    derSmallInteger(1),
    derSetOf(derAlgorithm(OID_SHA256)),
    encapsulated,
    derTlv(0xa0, certificate, ...(options.moreCertificates ?? [])),
    derSetOf(signerInfo),
  );
  return encodeContentInfo(OID_SIGNED_DATA, signedData);
}

/** Builds a MESSAGE from alice whose body is an application/pkcs7-mime entity around `der`. */
function pkcs7Message(der: Uint8Array, smimeType: string) {
  return request(
    'MESSAGE',
    base64Encode(der, 76),
    `application/pkcs7-mime; smime-type=${smimeType}\r\nContent-Transfer-Encoding: base64`,
  );
}

/** Builds a MESSAGE from alice whose body is multipart/signed of `content` and `signature`. */
function multipartSigned(content: Uint8Array, signature: Uint8Array, micalg = 'sha-256') {
  const body = concatBytes(
    utf8Encode('--s\r\n'),
    content,
    utf8Encode(
      '\r\n--s\r\nContent-Type: application/pkcs7-signature\r\n' +
        'Content-Transfer-Encoding: base64\r\n\r\n',
    ),
    utf8Encode(base64Encode(signature, 76)),
    utf8Encode('\r\n--s--\r\n'),
  );
  return request(
    'MESSAGE',
    body,
    `multipart/signed; protocol="application/pkcs7-signature"; micalg=${micalg}; boundary=s`,
  );
}

const signedOnly = { isSensitive: () => false };

async function open(
  message: SipMessage,
  options: { signedOnly?: boolean } = {},
): Promise<UnprotectResult> {
  return unprotectMessage(message, {
    crypto,
    identity: server,
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
    ...(options.signedOnly === true ? { policy: signedOnly } : {}),
  });
}

async function expectRejected(
  promise: Promise<UnprotectResult>,
  code: string,
  sipStatus: number,
): Promise<McpttError> {
  const error = (await rejection(promise)) as McpttError;
  expect(error).toMatchObject({ code, sipStatus });
  expect(error.message).not.toContain(SECRET_TOKEN);
  return error;
}

describe('hand-made SignedData', () => {
  it('verifies a correct hand-made signature', async () => {
    const { security, parts } = await open(
      pkcs7Message(await handSignedData(alice), 'signed-data'),
      { signedOnly: true },
    );
    expect(security.signerUri).toBe('sip:alice@example.org');
    expect(parts.map((part) => part.contentType.mediaType)).toEqual([MCPTT_INFO]);
  });

  it(`verifies with ${MAX_CERTIFICATES} certificates`, async () => {
    const moreCertificates = Array.from({ length: MAX_CERTIFICATES - 1 }, () => pki.caCertificate);
    const der = await handSignedData(alice, { moreCertificates });
    const { security } = await open(pkcs7Message(der, 'signed-data'), { signedOnly: true });
    expect(security.signerUri).toBe('sip:alice@example.org');
  });

  it(`rejects ${MAX_CERTIFICATES + 1} certificates with 413`, async () => {
    const moreCertificates = Array.from({ length: MAX_CERTIFICATES }, () => pki.caCertificate);
    const der = await handSignedData(alice, { moreCertificates });
    await expectRejected(
      open(pkcs7Message(der, 'signed-data'), { signedOnly: true }),
      'ERR_LIMIT_EXCEEDED',
      413,
    );
  });

  it('rejects a signer certificate swapped', async () => {
    // alice2 has the same SIP URI, so only the key differs.
    const der = await handSignedData(alice, { certificate: alice2.certificate });
    await expectRejected(
      open(pkcs7Message(der, 'signed-data'), { signedOnly: true }),
      'ERR_SIGNATURE_INVALID',
      403,
    );
  });

  it('rejects a mismatched contentType attribute', async () => {
    const attributes = await standardAttributes(INNER);
    attributes[0] = [OID_ATTR_CONTENT_TYPE, [derOid(OID_SIGNED_DATA)]];
    const der = await handSignedData(alice, { attributes });
    await expectRejected(
      open(pkcs7Message(der, 'signed-data'), { signedOnly: true }),
      'ERR_SIGNATURE_INVALID',
      403,
    );
  });

  it.each([
    ['missing messageDigest', (list: Attribute[]) => list.slice(0, 2)],
    ['missing contentType', (list: Attribute[]) => list.slice(1)],
    ['messageDigest twice', (list: Attribute[]) => [...list, list[2] as Attribute]],
    ['two messageDigest values', (list: Attribute[]) => withTwoValues(list, 2)],
    ['two signingTime attributes', (list: Attribute[]) => [...list, list[1] as Attribute]],
    ['two signingTime values', (list: Attribute[]) => withTwoValues(list, 1)],
    ['contentType twice', (list: Attribute[]) => [list[0] as Attribute, ...list]],
  ])('rejects %s', async (_name, change) => {
    const der = await handSignedData(alice, {
      attributes: change(await standardAttributes(INNER)),
    });
    await expectRejected(
      open(pkcs7Message(der, 'signed-data'), { signedOnly: true }),
      'ERR_SIGNATURE_INVALID',
      403,
    );
  });

  it('rejects a non-OCTET STRING messageDigest', async () => {
    const attributes = await standardAttributes(INNER);
    attributes[2] = [OID_ATTR_MESSAGE_DIGEST, [derOid(OID_DATA)]];
    await expectRejected(
      open(pkcs7Message(await handSignedData(alice, { attributes }), 'signed-data'), {
        signedOnly: true,
      }),
      'ERR_SIGNATURE_INVALID',
      403,
    );
  });

  it('ignores unsigned attributes', async () => {
    const der = await handSignedData(alice, {
      unsigned: [[OID_ATTR_SIGNING_TIME, [derTime(new Date('2001-01-01T00:00:00Z'))]]],
    });
    const { security } = await open(pkcs7Message(der, 'signed-data'), { signedOnly: true });
    // The unsigned time is not covered by the signature, so the signed one is reported.
    expect(security.signingTime?.getTime()).toBe(Math.floor(pki.now.getTime() / 1000) * 1000);
  });

  it('rejects non-data signed content', async () => {
    const attributes = await standardAttributes(INNER);
    attributes[0] = [OID_ATTR_CONTENT_TYPE, [derOid(OID_SIGNED_DATA)]];
    const der = await handSignedData(alice, { attributes, eContentType: OID_SIGNED_DATA });
    await expectRejected(
      open(pkcs7Message(der, 'signed-data'), { signedOnly: true }),
      'ERR_NOT_SUPPORTED',
      415,
    );
  });
});

function withTwoValues(list: Attribute[], index: number): Attribute[] {
  const copy = [...list];
  const [oid, values] = copy[index] as Attribute;
  copy[index] = [oid, [...values, ...values]];
  return copy;
}

describe('multipart/signed by hand', () => {
  it('verifies the part as carried', async () => {
    const der = await handSignedData(alice, { detached: true });
    const { security } = await open(multipartSigned(INNER, der), { signedOnly: true });
    expect(security.signed).toBe(true);
  });

  it('rejects CRLF changed to LF', async () => {
    const der = await handSignedData(alice, { detached: true });
    const lf = utf8Encode(new TextDecoder().decode(INNER).replaceAll('\r\n', '\n'));
    await expectRejected(
      open(multipartSigned(lf, der), { signedOnly: true }),
      'ERR_SIGNATURE_INVALID',
      403,
    );
  });

  // RFC 8551 §3.5.3: micalg names the digest for one-pass readers. The SignerInfo decides.
  it('ignores a micalg that differs', async () => {
    const der = await handSignedData(alice, { detached: true });
    const { security } = await open(multipartSigned(INNER, der, 'sha-512'), {
      signedOnly: true,
    });
    expect(security.algorithms['digest']).toBe('sha-256');
  });

  it('rejects detached and encapsulated content', async () => {
    const der = await handSignedData(alice);
    await expectRejected(
      open(multipartSigned(INNER, der), { signedOnly: true }),
      'ERR_SIGNATURE_INVALID',
      403,
    );
  });
});

interface EnvelopeOptions {
  readonly nonce?: Uint8Array;
  /** Nonce written in GCMParameters, when it differs from the one the content was sealed with. */
  readonly writtenNonce?: Uint8Array;
  /** aes-ICVlen written in GCMParameters; omitted when null. */
  readonly icvLength?: number | null;
  /** Length of the tag that GCM computes and that goes into mac. */
  readonly tagBytes?: number;
  /** Raw authAttrs content (the attributes), written as `[1] IMPLICIT` and used as AAD. */
  readonly authAttributes?: readonly Attribute[];
  readonly recipients?: readonly Uint8Array[];
  /** Number of copies of each recipient info, by default 1. */
  readonly recipientCopies?: number;
  /** Number of copies of the encrypted key inside a KeyAgreeRecipientInfo, by default 1. */
  readonly encryptedKeyCopies?: number;
  /** Content octets of the version INTEGER, by default 0. */
  readonly version?: Uint8Array;
}

/** Builds an AuthEnvelopedData by hand with AES-128-GCM, by default for `server`. */
async function handAuthEnveloped(
  content: Uint8Array,
  options: EnvelopeOptions = {},
): Promise<Uint8Array> {
  const prepared = await prepareEnvelope({
    crypto,
    recipients: options.recipients ?? [server.certificate],
    algorithm: 'aes-128-gcm',
  });
  const nonce = options.nonce ?? crypto.getRandomValues(new Uint8Array(12));
  const tagBytes = options.tagBytes ?? 16;
  const authAttrs =
    options.authAttributes === undefined
      ? undefined
      : derEncode(derTlv(0x31, ...encodeAttributes(options.authAttributes)));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      {
        name: 'AES-GCM',
        iv: bufferSource(nonce),
        tagLength: tagBytes * 8,
        ...(authAttrs === undefined ? {} : { additionalData: authAttrs }),
      },
      prepared.contentKey,
      bufferSource(content),
    ),
  );

  const icv = options.icvLength === undefined ? tagBytes : options.icvLength;
  const parameters = derSequence(
    derOctetString(options.writtenNonce ?? nonce),
    ...(icv === null ? [] : [derSmallInteger(icv)]),
  );
  const infos = Array.from({ length: options.recipientCopies ?? 1 }, () => prepared.recipientInfos)
    .flat()
    .map((info) => withEncryptedKeyCopies(info, options.encryptedKeyCopies ?? 1));
  let taggedAuthAttrs: Uint8Array[] = [];
  if (authAttrs !== undefined) {
    const tagged = authAttrs.slice();
    tagged[0] = 0xa1;
    taggedAuthAttrs = [tagged];
  }
  const authEnveloped = derSequence(
    options.version === undefined ? derSmallInteger(0) : derTlv(0x02, options.version),
    derTlv(0x31, ...infos),
    derSequence(
      derOid(OID_DATA),
      derAlgorithm(OID_AES128_GCM, parameters),
      derImplicitPrimitive(0, sealed.subarray(0, sealed.length - tagBytes)),
    ),
    ...taggedAuthAttrs,
    derOctetString(sealed.subarray(sealed.length - tagBytes)),
  );
  return encodeContentInfo(OID_AUTH_ENVELOPED_DATA, authEnveloped);
}

/** Repeats the RecipientEncryptedKeys of a KeyAgreeRecipientInfo, the last field of `[1]`. */
function withEncryptedKeyCopies(info: DerInput, copies: number): DerInput {
  if (copies === 1) return info;
  const node = parseBer(derEncode(info), 'RecipientInfo');
  if (!isContext(node, 1)) return info;
  const fields = childrenOf(node, 'KeyAgreeRecipientInfo');
  const keys = childrenOf(fields[fields.length - 1] as Asn1Node, 'recipientEncryptedKeys');
  const repeated = Array.from({ length: copies }, () => keys.map(encodedBytes)).flat();
  return derEncode(
    derTlv(0xa1, ...fields.slice(0, -1).map(encodedBytes), derSequence(...repeated)),
  );
}

/** Builds an EnvelopedData by hand with AES-128-CBC and the given IV. */
async function handEnveloped(content: Uint8Array, iv: Uint8Array): Promise<Uint8Array> {
  const prepared = await prepareEnvelope({
    crypto,
    recipients: [server.certificate],
    algorithm: 'aes-128-cbc',
  });
  // WebCrypto takes 16-byte IVs only; the IV written may differ from the one used.
  const used = iv.length === 16 ? iv : new Uint8Array(16);
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-CBC', iv: bufferSource(used) },
      prepared.contentKey,
      bufferSource(content),
    ),
  );
  const enveloped = derSequence(
    derSmallInteger(2),
    derTlv(0x31, ...prepared.recipientInfos),
    derSequence(
      derOid(OID_DATA),
      derAlgorithm(OID_AES128_CBC, derOctetString(iv)),
      derImplicitPrimitive(0, ciphertext),
    ),
  );
  return encodeContentInfo(OID_ENVELOPED_DATA, enveloped);
}

/** Returns the inner entity of a signed-then-encrypted body: the hand-made SignedData. */
async function signedInner(): Promise<Uint8Array> {
  const der = await handSignedData(alice);
  return utf8Encode(
    'Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n' +
      `Content-Transfer-Encoding: base64\r\n\r\n${base64Encode(der, 76)}`,
  );
}

describe('hand-made AuthEnvelopedData', () => {
  it('opens a correct hand-made envelope', async () => {
    const der = await handAuthEnveloped(await signedInner());
    const { security } = await open(pkcs7Message(der, 'authEnveloped-data'));
    expect(security).toMatchObject({ encrypted: true, signed: true });
  });

  it.each([4, 8])('rejects a %i-byte tag with 415', async (tagBytes) => {
    const der = await handAuthEnveloped(await signedInner(), { tagBytes });
    await expectRejected(open(pkcs7Message(der, 'authEnveloped-data')), 'ERR_NOT_SUPPORTED', 415);
  });

  it('opens a 12-byte tag', async () => {
    const der = await handAuthEnveloped(await signedInner(), { tagBytes: 12 });
    const { security } = await open(pkcs7Message(der, 'authEnveloped-data'));
    expect(security.encrypted).toBe(true);
  });

  it('rejects a tag shorter than aes-ICVlen', async () => {
    const der = await handAuthEnveloped(await signedInner(), { tagBytes: 12, icvLength: 16 });
    await expectRejected(open(pkcs7Message(der, 'authEnveloped-data')), 'ERR_UNDECIPHERABLE', 493);
  });

  it('reads absent aes-ICVlen as 12', async () => {
    const der = await handAuthEnveloped(await signedInner(), { tagBytes: 16, icvLength: null });
    await expectRejected(open(pkcs7Message(der, 'authEnveloped-data')), 'ERR_UNDECIPHERABLE', 493);
  });

  it.each([0, 65])('rejects a %i-byte nonce', async (length) => {
    const der = await handAuthEnveloped(await signedInner(), {
      writtenNonce: new Uint8Array(length),
    });
    await expectRejected(open(pkcs7Message(der, 'authEnveloped-data')), 'ERR_CMS_MALFORMED', 400);
  });

  // Node's WebCrypto refuses to seal or open with a nonce under 12 bytes.
  it.each([1, 8, 11])('gives 493 for a %i-byte nonce', async (length) => {
    const der = await handAuthEnveloped(await signedInner(), {
      writtenNonce: new Uint8Array(length),
    });
    await expectRejected(open(pkcs7Message(der, 'authEnveloped-data')), 'ERR_UNDECIPHERABLE', 493);
  });

  it.each([16, 64])('opens a %i-byte nonce', async (length) => {
    const der = await handAuthEnveloped(await signedInner(), {
      nonce: crypto.getRandomValues(new Uint8Array(length)),
    });
    const { security } = await open(pkcs7Message(der, 'authEnveloped-data'));
    expect(security.encrypted).toBe(true);
  });

  it('authenticates authAttrs', async () => {
    const authAttributes: Attribute[] = [[OID_ATTR_CONTENT_TYPE, [derOid(OID_DATA)]]];
    const der = await handAuthEnveloped(await signedInner(), { authAttributes });
    const { security } = await open(pkcs7Message(der, 'authEnveloped-data'));
    expect(security.encrypted).toBe(true);

    // The same envelope with one byte of authAttrs changed.
    const tampered = der.slice();
    const at = indexOfAttrs(tampered);
    tampered[at] = (tampered[at] ?? 0) ^ 1;
    await expectRejected(
      open(pkcs7Message(tampered, 'authEnveloped-data')),
      'ERR_UNDECIPHERABLE',
      493,
    );
  });

  // X.690 §8.3.2 forbids the leading zero octet in BER too.
  it('rejects a version with a leading zero', async () => {
    const der = await handAuthEnveloped(await signedInner(), { version: Uint8Array.of(0, 0) });
    await expectRejected(open(pkcs7Message(der, 'authEnveloped-data')), 'ERR_CMS_MALFORMED', 400);
  });

  it('opens a repeated recipient', async () => {
    const der = await handAuthEnveloped(await signedInner(), { recipientCopies: 2 });
    const { security } = await open(pkcs7Message(der, 'authEnveloped-data'));
    expect(security.encrypted).toBe(true);
  });

  it(`opens ${MAX_RECIPIENTS} recipient infos`, async () => {
    const der = await handAuthEnveloped(await signedInner(), { recipientCopies: MAX_RECIPIENTS });
    const { security } = await open(pkcs7Message(der, 'authEnveloped-data'));
    expect(security.encrypted).toBe(true);
  });

  it(`opens ${MAX_RECIPIENTS} encrypted keys of one key agreement`, async () => {
    const der = await handAuthEnveloped(await signedInner(), {
      encryptedKeyCopies: MAX_RECIPIENTS,
    });
    const { security } = await open(pkcs7Message(der, 'authEnveloped-data'));
    expect(security.encrypted).toBe(true);
  });

  it(`rejects ${MAX_RECIPIENTS + 1} encrypted keys of one key agreement with 413`, async () => {
    const der = await handAuthEnveloped(await signedInner(), {
      encryptedKeyCopies: MAX_RECIPIENTS + 1,
    });
    await expectRejected(open(pkcs7Message(der, 'authEnveloped-data')), 'ERR_LIMIT_EXCEEDED', 413);
  });

  it(`rejects ${MAX_RECIPIENTS + 1} recipient infos with 413`, async () => {
    const der = await handAuthEnveloped(await signedInner(), {
      recipientCopies: MAX_RECIPIENTS + 1,
    });
    await expectRejected(open(pkcs7Message(der, 'authEnveloped-data')), 'ERR_LIMIT_EXCEEDED', 413);
  });
});

describe('hand-made EnvelopedData', () => {
  it('opens a 16-byte IV', async () => {
    const der = await handEnveloped(
      await signedInner(),
      crypto.getRandomValues(new Uint8Array(16)),
    );
    const { security } = await open(pkcs7Message(der, 'enveloped-data'));
    expect(security.encrypted).toBe(true);
  });

  it.each([0, 8, 15, 17, 32])('rejects a %i-byte IV', async (length) => {
    const der = await handEnveloped(await signedInner(), new Uint8Array(length));
    await expectRejected(open(pkcs7Message(der, 'enveloped-data')), 'ERR_CMS_MALFORMED', 400);
  });
});

/** Offset of the last byte of the OID inside authAttrs: `a1 len 30 len 06 09 ...`. */
function indexOfAttrs(der: Uint8Array): number {
  const contentType = derOid(OID_ATTR_CONTENT_TYPE);
  for (let i = 0; i < der.length - contentType.length; i++) {
    if (der[i] === 0xa1 && contentType.every((byte, j) => der[i + 4 + j] === byte)) {
      return i + 4 + contentType.length - 1;
    }
  }
  throw new Error('authAttrs not found');
}

/** Protects alice's INVITE, then adds a clear copy of its mcptt-info after the envelope. */
async function withClearCopy(contentEncryption: ContentEncryptionAlgorithm): Promise<SipMessage> {
  const sent = await protectMessage(inviteWithSdp(), {
    crypto,
    signer: alice,
    recipients: [server.certificate],
    now: () => pki.now,
    contentEncryption,
  });
  const body = messageBodyEntity(sent) as MimeEntity;
  const parts = parseMultipart(body.body, body.contentType.params.get('boundary') ?? '');
  const copy = MimeEntity.create({ 'Content-Type': MCPTT_INFO }, mcpttInfo());
  return request(
    'INVITE',
    buildMultipart([...parts, copy], 'dup'),
    'multipart/mixed; boundary=dup',
  );
}

describe('downgrade beside an envelope', () => {
  it('rejects a clear copy beside AES-GCM', async () => {
    const error = await expectRejected(
      open(await withClearCopy('aes-128-gcm')),
      'ERR_DOWNGRADE',
      403,
    );
    expect(error.message).toBe(`sensitive ${MCPTT_INFO} part arrived in clear`);
  });

  // After AES-CBC every failure is 493, so that the response is no padding oracle.
  it('gives 493 for a clear copy beside AES-CBC', async () => {
    const error = await expectRejected(
      open(await withClearCopy('aes-128-cbc')),
      'ERR_UNDECIPHERABLE',
      493,
    );
    expect(error.cause).toMatchObject({ code: 'ERR_DOWNGRADE', sipStatus: 403 });
  });
});
