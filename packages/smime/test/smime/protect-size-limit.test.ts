/**
 * protectMessage rejects a message that would be too large for every receiver once protected.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Decode, utf8Encode } from '../../src/bytes.js';
import { signContent } from '../../src/cms/index.js';
import { LimitExceededError } from '../../src/errors.js';
import { MAX_CMS_LAYERS, MAX_MESSAGE_BYTES } from '../../src/limits.js';
import type { SipMessage } from '../../src/sip/message.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { protectMessage } from '../../src/smime/protect.js';
import { createMultipartSigned, createPkcs7MimeEntity } from '../../src/smime/smime-entities.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { rejection } from '../mime/expect-error.js';
import { MCPTT_INFO, SECRET_TOKEN, request } from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

/** Builds a MESSAGE from alice whose mcptt-info body is `kib` KiB long and carries the secret token. */
function largeInfoMessage(kib: number): SipMessage {
  const head = `<mcpttinfo><mcptt-Params><mcpttString>${SECRET_TOKEN}</mcpttString><pad>`;
  const tail = '</pad></mcptt-Params></mcpttinfo>\r\n';
  const body = head + 'x'.repeat(kib * 1024 - head.length - tail.length) + tail;
  return request('MESSAGE', body, MCPTT_INFO);
}

async function protect(message: SipMessage) {
  return protectMessage(message, {
    crypto: testCrypto,
    signer: await pki.identity('alice'),
    recipients: [pki.certificate('server')],
    now: () => pki.now,
  });
}

describe('protectMessage size limit', () => {
  it('rejects a protected message past MAX_MESSAGE_BYTES with 413', async () => {
    const message = largeInfoMessage(190);
    expect(message.toBytes().length).toBeLessThan(MAX_MESSAGE_BYTES);

    const error = await rejection(protect(message));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error).toMatchObject({ code: 'ERR_LIMIT_EXCEEDED', sipStatus: 413 });
    expect(error.message).toMatch(
      new RegExp(
        `^protected SIP message would be \\d+ bytes, more than ${MAX_MESSAGE_BYTES} \\(MAX_MESSAGE_BYTES\\)$`,
      ),
    );
    expect(error.message).not.toContain(SECRET_TOKEN);
  });

  it('writes a large message that still fits, which the receiver opens', async () => {
    const sent = await protect(largeInfoMessage(150));
    expect(sent.toBytes().length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);

    const { message } = await unprotectMessage(sent, {
      crypto: testCrypto,
      identity: await pki.identity('server'),
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    });
    expect(utf8Decode(message.body)).toContain(SECRET_TOKEN);
  });
});

/** Builds a MESSAGE whose body nests `levels` multipart/mixed entities around a text part. */
function nestedMessage(levels: number, clearSdp = false): SipMessage {
  let inner = 'Content-Type: text/plain\r\n\r\nhello';
  for (let level = 0; level < levels - 1; level++) {
    const boundary = `b${String(level)}`;
    inner = `Content-Type: multipart/mixed;boundary=${boundary}\r\n\r\n--${boundary}\r\n${inner}\r\n--${boundary}--`;
  }
  const sdp = clearSdp ? 'Content-Type: application/sdp\r\n\r\nv=0\r\n\r\n--top\r\n' : '';
  return request('MESSAGE', `--top\r\n${sdp}${inner}\r\n--top--`, 'multipart/mixed;boundary=top');
}

describe('protectMessage nesting limit', () => {
  // The deepest body that opens again, with and without a part in clear, then one level more.
  it.each([
    [7, false],
    [6, true],
  ])('protects %i levels, SDP in clear %s, into a message that opens', async (levels, sdp) => {
    const sent = await protect(nestedMessage(levels, sdp));

    const opened = await unprotectMessage(sent, {
      crypto: testCrypto,
      identity: await pki.identity('server'),
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    });

    expect(opened.security.signed).toBe(true);
  });

  it.each([
    [8, false],
    [7, true],
  ])('rejects %i levels, SDP in clear %s, with 413', async (levels, sdp) => {
    const error = await rejection(protect(nestedMessage(levels, sdp)));

    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error).toMatchObject({ code: 'ERR_LIMIT_EXCEEDED', sipStatus: 413 });
    expect(error.message).toContain('deeper than 8 levels (MAX_NESTING_DEPTH)');
  });
});

/** Returns alice's SignedData of `content`, detached or with the content inside. */
async function signedBy(content: Uint8Array, detached: boolean): Promise<Uint8Array> {
  const alice = await pki.identity('alice');
  return signContent({
    crypto: testCrypto,
    content,
    privateKey: alice.signingKey,
    certificate: alice.certificate,
    signingTime: pki.now,
    detached,
  });
}

/** Builds a MESSAGE whose multipart/mixed body contains `parts`. */
function messageOf(parts: readonly MimeEntity[]): SipMessage {
  const body = parts.map((part) => `--top\r\n${utf8Decode(part.toBytes())}\r\n`).join('');
  return request('MESSAGE', `${body}--top--`, 'multipart/mixed;boundary=top');
}

/** Builds a MESSAGE with alice's opaque signature around `levels` nested multiparts. */
async function opaqueSigned(levels: number): Promise<SipMessage> {
  const nested = nestedMessage(levels);
  const inner = `Content-Type: ${nested.getHeader('Content-Type') ?? ''}\r\n\r\n${utf8Decode(nested.body)}`;
  const der = await signedBy(utf8Encode(inner), false);
  return messageOf([createPkcs7MimeEntity(der, 'signed-data')]);
}

/** Builds a MESSAGE with `count` multipart/signed parts of alice side by side. */
async function detachedSigned(count: number): Promise<SipMessage> {
  const parts: MimeEntity[] = [];
  for (let index = 0; index < count; index++) {
    const content = MimeEntity.create({ 'Content-Type': 'text/plain' }, `part ${String(index)}`);
    const signature = await signedBy(content.toBytes(), true);
    parts.push(createMultipartSigned(content, signature, testCrypto));
  }
  return messageOf(parts);
}

/** Returns whether protect accepts `message`, and whether unprotect then opens the result. */
async function outcome(message: SipMessage): Promise<'rejected by protect' | 'opened' | Error> {
  const sent = await protect(message).catch((error: unknown) => error);
  if (sent instanceof LimitExceededError) return 'rejected by protect';
  if (sent instanceof Error) return sent;
  return unprotectMessage(sent as SipMessage, {
    crypto: testCrypto,
    identity: await pki.identity('server'),
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
  }).then(
    () => 'opened' as const,
    (error: unknown) => error as Error,
  );
}

describe('protectMessage and parts already signed', () => {
  // Protect rejects exactly what unprotect would reject, counting the layers that it can read.
  it.each([
    [5, 'opened'],
    [6, 'rejected by protect'],
  ])('an opaque signature around %i levels is %s', async (levels, expected) => {
    expect(await outcome(await opaqueSigned(levels))).toBe(expected);
  });

  // Protect adds a signature and an envelope to the signatures that the body carries.
  it.each([
    [MAX_CMS_LAYERS - 2, 'opened'],
    [MAX_CMS_LAYERS - 1, 'rejected by protect'],
  ])('%i multipart/signed parts are %s', async (count, expected) => {
    expect(await outcome(await detachedSigned(count))).toBe(expected);
  });
});
