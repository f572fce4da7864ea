/**
 * Attack tests of `prepareProtection` and the `prepared` option of `protectMessage`: whatever
 * the prepared parts are, the receiver must open exactly the sensitive parts that the message
 * carried, headers and bodies, in order.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Decode, utf8Encode } from '../../src/bytes.js';
import { MimeEntity } from '../../src/mime/entity.js';
import type { MimeHeader } from '../../src/mime/entity.js';
import { buildMultipart, parseMultipart } from '../../src/mime/multipart.js';
import { SipMessage } from '../../src/sip/message.js';
import type { LocalIdentity } from '../../src/smime/key-store.js';
import { defaultProtectionPolicy } from '../../src/smime/policy.js';
import { prepareProtection, protectMessage } from '../../src/smime/protect.js';
import type { PreparedProtection, ProtectOptions } from '../../src/smime/protect.js';
import { messageBodyEntity } from '../../src/smime/sip-body.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import {
  SDP,
  SECRET_TOKEN,
  containsText,
  mcpttInfo,
  request,
  LISTS,
  MCPTT_INFO,
  RESOURCE_LISTS,
} from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

const SEED = 424_242;

let pki: TestPki;
let alice: LocalIdentity;
let server: LocalIdentity;
let bob: LocalIdentity;
beforeAll(async () => {
  pki = await getTestPki();
  alice = await pki.identity('alice');
  server = await pki.identity('server');
  bob = await pki.identity('bob');
});

function entity(headers: readonly MimeHeader[], body: string): MimeEntity {
  return new MimeEntity(headers, utf8Encode(body));
}

function part(contentType: string, body: string): MimeEntity {
  return entity([{ name: 'Content-Type', value: contentType }], body);
}

function invite(parts: readonly MimeEntity[]): SipMessage {
  const body = buildMultipart([part('application/sdp', SDP), ...parts], 'attack-b1');
  return request('INVITE', body, 'multipart/mixed;boundary=attack-b1');
}

function options(overrides: Partial<ProtectOptions> = {}): ProtectOptions {
  return {
    crypto: testCrypto,
    signer: alice,
    recipients: [server.certificate],
    now: () => pki.now,
    ...overrides,
  };
}

interface PartView {
  readonly headers: readonly MimeHeader[];
  readonly body: string;
}

function view(e: MimeEntity): PartView {
  return {
    headers: e.headers.map(({ name, value }) => ({ name, value })),
    body: utf8Decode(e.body),
  };
}

/** Returns the parts of a plaintext message as its sender wrote them, one level deep. */
function sentParts(message: SipMessage): PartView[] {
  const body = messageBodyEntity(message);
  if (body === undefined) return [];
  const boundary = body.contentType.params.get('boundary');
  if (body.contentType.mediaType !== 'multipart/mixed' || boundary === undefined) {
    return [view(body)];
  }
  return parseMultipart(body.body, boundary).map(view);
}

/** Splits parts into those the default policy sends in clear and the sensitive ones. */
function byPolicy(parts: readonly PartView[]): { clear: PartView[]; sensitive: PartView[] } {
  const isSensitive = (p: PartView) =>
    defaultProtectionPolicy.isSensitive(
      new MimeEntity(p.headers, new Uint8Array()).contentType,
      'INVITE',
    );
  return { clear: parts.filter((p) => !isSensitive(p)), sensitive: parts.filter(isSensitive) };
}

async function openedParts(sent: SipMessage, identity: LocalIdentity = server) {
  const opened = await unprotectMessage(SipMessage.parse(sent.toBytes()), {
    crypto: testCrypto,
    identity,
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
  });
  return opened.parts.map(view);
}

/** Ways to derive a message part from a prepared part without changing its body. */
const VARIANTS: Readonly<Record<string, (e: MimeEntity) => MimeEntity>> = {
  same: (e) => e,
  lowerCaseName: (e) =>
    new MimeEntity(
      e.headers.map((h) => ({ name: h.name.toLowerCase(), value: h.value })),
      e.body,
    ),
  disposition: (e) =>
    new MimeEntity(
      [...e.headers, { name: 'Content-Disposition', value: 'render; handling=required' }],
      e.body,
    ),
  charset: (e) =>
    new MimeEntity(
      e.headers.map((h) => ({ name: h.name, value: `${h.value};charset=utf-8` })),
      e.body,
    ),
  contentId: (e) => new MimeEntity([...e.headers, { name: 'Content-ID', value: '<a@b>' }], e.body),
  trailingCrlf: (e) => new MimeEntity(e.headers, utf8Encode(`${utf8Decode(e.body)}\r\n`)),
  sdpType: (e) => new MimeEntity([{ name: 'Content-Type', value: 'application/sdp' }], e.body),
  reparsedLf: (e) => MimeEntity.parse(utf8Encode(utf8Decode(e.toBytes()).replace(/\r\n/g, '\n'))),
};

