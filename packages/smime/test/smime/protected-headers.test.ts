import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Encode } from '../../src/bytes.js';
import {
  HeaderMismatchError,
  LimitExceededError,
  MimeParseError,
  UndecipherableError,
} from '../../src/errors.js';
import { MAX_HEADER_COUNT } from '../../src/limits.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { buildMultipart } from '../../src/mime/multipart.js';
import { messageBodyEntity } from '../../src/smime/sip-body.js';
import { hasControlCharacter } from '../../src/sip/grammar.js';
import { SipMessage } from '../../src/sip/message.js';
import { createProtectionPolicy } from '../../src/smime/policy.js';
import type { ProtectOptions } from '../../src/smime/protect.js';
import {
  createHeaderFragment,
  HEADER_FRAGMENT_TYPE,
  protectedHeaderValues,
  readHeaderFragment,
} from '../../src/smime/protected-headers.js';
import type { UnprotectOptions } from '../../src/smime/unprotect.js';
import { rejection } from '../mime/expect-error.js';
import { inviteWithSdp, MCPTT_INFO, mcpttInfo, mcpttInfoMessage, request } from './messages.js';
import { opensslProtect, wrapInMessage } from './openssl-peer.js';
import { protectAsAlice, unprotectAtServer } from './alice-to-server.js';
import { getTestPki } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

const protect = (message: SipMessage, extra: Partial<ProtectOptions> = {}) =>
  protectAsAlice(pki, message, extra);
const unprotect = (message: SipMessage, extra: Partial<UnprotectOptions> = {}) =>
  unprotectAtServer(pki, message, extra);

/** Returns a copy of `message` with header field lines added after its others, as written. */
function withFields(message: SipMessage, ...fields: string[]): SipMessage {
  const bytes = message.toBytes();
  let end = 0;
  while (!(bytes[end] === 0x0d && bytes[end + 1] === 0x0a && bytes[end + 2] === 0x0d)) end++;
  const added = utf8Encode(fields.map((field) => `\r\n${field}`).join(''));
  const out = new Uint8Array(bytes.length + added.length);
  out.set(bytes.subarray(0, end));
  out.set(added, end);
  out.set(bytes.subarray(end), end + added.length);
  return SipMessage.parse(out);
}

/** Returns the INVITE of the protection tests with extra header fields. */
function inviteWith(...fields: string[]): SipMessage {
  return withFields(inviteWithSdp(), ...fields);
}

/** Builds a multipart/mixed body of mcptt-info and one more part, in that order. */
function mixedBody(extra: MimeEntity): { body: Uint8Array; contentType: string } {
  const info = new MimeEntity(
    [{ name: 'Content-Type', value: MCPTT_INFO }],
    utf8Encode(mcpttInfo()),
  );
  const chunks = ['--f1\r\n', info, '\r\n--f1\r\n', extra, '\r\n--f1--\r\n'];
  const text = chunks
    .map((chunk) => (typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk.toBytes())))
    .join('');
  return { body: utf8Encode(text), contentType: 'multipart/mixed; boundary=f1' };
}

