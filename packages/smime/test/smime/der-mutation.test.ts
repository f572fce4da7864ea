/**
 * Structure-aware mutation of protected messages. The CMS of each is parsed into its BER tree,
 * and one element changes: its tag, length or indefinite form, an OCTET STRING in segments, deep
 * nesting, INTEGER and OID content, BIT STRING unused bits, deletion, duplication or order. The
 * tree is then encoded again with consistent lengths around the change. Byte flips of the base64
 * mostly hit the GCM tag, while these reach the parser of every field.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { base64Encode, bytesEqual, concatBytes, utf8Encode } from '../../src/bytes.js';
import { parseBer, type Asn1Node } from '../../src/cms/der.js';
import {
  encryptContent,
  signContent,
  type ContentEncryptionAlgorithm,
} from '../../src/cms/index.js';
import { McpttError } from '../../src/errors.js';
import type { SipMessage } from '../../src/sip/message.js';
import type { LocalIdentity } from '../../src/smime/key-store.js';
import { protectMessage } from '../../src/smime/protect.js';
import { messageBodyEntity } from '../../src/smime/sip-body.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { MCPTT_INFO, mcpttInfo, mcpttInfoMessage, request } from './messages.js';
import { getTestPki, testCrypto as crypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

/** The SIP status of each code that unprotectMessage may raise. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ERR_SIP_MALFORMED: 400,
  ERR_MIME_MALFORMED: 400,
  ERR_CMS_MALFORMED: 400,
  ERR_LIMIT_EXCEEDED: 413,
  ERR_NOT_SUPPORTED: 415,
  ERR_UNDECIPHERABLE: 493,
  ERR_SIGNATURE_INVALID: 403,
  ERR_CERT_UNTRUSTED: 403,
  ERR_IDENTITY_MISMATCH: 403,
  ERR_DOWNGRADE: 403,
};

/** A BER element as a tree that a mutation may change before it is encoded again. */
interface Element {
  tagClass: number;
  tagNumber: number;
  constructed: boolean;
  indefinite: boolean;
  children: Element[];
  value: Uint8Array;
  /** Identifier and length octets written as they are, for lengths that lie. */
  header?: Uint8Array;
}

function toElement(node: Asn1Node): Element {
  return {
    tagClass: node.tagClass,
    tagNumber: node.tagNumber,
    constructed: node.constructed,
    indefinite: false,
    children: node.children.map(toElement),
    value: node.value,
  };
}

function copyElement(element: Element): Element {
  return { ...element, children: element.children.map(copyElement) };
}

function identifier(element: Element): number[] {
  const first = (element.tagClass << 6) | (element.constructed ? 0x20 : 0);
  if (element.tagNumber < 31) return [first | element.tagNumber];
  const octets = [element.tagNumber & 0x7f];
  for (let rest = element.tagNumber >> 7; rest > 0; rest >>= 7) octets.unshift(0x80 | rest);
  return [first | 0x1f, ...octets];
}

function lengthOctets(length: number): number[] {
  if (length < 0x80) return [length];
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
  return [0x80 | octets.length, ...octets];
}

function contentOf(element: Element): Uint8Array {
  return element.constructed ? concatBytes(...element.children.map(encode)) : element.value;
}

function encode(element: Element): Uint8Array {
  const content = contentOf(element);
  if (element.header !== undefined) return concatBytes(element.header, content);
  if (element.indefinite) {
    const open = Uint8Array.from([...identifier(element), 0x80]);
    return concatBytes(open, content, Uint8Array.of(0, 0));
  }
  const header = Uint8Array.from([...identifier(element), ...lengthOctets(content.length)]);
  return concatBytes(header, content);
}

function flatten(element: Element, parent?: Element): { element: Element; parent?: Element }[] {
  return [
    { element, ...(parent === undefined ? {} : { parent }) },
    ...element.children.flatMap((child) => flatten(child, element)),
  ];
}

const MUTATIONS = [
  'tag',
  'class',
  'indefinite',
  'delete',
  'duplicate',
  'reverse',
  'leading zeros',
  'negative',
  'oid overflow',
  'unused bits',
  'segments',
  'deep nesting',
  'huge length',
  'longer length',
  'shorter length',
  'truncate value',
  'flip bit',
  'empty',
] as const;