describe('prepared protection attack: the wire carries what the message says (regression)', () => {
  it('any variation of prepared parts', async () => {
    const base = [part(MCPTT_INFO, mcpttInfo()), part(RESOURCE_LISTS, LISTS)];
    const prepared = await prepareProtection(base, options());
    const variant = fc.constantFrom(...Object.keys(VARIANTS));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), variant), { minLength: 1, maxLength: 3 }),
        async (choices) => {
          const parts = choices.map(([index, name]) =>
            (VARIANTS[name] as (e: MimeEntity) => MimeEntity)(base[index] as MimeEntity),
          );
          const message = invite(parts);
          const sent = await protectMessage(message, { ...options(), prepared });
          // An info body relabelled application/sdp is sent in clear by the policy.
          const clearInfo = choices.some(([index, name]) => index === 0 && name === 'sdpType');
          if (!clearInfo) expect(containsText(sent, SECRET_TOKEN)).toBe(false);
          // protectMessage puts the clear parts first, so each group is compared in order.
          expect(byPolicy(await openedParts(sent))).toEqual(byPolicy(sentParts(message)));
        },
      ),
      { seed: SEED, numRuns: 25 },
    );
  });

  it('single body with extra SIP content headers', async () => {
    const info = part(MCPTT_INFO, mcpttInfo());
    const prepared = await prepareProtection([info], options());
    const plain = request('MESSAGE', mcpttInfo(), MCPTT_INFO);
    const withDisposition = plain.withBody(plain.body, {
      contentType: MCPTT_INFO,
      contentDisposition: 'attachment; handling=optional',
    });
    for (const message of [plain, withDisposition]) {
      const sent = await protectMessage(message, { ...options(), prepared });
      expect(await openedParts(sent)).toEqual(sentParts(message));
    }
  });

  it('prepared SDP sent in clear', async () => {
    const sdp = part('application/sdp', SDP);
    const info = part(MCPTT_INFO, mcpttInfo());
    const prepared = await prepareProtection([sdp, info], options());
    const message = invite([info]);
    const sent = await protectMessage(message, { ...options(), prepared });
    expect(await openedParts(sent)).toEqual(sentParts(message));
    expect(defaultProtectionPolicy.isSensitive(sdp.contentType, 'INVITE')).toBe(false);
  });

  it('built part body changed afterwards', async () => {
    const bytes = utf8Encode(mcpttInfo());
    const info = new MimeEntity([{ name: 'Content-Type', value: MCPTT_INFO }], bytes);
    const prepared = await prepareProtection([info], options());
    bytes[bytes.length - 3] = 0x41;
    const message = invite([new MimeEntity(info.headers, bytes.slice())]);
    const sent = await protectMessage(message, { ...options(), prepared });
    expect(await openedParts(sent)).toEqual(sentParts(message));
  });
});

describe('prepared protection attack: copies and bindings (regression)', () => {
  it('parsed part bytes changed afterwards', async () => {
    // MimeEntity.parse keeps its input without a copy. The preparation must compare against the
    // bytes that it sealed, not against the caller's buffer changed afterwards.
    const raw = utf8Encode(`Content-Type: ${MCPTT_INFO}\r\n\r\n${mcpttInfo()}`);
    const prepared: PreparedProtection = await prepareProtection(
      [MimeEntity.parse(raw)],
      options(),
    );
    raw.set(utf8Encode('Hijacked!'), raw.length - 20);
    const message = invite([MimeEntity.parse(raw.slice())]);
    const sent = await protectMessage(message, { ...options(), prepared });
    expect(await openedParts(sent)).toEqual(sentParts(message));
  });

  it('recipients differ from the preparation', async () => {
    const info = part(MCPTT_INFO, mcpttInfo());
    const prepared = await prepareProtection([info], options({ recipients: [server.certificate] }));
    const message = invite([info]);
    const sent = await protectMessage(message, {
      ...options({ recipients: [bob.certificate] }),
      prepared,
    });
    // Bob is the only recipient requested, so the envelope prepared for the server is not used.
    expect(await openedParts(sent, bob)).toEqual(sentParts(message));
  });
});