describe('protected header fields', () => {
  it('reports the signed named fields', async () => {
    const sent = await protect(inviteWith('Answer-Mode: Auto', 'Priority: emergency'), {
      protectHeaders: ['Answer-Mode', 'priority', 'Subject'],
    });
    // The copies travel inside the envelope, not next to it.
    expect(new TextDecoder().decode(sent.body)).not.toContain(HEADER_FRAGMENT_TYPE);

    const { security, parts } = await unprotect(sent);
    expect(security.protectedHeaders).toEqual([
      { name: 'Answer-Mode', value: 'Auto' },
      { name: 'priority', value: 'emergency' },
    ]);
    expect(protectedHeaderValues(security, 'answer-mode')).toEqual(['Auto']);
    expect(protectedHeaderValues(security, 'Subject')).toEqual([]);
    // The fragment describes the message, so it is not returned among the parts.
    expect(parts.map((part) => part.contentType.mediaType)).toEqual([
      'application/sdp',
      MCPTT_INFO,
    ]);
    expect(security.protectedParts).toEqual([MCPTT_INFO]);
  });

  it('omits the fragment without such fields', async () => {
    const { security, parts } = await unprotect(
      await protect(inviteWithSdp(), { protectHeaders: ['Answer-Mode'] }),
    );
    expect(security.protectedHeaders).toEqual([]);
    expect(parts).toHaveLength(2);
  });

  it('accepts compact names and extra whitespace', async () => {
    const sent = await protect(inviteWith('Subject: shift  change'), {
      protectHeaders: ['Subject'],
    });
    const relayed = withFields(sent.withoutHeader('Subject'), 's:shift \t change');
    const { security } = await unprotect(relayed);
    expect(protectedHeaderValues(security, 's')).toEqual(['shift  change']);
  });

  it('compares list fields by element', async () => {
    const sent = await protect(inviteWith('Supported: timer, 100rel'), {
      protectHeaders: ['Supported'],
    });
    const split = withFields(sent.withoutHeader('Supported'), 'Supported: timer', 'k: 100rel');
    await expect(unprotect(split)).resolves.toBeDefined();
    const reordered = sent.withHeader('Supported', '100rel, timer');
    const error = await rejection(unprotect(reordered));
    expect(error).toMatchObject({ code: 'ERR_HEADER_MISMATCH', sipStatus: 403 });
  });

  describe('rejects fields that differ from the copy', () => {
    const differs = 'answer-mode header field differs from its signed copy';
    // The name of a field that only the envelope carries stays out of the message.
    const missing = 'a signed header field is missing from the message';
    const changes: [string, (message: SipMessage) => SipMessage, string][] = [
      ['a changed value', (message) => message.withHeader('Answer-Mode', 'Manual'), differs],
      ['a removed field', (message) => message.withoutHeader('Answer-Mode'), missing],
      ['an added field', (message) => withFields(message, 'Answer-Mode: Auto'), differs],
      [
        'a value with more text',
        (message) => message.withHeader('Answer-Mode', 'Auto;require'),
        differs,
      ],
    ];
    it.each(changes)('%s', async (_name, change, expected) => {
      const sent = await protect(inviteWith('Answer-Mode: Auto'), {
        protectHeaders: ['Answer-Mode'],
      });
      const error = await rejection(unprotect(change(sent)));
      expect(error).toBeInstanceOf(HeaderMismatchError);
      expect(error).toMatchObject({ code: 'ERR_HEADER_MISMATCH', sipStatus: 403 });
      expect(error.message).toBe(expected);
    });
  });

  it('reports a CBC mismatch as 493', async () => {
    const sent = await protect(inviteWith('Answer-Mode: Auto'), {
      protectHeaders: ['Answer-Mode'],
      contentEncryption: 'aes-256-cbc',
    });
    const error = await rejection(unprotect(sent.withHeader('Answer-Mode', 'Manual')));
    expect(error).toBeInstanceOf(UndecipherableError);
    expect(error).toMatchObject({ code: 'ERR_UNDECIPHERABLE', sipStatus: 493 });
    expect(error.cause).toBeInstanceOf(HeaderMismatchError);
  });

  it('accepts two fragments that copy one field', async () => {
    const { body, contentType } = mixedBody(
      createHeaderFragment([{ name: 'Answer-Mode', value: 'Auto' }]),
    );
    const message = withFields(request('INVITE', body, contentType), 'Answer-Mode: Auto');
    const { security } = await unprotect(
      await protect(message, { protectHeaders: ['Answer-Mode', 'Call-ID'] }),
    );
    expect(security.protectedHeaders).toEqual([
      { name: 'Answer-Mode', value: 'Auto' },
      { name: 'Call-ID', value: 'test-call@example.org' },
    ]);
  });

  it('accepts an empty field', async () => {
    const sent = await protect(inviteWith('Subject:'), { protectHeaders: ['Subject'] });
    const { security } = await unprotect(sent);
    expect(security.protectedHeaders).toEqual([{ name: 'Subject', value: '' }]);
  });

  it('rejects an empty copy of an absent field', async () => {
    const sent = await protect(inviteWith('Subject:'), { protectHeaders: ['Subject'] });
    const error = await rejection(unprotect(sent.withoutHeader('Subject')));
    expect(error).toMatchObject({ code: 'ERR_HEADER_MISMATCH', sipStatus: 403 });
  });

  it('copies a name given twice once', async () => {
    const sent = await protect(inviteWith('Answer-Mode: Auto'), {
      protectHeaders: ['Answer-Mode', 'answer-mode'],
    });
    const { security } = await unprotect(sent);
    expect(security.protectedHeaders).toEqual([{ name: 'Answer-Mode', value: 'Auto' }]);
  });

  it(`rejects more than ${MAX_HEADER_COUNT} protected fields`, async () => {
    const fragment = (offset: number) =>
      createHeaderFragment(
        Array.from({ length: 200 }, (_, index) => ({
          name: `X-F${String(offset + index)}`,
          value: '',
        })),
      );
    const info = new MimeEntity(
      [{ name: 'Content-Type', value: MCPTT_INFO }],
      utf8Encode(mcpttInfo()),
    );
    const body = buildMultipart([info, fragment(0), fragment(200)], 'lim1');
    const message = request('MESSAGE', body, 'multipart/mixed; boundary=lim1');
    const error = await rejection(unprotect(await protect(message)));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error).toMatchObject({ code: 'ERR_LIMIT_EXCEEDED', sipStatus: 413 });
  });

  it('reports the oldest signingTime of two envelopes', async () => {
    const hour = 60 * 60_000;
    const envelope = async (signedAt: Date) =>
      messageBodyEntity(await protect(mcpttInfoMessage(), { now: () => signedAt })) as MimeEntity;
    const old = new Date(pki.now.getTime() + hour);
    const fresh = new Date(pki.now.getTime() + 3 * hour);
    const body = buildMultipart([await envelope(fresh), await envelope(old)], 'two1');
    const spliced = request('MESSAGE', body, 'multipart/mixed; boundary=two1');

    const { security } = await unprotect(spliced, { now: () => fresh });
    // signingTime keeps whole seconds.
    expect(security.signingTime?.getTime()).toBe(Math.floor(old.getTime() / 1000) * 1000);
  });

  it('ignores an unsigned fragment', async () => {
    const clearFragments = createProtectionPolicy({
      clearTypes: ['application/sdp', HEADER_FRAGMENT_TYPE],
    });
    const { body, contentType } = mixedBody(
      createHeaderFragment([{ name: 'Answer-Mode', value: 'Auto' }]),
    );
    const message = withFields(request('MESSAGE', body, contentType), 'Answer-Mode: Manual');
    const received = await unprotect(await protect(message, { policy: clearFragments }), {
      policy: clearFragments,
    });
    expect(received.security.signed).toBe(true);
    expect(received.security.protectedHeaders).toEqual([]);
    expect(received.parts.map((part) => part.contentType.mediaType)).toContain(
      HEADER_FRAGMENT_TYPE,
    );
  });

  it('ignores a sipfrag with a start line', async () => {
    const notify = new MimeEntity(
      [{ name: 'Content-Type', value: 'message/sipfrag;version=2.0' }],
      utf8Encode('SIP/2.0 200 OK\r\nCSeq: 1 REFER\r\n'),
    );
    const { body, contentType } = mixedBody(notify);
    const received = await unprotect(await protect(request('NOTIFY', body, contentType)));
    expect(received.security.protectedHeaders).toEqual([]);
    expect(received.parts.map((part) => part.contentType.mediaType)).toContain(
      HEADER_FRAGMENT_TYPE,
    );
  });

  describe('rejects a fragment without header fields', () => {
    const bodies: [string, string][] = [
      ['an empty part', ''],
      ['a line without a colon', 'Answer-Mode Auto\r\n'],
      ['a body after the fields', 'Answer-Mode: Auto\r\n\r\nhello\r\n'],
      ['a control character', 'Answer-Mode: Au\u0000to\r\n'],
    ];
    it.each(bodies)('%s', async (_name, text) => {
      const fragment = new MimeEntity(
        [{ name: 'Content-Type', value: HEADER_FRAGMENT_TYPE }],
        utf8Encode(text),
      );
      const { body, contentType } = mixedBody(fragment);
      const error = await rejection(
        unprotect(await protect(request('MESSAGE', body, contentType))),
      );
      expect(error).toBeInstanceOf(MimeParseError);
      expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
    });
  });

  it('round-trips any printable field value', async () => {
    const name = fc.stringMatching(/^X-[A-Za-z0-9-]{1,12}$/);
    // A quoted string that ends in a backslash would escape the line end, which SIP forbids.
    const value = fc
      .stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/)
      .filter((text) => !hasControlCharacter(text));
    const signer = await pki.identity('alice');
    await fc.assert(
      fc.asyncProperty(name, value, async (field, text) => {
        const sent = await protect(withFields(inviteWithSdp(), `${field}: ${text}`), {
          signer,
          protectHeaders: [field],
        });
        const { security } = await unprotect(sent);
        expect(protectedHeaderValues(security, field)).toEqual([text]);
      }),
      { numRuns: 25 },
    );
  });
});

