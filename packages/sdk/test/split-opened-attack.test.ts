/**
 * Attack tests of `splitOpened` against `splitIncoming(opened.message)`, and of the pipeline's
 * prepared INVITE protection.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildMultipart,
  MemoryKeyStore,
  MimeEntity,
  protectMessage,
  SipMessage,
  unprotectMessage,
  utf8Decode,
  utf8Encode,
  type LocalIdentity,
} from '@mcptt-smime/smime';
import { getTestPki, type TestPki } from '../../smime/test/smime/test-pki.js';
import {
  composeMixedBody,
  splitIncoming,
  splitOpened,
  type BodyPart,
} from '../src/core/multipart-bridge.js';
import { SmimePipeline } from '../src/core/smime-pipeline.js';
import { testCrypto } from './helpers/pki.js';

const SEED = 77_001;
const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n';
const SDP_B = SDP.replace('192.0.2.1', '198.51.100.7');
const INFO_TYPE = 'application/vnd.3gpp.mcptt-info+xml';
const SECRET = 'token-5be1';

let pki: TestPki;
let alice: LocalIdentity;
let bob: LocalIdentity;
let mallory: LocalIdentity;
beforeAll(async () => {
  pki = await getTestPki();
  alice = await pki.identity('alice');
  bob = await pki.identity('bob');
  mallory = await pki.identity('mallory');
});

function requestHead(method: string, to = 'sip:bob@example.org', callId = 'split-1'): string[] {
  return [
    `${method} ${to} SIP/2.0`,
    'Via: SIP/2.0/WS a.invalid;branch=z9hG4bKsplit',
    'Max-Forwards: 70',
    'From: <sip:alice@example.org>;tag=a1',
    `To: <${to}>`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
  ];
}

function sipMessage(method: string, contentType: string, body: Uint8Array): SipMessage {
  const head = [...requestHead(method), `Content-Type: ${contentType}`];
  const text = `${[...head, `Content-Length: ${body.length}`, '', ''].join('\r\n')}`;
  const bytes = new Uint8Array(utf8Encode(text).length + body.length);
  bytes.set(utf8Encode(text));
  bytes.set(body, utf8Encode(text).length);
  return SipMessage.parse(bytes);
}

function entity(headers: Readonly<Record<string, string>>, body: string): MimeEntity {
  return MimeEntity.create(headers, body);
}

function mixed(parts: readonly MimeEntity[], boundary: string): MimeEntity {
  return entity(
    { 'Content-Type': `multipart/mixed;boundary=${boundary}` },
    utf8Decode(buildMultipart(parts, boundary)),
  );
}

/** Compares what JsSIP and the SDK get from both splits of a received message. */
async function expectSameSplit(message: SipMessage, identity?: LocalIdentity): Promise<void> {
  const received = SipMessage.parse(message.toBytes());
  const opened = await unprotectMessage(received, {
    crypto: testCrypto,
    ...(identity === undefined ? {} : { identity }),
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
  });
  const expected = splitIncoming(opened.message);
  const split = splitOpened(received, opened.parts, () => opened.message);
  expect(utf8Decode(split.message.toBytes())).toBe(utf8Decode(expected.message.toBytes()));
  expect(split.parts).toEqual(expected.parts);
}

const sdpPart = entity({ 'Content-Type': 'application/sdp' }, SDP);
const CANDIDATES: readonly MimeEntity[] = [
  sdpPart,
  entity({ 'Content-Type': 'application/sdp;charset=utf-8' }, SDP_B),
  entity({ 'Content-Type': INFO_TYPE }, `<mcpttinfo>${SECRET}</mcpttinfo>`),
  entity(
    { 'Content-Type': 'application/resource-lists+xml', 'Content-Disposition': 'recipient-list' },
    '<resource-lists/>',
  ),
  entity(
    { 'Content-Type': 'text/plain;charset=utf-8', 'Content-Transfer-Encoding': 'base64' },
    btoa('hello in base64'),
  ),
  entity({ 'Content-Type': 'application/octet-stream' }, ''),
  mixed(
    [
      entity({ 'Content-Type': INFO_TYPE }, '<inner/>'),
      entity({ 'Content-Type': 'application/sdp' }, SDP_B),
    ],
    'inner-b',
  ),
];