type Mutation = (typeof MUTATIONS)[number];

/** Applies `mutation` to element `index` (modulo the count) of a copy of `root`. */
function mutate(root: Element, index: number, mutation: Mutation, amount: number): Uint8Array {
  const copy = copyElement(root);
  const all = flatten(copy);
  const { element, parent } = all[index % all.length] as (typeof all)[number];
  const siblings = parent?.children;
  const at = siblings?.indexOf(element) ?? -1;
  switch (mutation) {
    case 'tag':
      element.tagNumber = amount % 40;
      break;
    case 'class':
      element.tagClass = amount % 4;
      break;
    case 'indefinite':
      element.constructed = true;
      element.indefinite = true;
      if (element.children.length === 0) element.value = new Uint8Array();
      break;
    case 'delete':
      siblings?.splice(at, 1);
      break;
    case 'duplicate':
      siblings?.splice(at, 0, copyElement(element));
      break;
    case 'reverse':
      element.children.reverse();
      break;
    case 'leading zeros':
      element.value = concatBytes(new Uint8Array(1 + (amount % 4)), element.value);
      break;
    case 'negative':
      element.value = concatBytes(Uint8Array.of(0xff), element.value);
      break;
    case 'oid overflow':
      element.value = concatBytes(new Uint8Array(10).fill(0xff), Uint8Array.of(0x01));
      break;
    case 'unused bits':
      element.value = concatBytes(Uint8Array.of(8 + (amount % 248)), element.value.subarray(1));
      break;
    case 'segments': {
      const value = contentOf(element);
      const size = 1 + (amount % 3);
      element.children = [];
      for (let start = 0; start < value.length; start += size) {
        element.children.push({
          tagClass: 0,
          tagNumber: 4,
          constructed: false,
          indefinite: false,
          children: [],
          value: value.subarray(start, start + size),
        });
      }
      element.constructed = true;
      element.indefinite = amount % 2 === 0;
      break;
    }
    case 'deep nesting': {
      let inner = copyElement(element);
      for (let level = 0; level < 70; level++) {
        inner = { ...inner, tagClass: 0, tagNumber: 16, constructed: true, children: [inner] };
        delete inner.header;
        inner.indefinite = false;
      }
      Object.assign(element, inner);
      break;
    }
    case 'huge length':
      element.header = Uint8Array.from([...identifier(element), 0x84, 0xff, 0xff, 0xff, 0xf0]);
      break;
    case 'longer length':
    case 'shorter length': {
      const length = contentOf(element).length;
      const changed = mutation === 'longer length' ? length + 1 + (amount % 3) : length - 1;
      if (changed >= 0) {
        element.header = Uint8Array.from([...identifier(element), ...lengthOctets(changed)]);
      }
      break;
    }
    case 'truncate value':
      element.value = element.value.subarray(0, amount % (element.value.length + 1));
      break;
    case 'flip bit':
      if (element.value.length > 0) {
        element.value = element.value.slice();
        const offset = amount % element.value.length;
        element.value[offset] = (element.value[offset] as number) ^ (1 << (amount % 8));
      }
      break;
    case 'empty':
      element.children = [];
      element.value = new Uint8Array();
      break;
  }
  return encode(copy);
}

interface Target {
  readonly name: string;
  readonly der: Uint8Array;
  readonly wrap: (der: Uint8Array) => SipMessage;
  /** True when the content is only signed, which the policy must then let through. */
  readonly signedOnly: boolean;
}

const INNER = utf8Encode(`Content-Type: ${MCPTT_INFO}\r\n\r\n${mcpttInfo()}`);

function pkcs7Message(der: Uint8Array, smimeType: string): SipMessage {
  return request(
    'MESSAGE',
    base64Encode(der, 76),
    `application/pkcs7-mime; smime-type=${smimeType}\r\nContent-Transfer-Encoding: base64`,
  );
}

function multipartSigned(der: Uint8Array): SipMessage {
  const body = concatBytes(
    utf8Encode('--s\r\n'),
    INNER,
    utf8Encode(
      '\r\n--s\r\nContent-Type: application/pkcs7-signature\r\n' +
        `Content-Transfer-Encoding: base64\r\n\r\n${base64Encode(der, 76)}\r\n--s--\r\n`,
    ),
  );
  return request(
    'MESSAGE',
    body,
    'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary=s',
  );
}