describe('header fragments from openssl cms', () => {
  /** mcptt-info and a header fragment, signed then encrypted by OpenSSL for the server. */
  function opensslMessage(): SipMessage {
    const files = (name: string) => {
      const found = pki.files[name];
      if (found === undefined) throw new TypeError(name);
      return found;
    };
    const inner = [
      'Content-Type: multipart/mixed; boundary=os1',
      '',
      '--os1',
      `Content-Type: ${MCPTT_INFO}`,
      '',
      mcpttInfo(),
      '--os1',
      'Content-Type: message/sipfrag',
      '',
      'Answer-Mode: Auto',
      '--os1--',
      '',
    ].join('\r\n');
    const smime = opensslProtect(utf8Encode(inner), [
      { op: 'sign', signer: files('alice') },
      { op: 'encrypt', recipient: files('server'), cipher: 'aes-256-gcm' },
    ]);
    return withFields(wrapInMessage(mcpttInfoMessage(), smime), 'Answer-Mode: Auto');
  }

  it('reads the fields that OpenSSL signed', async () => {
    const { security } = await unprotect(opensslMessage());
    expect(security.signerUri).toBe('sip:alice@example.org');
    expect(security.protectedHeaders).toEqual([{ name: 'Answer-Mode', value: 'Auto' }]);
  });

  it('rejects such a field changed on the way', async () => {
    const error = await rejection(unprotect(opensslMessage().withHeader('Answer-Mode', 'Manual')));
    expect(error).toMatchObject({ code: 'ERR_HEADER_MISMATCH', sipStatus: 403 });
  });
});