describe('splitOpened attack: protected messages (regression)', () => {
  it('protected messages of every method', async () => {
    const methods = ['INVITE', 'UPDATE', 'ACK', 'PRACK', 'MESSAGE', 'INFO'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...methods),
        fc.array(fc.integer({ min: 0, max: CANDIDATES.length - 1 }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.boolean(),
        async (method, indexes, single) => {
          const parts = indexes.map((index) => CANDIDATES[index] as MimeEntity);
          const first = parts[0] as MimeEntity;
          const message =
            single || parts.length === 1
              ? sipMessage(method, first.getHeader('content-type') ?? 'text/plain', first.body)
              : sipMessage(
                  method,
                  'multipart/mixed;boundary=outer-b',
                  buildMultipart(parts, 'outer-b'),
                );
          const protectedMessage = await protectMessage(message, {
            crypto: testCrypto,
            signer: alice,
            recipients: [bob.certificate],
            now: () => pki.now,
          });
          await expectSameSplit(protectedMessage, bob);
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('clear duplicate SDP parts', async () => {
    for (const method of ['INVITE', 'MESSAGE']) {
      const body = buildMultipart([sdpPart, CANDIDATES[1] as MimeEntity, sdpPart], 'dup-b');
      await expectSameSplit(sipMessage(method, 'multipart/mixed;boundary=dup-b', body));
    }
  });
});

describe('splitOpened attack: clear nested multiparts (regression)', () => {
  // When no S/MIME layer is opened, `opened.message` is the received message, still nested, and
  // `opened.parts` must be its top-level parts, not the flattened leaves.
  it('clear INVITE with nested multipart', async () => {
    const nested = mixed([entity({ 'Content-Type': 'application/sdp' }, SDP_B), sdpPart], 'n-b');
    const body = buildMultipart([sdpPart, nested], 'outer-b');
    await expectSameSplit(sipMessage('INVITE', 'multipart/mixed;boundary=outer-b', body));
  });

  it('clear INVITE with nested SDP only', async () => {
    // splitIncoming finds no top-level SDP and strips the body, and splitOpened must do the same.
    const nested = mixed([sdpPart, entity({ 'Content-Type': 'application/sdp' }, SDP_B)], 'n-b');
    const body = buildMultipart([nested], 'outer-b');
    await expectSameSplit(sipMessage('INVITE', 'multipart/mixed;boundary=outer-b', body));
  });
});

describe('SmimePipeline.prepare attack', () => {
  async function alicePipeline(): Promise<SmimePipeline> {
    const keyStore = new MemoryKeyStore({
      identities: [alice],
      trustAnchors: [pki.caCertificate],
    });
    await keyStore.setPeerCertificate('sip:bob@example.org', bob.certificate);
    await keyStore.setPeerCertificate('sip:mallory@example.org', mallory.certificate);
    return new SmimePipeline({
      crypto: testCrypto,
      keyStore,
      localUri: 'sip:alice@example.org',
      now: () => pki.now,
    });
  }

  function invite(to: string, parts: readonly BodyPart[]): string {
    const { contentType, body } = composeMixedBody(SDP, parts, testCrypto);
    return [
      ...requestHead('INVITE', to, 'prep-1'),
      `Content-Type: ${contentType}`,
      `Content-Length: ${utf8Encode(body).length}`,
      '',
      body,
    ].join('\r\n');
  }

  async function openAs(text: string, identity: LocalIdentity) {
    return unprotectMessage(SipMessage.parse(utf8Encode(text)), {
      crypto: testCrypto,
      identity,
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    });
  }

  const info: BodyPart = { contentType: INFO_TYPE, body: `<mcpttinfo>${SECRET}</mcpttinfo>` };
  const parts = [info];

  it('Content-Disposition change reseals (regression)', async () => {
    const pipeline = await alicePipeline();
    await pipeline.prepare('prep-1', 'INVITE', 'sip:bob@example.org', parts);
    const sent = await pipeline.outgoing(
      invite('sip:bob@example.org', [{ ...info, contentDisposition: 'render' }]),
    );
    const opened = await openAs(sent, bob);
    const openedInfo = opened.parts.find((p) => p.contentType.mediaType === INFO_TYPE);
    expect(openedInfo?.getHeader('Content-Disposition')).toBe('render');
  });

  it('To differs from prepared target (regression)', async () => {
    const pipeline = await alicePipeline();
    // The preparation names bob, and the INVITE that leaves with the same Call-ID is to mallory.
    await pipeline.prepare('prep-1', 'INVITE', 'sip:bob@example.org', parts);
    const sent = await pipeline.outgoing(invite('sip:mallory@example.org', parts));
    const opened = await openAs(sent, mallory);
    expect(opened.parts.map((p) => utf8Decode(p.decodedBody()))).toContain(
      `<mcpttinfo>${SECRET}</mcpttinfo>`,
    );
  });
});