let pki: TestPki;
let server: LocalIdentity;
let serverRsa: LocalIdentity;
const targets: Target[] = [];

beforeAll(async () => {
  pki = await getTestPki();
  server = await pki.identity('server');
  serverRsa = await pki.identity('server-rsa');
  const alice = await pki.identity('alice');
  const aliceRsa = await pki.identity('alice-rsa');
  const algorithms: ContentEncryptionAlgorithm[] = [
    'aes-128-gcm',
    'aes-256-gcm',
    'aes-128-cbc',
    'aes-256-cbc',
  ];
  for (const algorithm of algorithms) {
    for (const [recipient, signer] of [
      [server, aliceRsa],
      [serverRsa, alice],
    ] as const) {
      const sent = await protectMessage(mcpttInfoMessage(), {
        crypto,
        signer,
        recipients: [recipient.certificate],
        now: () => pki.now,
        contentEncryption: algorithm,
      });
      const entity = messageBodyEntity(sent);
      const smimeType = entity?.contentType.params.get('smime-type') ?? '';
      targets.push({
        name: `${algorithm} for ${recipient === server ? 'EC' : 'RSA'}`,
        der: entity?.decodedBody() ?? new Uint8Array(),
        wrap: (der) => pkcs7Message(der, smimeType),
        signedOnly: false,
      });
    }
  }

  const sign = (content: Uint8Array, detached: boolean): Promise<Uint8Array> =>
    signContent({
      crypto,
      content,
      privateKey: alice.signingKey,
      certificate: alice.certificate,
      signingTime: pki.now,
      detached,
    });
  const envelope = await encryptContent({
    crypto,
    content: INNER,
    recipients: [server.certificate],
    algorithm: 'aes-128-gcm',
  });
  const envelopeEntity = utf8Encode(
    'Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data\r\n' +
      `Content-Transfer-Encoding: base64\r\n\r\n${base64Encode(envelope.der, 76)}`,
  );
  targets.push(
    {
      name: 'encrypt-then-sign',
      der: await sign(envelopeEntity, false),
      wrap: (der) => pkcs7Message(der, 'signed-data'),
      signedOnly: false,
    },
    {
      name: 'multipart/signed',
      der: await sign(INNER, true),
      wrap: multipartSigned,
      signedOnly: true,
    },
  );
});

async function open(target: Target, der: Uint8Array) {
  return unprotectMessage(target.wrap(der), {
    crypto,
    identity: target.name.endsWith('RSA') ? serverRsa : server,
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
    ...(target.signedOnly ? { policy: { isSensitive: () => false } } : {}),
  });
}

describe('structure-aware mutation of protected messages', () => {
  it('opens every target unchanged', async () => {
    expect(targets).toHaveLength(10);
    for (const target of targets) {
      const { parts } = await open(target, target.der);
      expect(
        parts.map((part) => part.contentType.mediaType),
        target.name,
      ).toEqual([MCPTT_INFO]);
    }
  });

  it('raises typed errors or opens the same content', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: targets.length - 1 }),
        fc.nat(),
        fc.constantFrom(...MUTATIONS),
        fc.nat({ max: 1000 }),
        async (which, index, mutation, amount) => {
          const target = targets[which] as Target;
          const der = mutate(toElement(parseBer(target.der, 'test')), index, mutation, amount);
          if (bytesEqual(der, target.der)) return;
          let outcome;
          try {
            outcome = await open(target, der);
          } catch (error) {
            expect(error).toBeInstanceOf(McpttError);
            const { code, sipStatus } = error as McpttError;
            expect(STATUS_BY_CODE[code], code).toBe(sipStatus);
            return;
          }
          // Only encodings that mean the same structure, such as a segmented OCTET STRING, pass.
          const [part] = outcome.parts;
          expect(outcome.parts).toHaveLength(1);
          expect(part?.toBytes()).toEqual(INNER);
          expect(outcome.security.signerUri).toBe('sip:alice@example.org');
        },
      ),
      { numRuns: 400 },
    );
  });
});