describe('createHeaderFragment', () => {
  it('writes one field per line under message/sipfrag', () => {
    const fragment = createHeaderFragment([
      { name: 'Answer-Mode', value: ' Auto ' },
      { name: 'Subject', value: 'shift change' },
    ]);
    expect(new TextDecoder().decode(fragment.toBytes())).toBe(
      'Content-Type: message/sipfrag\r\n\r\nAnswer-Mode: Auto\r\nSubject: shift change\r\n',
    );
    expect(readHeaderFragment(fragment)).toEqual([
      { name: 'Answer-Mode', value: 'Auto' },
      { name: 'Subject', value: 'shift change' },
    ]);
  });

  const invalid: [string, { name: string; value: string }[], string][] = [
    ['no field', [], 'createHeaderFragment: headers must list at least one field'],
    [
      'a value with a line break',
      [{ name: 'Answer-Mode', value: 'Auto\r\nVia: x' }],
      'createHeaderFragment: invalid header field "Answer-Mode"',
    ],
    [
      'an escaped control character, which SIP allows in a quoted string',
      [{ name: 'To', value: '"BEL:\\\u0007" <sip:bob@example.org>' }],
      'createHeaderFragment: To value contains a control character',
    ],
    [
      'a name that is no token',
      [{ name: 'Answer Mode', value: 'Auto' }],
      'createHeaderFragment: invalid header field "Answer Mode"',
    ],
    [
      'a field that proxies change',
      [{ name: 'v', value: 'SIP/2.0/WSS a.invalid' }],
      'createHeaderFragment: v cannot be protected end to end',
    ],
    [
      'a field that describes the body',
      [{ name: 'Content-Type', value: 'text/plain' }],
      'createHeaderFragment: Content-Type cannot be protected end to end',
    ],
  ];
  it.each(invalid)('rejects %s', (_name, headers, message) => {
    expect(() => createHeaderFragment(headers)).toThrow(new TypeError(message));
  });

  it(`rejects more than ${MAX_HEADER_COUNT} fields`, () => {
    const many = Array.from({ length: MAX_HEADER_COUNT + 1 }, (_, index) => ({
      name: `X-Field-${index}`,
      value: 'x',
    }));
    expect(() => createHeaderFragment(many)).toThrow(LimitExceededError);
    expect(createHeaderFragment(many.slice(1)).contentType.mediaType).toBe(HEADER_FRAGMENT_TYPE);
  });

  it('rejects protectHeaders of the wrong type', async () => {
    const wrong = { protectHeaders: 'Answer-Mode' } as unknown as Partial<ProtectOptions>;
    await expect(protect(inviteWithSdp(), wrong)).rejects.toThrow(
      new TypeError('protectMessage: options.protectHeaders must be an array of names'),
    );
  });
});
