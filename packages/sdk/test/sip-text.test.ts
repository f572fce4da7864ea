import { describe, expect, it } from 'vitest';

import { buildResponseText, headerValue, splitSipText } from '../src/core/sip-text.js';

const HEADERS = {
  via: 'SIP/2.0/WSS h.example.org;branch=z9hG4bK1',
  from: '<sip:alice@example.org>;tag=1',
  to: '<sip:bob@example.org>',
  callId: 'a84b4c76e66710',
  cseq: '1 MESSAGE',
};

function requestText(headers: Partial<typeof HEADERS> = {}): string {
  const fields = { ...HEADERS, ...headers };
  return [
    'MESSAGE sip:bob@example.org SIP/2.0',
    `Via: ${fields.via}`,
    `From: ${fields.from}`,
    `To: ${fields.to}`,
    `Call-ID: ${fields.callId}`,
    `CSeq: ${fields.cseq}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function respond(text: string, options: Partial<Parameters<typeof buildResponseText>[3]> = {}) {
  return buildResponseText(splitSipText(text), 400, 'Bad Request', { toTag: 'tag1', ...options });
}

describe('buildResponseText', () => {
  it('copies the transaction header fields', () => {
    const response = respond(requestText()) ?? '';
    const parsed = splitSipText(response);

    expect(parsed.startLine).toBe('SIP/2.0 400 Bad Request');
    expect(headerValue(parsed, 'via')).toBe(HEADERS.via);
    expect(headerValue(parsed, 'from')).toBe(HEADERS.from);
    expect(headerValue(parsed, 'to')).toBe(`${HEADERS.to};tag=tag1`);
    expect(headerValue(parsed, 'call-id')).toBe(HEADERS.callId);
    expect(headerValue(parsed, 'cseq')).toBe(HEADERS.cseq);
    expect(headerValue(parsed, 'content-length')).toBe('0');
  });

  it.each([
    ['a tag among the URI parameters', '<sip:bob@example.org;tag=u1>'],
    ['a tag inside the display name', '"x;tag=d1" <sip:bob@example.org>'],
  ])('adds a To tag beside %s', (_label, to) => {
    const response = respond(requestText({ to })) ?? '';

    expect(headerValue(splitSipText(response), 'to')).toBe(`${to};tag=tag1`);
  });

  it.each(['<sip:bob@example.org>;tag', '<sip:bob@example.org>;tag='])(
    'sends nothing for a To tag without a value in %s',
    (to) => {
      expect(respond(requestText({ to }))).toBeUndefined();
    },
  );

  it('reads a request after line ends', () => {
    const parsed = splitSipText(`\r\n\r\n${requestText()}`);

    expect(parsed.startLine).toBe('MESSAGE sip:bob@example.org SIP/2.0');
    expect(headerValue(parsed, 'call-id')).toBe(HEADERS.callId);
  });

  it('keeps a To tag that the request has', () => {
    const to = '<sip:bob@example.org> ; tag=t9';
    const response = respond(requestText({ to })) ?? '';

    expect(headerValue(splitSipText(response), 'to')).toBe(to);
  });

  it('reads compact header names', () => {
    const text = requestText().replace('Call-ID:', 'i:').replace('Via:', 'v:');
    const parsed = splitSipText(respond(text) ?? '');

    expect(headerValue(parsed, 'call-id')).toBe(HEADERS.callId);
    expect(headerValue(parsed, 'via')).toBe(HEADERS.via);
  });

  it('keeps an HTAB inside a copied value', () => {
    const response = respond(requestText({ cseq: '1\tMESSAGE' })) ?? '';

    expect(headerValue(splitSipText(response), 'cseq')).toBe('1\tMESSAGE');
  });

  it('rejects a lone CR in Call-ID', () => {
    const response = respond(requestText({ callId: '1\rInjected-Header: evil' }));

    expect(response).toBeUndefined();
  });

  it.each([
    ['Via', { via: 'SIP/2.0/WSS h;branch=z9hG4bK1\rInjected-Header: evil' }],
    ['From', { from: '<sip:a@example.org>;tag=1\rInjected-Header: evil' }],
    ['To', { to: '<sip:b@example.org>\rInjected-Header: evil' }],
    ['CSeq', { cseq: '1 MESSAGE\rInjected-Header: evil' }],
    ['Call-ID with NUL', { callId: 'a\0b' }],
    ['Call-ID with DEL', { callId: 'a\u007fb' }],
    ['Call-ID with ESC', { callId: 'a\u001b[2Jb' }],
    ['Call-ID with NEL', { callId: 'a\u0085Injected-Header: evil' }],
  ])('rejects a control character in %s', (_name, headers) => {
    expect(respond(requestText(headers))).toBeUndefined();
  });

  // The server refuses these too: the response would not parse, or its To tag would be lost.
  it.each([
    ['a From that ends in a backslash', { from: '<sip:a@example.org>;p="a\\' }],
    ['an unterminated name-addr in To', { to: '<sip:b@example.org' }],
    ['an unterminated display name in To', { to: '"Bob <sip:b@example.org>' }],
  ])('builds no response to %s', (_case, headers) => {
    expect(respond(requestText(headers))).toBeUndefined();
  });

  it('rejects a lone CR in a second Via', () => {
    const text = requestText().replace(
      'Via: ',
      'Via: SIP/2.0/WSS p.example.org;branch=z9hG4bK2\rInjected-Header: evil\r\nVia: ',
    );

    expect(respond(text)).toBeUndefined();
  });

  it('rejects a control character in the reason phrase', () => {
    const request = splitSipText(requestText());

    expect(() =>
      buildResponseText(request, 400, 'Bad\r\nInjected-Header: evil', { toTag: 'tag1' }),
    ).toThrow(TypeError);
  });

  it('rejects a To tag that is not a token', () => {
    expect(() => respond(requestText(), { toTag: 'x\r\nInjected-Header: evil' })).toThrow(
      TypeError,
    );
    expect(() => respond(requestText(), { toTag: '' })).toThrow(TypeError);
  });

  it('rejects an invalid extra header field', () => {
    const badValue = [{ name: 'Warning', value: '399 h "a"\nInjected-Header: evil' }];
    const badName = [{ name: 'Bad Name', value: 'x' }];

    expect(() => respond(requestText(), { headers: badValue })).toThrow(TypeError);
    expect(() => respond(requestText(), { headers: badName })).toThrow(TypeError);
  });
});
