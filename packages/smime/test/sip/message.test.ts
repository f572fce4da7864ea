import { describe, expect, test } from 'vitest';
import { SipParseError } from '../../src/errors.js';
import { SipMessage } from '../../src/sip/message.js';
import { MESSAGE_TEXT, expectSipParseError, sipBytes, thrownBy } from './helpers.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function withLine(line: string, text = MESSAGE_TEXT): Uint8Array {
  return encoder.encode(text.replace('\r\nMax-Forwards: 70', `\r\n${line}\r\nMax-Forwards: 70`));
}

function withoutLine(prefix: string): Uint8Array {
  const lines = MESSAGE_TEXT.split('\r\n').filter((line) => !line.startsWith(prefix));
  return encoder.encode(lines.join('\r\n'));
}

function textOf(message: SipMessage): string {
  return decoder.decode(message.toBytes());
}

describe('SipMessage.parse', () => {
  test('request start line and accessors', () => {
    const message = SipMessage.parse(encoder.encode(MESSAGE_TEXT));
    expect(message.startLine).toEqual({
      type: 'request',
      method: 'MESSAGE',
      requestUri: 'sip:bob@example.org',
      version: 'SIP/2.0',
    });
    expect(message.isRequest).toBe(true);
    expect(message.method).toBe('MESSAGE');
    expect(message.callId).toBe('a84b4c76e66710@example.org');
    expect(message.cseq).toEqual({ sequence: 314159, method: 'MESSAGE' });
    expect(decoder.decode(message.body)).toBe('hello');
  });

  test('response start line', () => {
    const text = MESSAGE_TEXT.replace(
      'MESSAGE sip:bob@example.org SIP/2.0',
      'SIP/2.0 202 Accepted',
    );
    const message = SipMessage.parse(encoder.encode(text));
    expect(message.startLine).toEqual({
      type: 'response',
      status: 202,
      reasonPhrase: 'Accepted',
      version: 'SIP/2.0',
    });
    expect(message.method).toBe('MESSAGE');
  });

  test('compact and long names match', () => {
    const text = MESSAGE_TEXT.replace('Call-ID:', 'i:').replace('Content-Type:', 'C:');
    const message = SipMessage.parse(encoder.encode(text));
    expect(message.getHeader('call-id')).toBe('a84b4c76e66710@example.org');
    expect(message.getHeader('I')).toBe('a84b4c76e66710@example.org');
    expect(message.getHeader('CONTENT-TYPE')).toBe('text/plain');
    expect(message.headers.find((header) => header.value === 'text/plain')?.name).toBe('C');
  });

  test('getHeaders splits list headers', () => {
    const bytes = withLine(
      'Via: SIP/2.0/WSS b.example.org;branch=z9hG4bK2, SIP/2.0/WSS c.example.org;branch=z9hG4bK3',
    );
    const message = SipMessage.parse(bytes);
    expect(message.getHeaders('v')).toEqual([
      'SIP/2.0/WSS edge.example.org;branch=z9hG4bK776asdhds',
      'SIP/2.0/WSS b.example.org;branch=z9hG4bK2',
      'SIP/2.0/WSS c.example.org;branch=z9hG4bK3',
    ]);
    expect(message.getHeader('Via')).toBe('SIP/2.0/WSS edge.example.org;branch=z9hG4bK776asdhds');
  });

  test('getHeaders keeps quoted and bracketed commas', () => {
    const bytes = withLine('Contact: "Doe, John" <sip:a,b@example.org>;q=0.5, <sip:c@example.org>');
    expect(SipMessage.parse(bytes).getHeaders('m')).toEqual([
      '"Doe, John" <sip:a,b@example.org>;q=0.5',
      '<sip:c@example.org>',
    ]);
  });

  test('getHeaders leaves non-list headers whole', () => {
    const challenge = 'Digest realm="example.org", nonce="abc", qop="auth,auth-int"';
    const date = 'Sat, 13 Nov 2010 23:29:00 GMT';
    const message = SipMessage.parse(
      withLine(`WWW-Authenticate: ${challenge}\r\nDate: ${date}\r\nAllow: INVITE, ACK,BYE`),
    );
    expect(message.getHeaders('WWW-Authenticate')).toEqual([challenge]);
    expect(message.getHeaders('Date')).toEqual([date]);
    expect(message.getHeaders('allow')).toEqual(['INVITE', 'ACK', 'BYE']);
  });

  test('repeated fields keep their order', () => {
    const message = SipMessage.parse(
      withLine('Route: <sip:p1.example.org;lr>\r\nRoute: <sip:p2.example.org;lr>'),
    );
    expect(message.getHeaders('Route')).toEqual([
      '<sip:p1.example.org;lr>',
      '<sip:p2.example.org;lr>',
    ]);
  });

  test('folding equals one SP', () => {
    const bytes = withLine('Subject: first  \r\n \t second\r\n\tthird');
    const message = SipMessage.parse(bytes);
    expect(message.getHeader('Subject')).toBe('first second third');
    expect(message.toBytes()).toEqual(bytes);
  });

  test('folded name before the colon', () => {
    const message = SipMessage.parse(withLine('Subject\r\n : folded'));
    expect(message.getHeader('s')).toBe('folded');
  });

  test('whitespace before the colon', () => {
    const message = SipMessage.parse(withLine('Subject \t : spaced'));
    expect(message.headers.find((header) => header.value === 'spaced')?.name).toBe('Subject');
  });

  test('bare LF line ends round-trip', () => {
    const bytes = encoder.encode(MESSAGE_TEXT.replaceAll('\r\n', '\n'));
    const message = SipMessage.parse(bytes);
    expect(message.callId).toBe('a84b4c76e66710@example.org');
    expect(decoder.decode(message.body)).toBe('hello');
    expect(message.toBytes()).toEqual(bytes);
  });

  test('a changed LF message ends every line with CRLF', () => {
    const message = SipMessage.parse(encoder.encode(MESSAGE_TEXT.replaceAll('\r\n', '\n')));

    const changed = message.withBody(encoder.encode('new body'), { contentType: 'text/plain' });
    const text = decoder.decode(changed.toBytes());

    expect(text.replaceAll('\r\n', '')).not.toContain('\n');
    expect(text.endsWith('\r\n\r\nnew body')).toBe(true);
    expect(SipMessage.parse(changed.toBytes()).callId).toBe('a84b4c76e66710@example.org');
  });

  test('hasHeader finds an empty list field', () => {
    const message = SipMessage.parse(withLine('Supported:'));

    expect(message.getHeaders('Supported')).toEqual([]);
    expect(message.hasHeader('supported')).toBe(true);
    expect(message.hasHeader('Require')).toBe(false);
  });

  test('byteLength counts what toBytes writes', () => {
    const parsed = SipMessage.parse(withLine('X-Folded: a\r\n b'));
    const changed = parsed
      .withHeader('Subject', 'é and more')
      .withBody(encoder.encode('body'), { contentType: 'text/plain' });

    for (const message of [parsed, changed, parsed.withoutBody()]) {
      expect(message.byteLength).toBe(message.toBytes().length);
    }
    expect(changed.byteLength).not.toBe(parsed.byteLength);
  });

  test('CRLFs before the start line round-trip', () => {
    const bytes = encoder.encode(`\r\n\r\n${MESSAGE_TEXT}`);
    const message = SipMessage.parse(bytes);
    expect(message.method).toBe('MESSAGE');
    expect(message.toBytes()).toEqual(bytes);
  });

  test('missing Content-Length takes the rest', () => {
    const message = SipMessage.parse(withoutLine('Content-Length'));
    expect(decoder.decode(message.body)).toBe('hello');
    expect(message.getHeader('Content-Length')).toBeUndefined();
  });

  test('exactLength false ignores trailing bytes', () => {
    const bytes = encoder.encode(`${MESSAGE_TEXT}EXTRA`);
    expectSipParseError(
      () => SipMessage.parse(bytes),
      /^Content-Length smaller than the received body by 5 bytes$/,
    );
    expectSipParseError(
      () => SipMessage.parse(encoder.encode(`${MESSAGE_TEXT}\n`)),
      /^Content-Length smaller than the received body by 1 byte$/,
    );
    const message = SipMessage.parse(bytes, { exactLength: false });
    expect(decoder.decode(message.body)).toBe('hello');
    expect(message.toBytes()).toEqual(encoder.encode(MESSAGE_TEXT));
  });

  test('Content-Length past the input is rejected', () => {
    const bytes = encoder.encode(MESSAGE_TEXT.replace('Content-Length: 5', 'Content-Length: 6'));
    for (const exactLength of [true, false]) {
      expectSipParseError(() => SipMessage.parse(bytes, { exactLength }), 'Content-Length larger');
    }
  });

  test('parse copies the input', () => {
    const bytes = encoder.encode(MESSAGE_TEXT);
    const message = SipMessage.parse(bytes);
    bytes.fill(0x41);
    expect(textOf(message)).toBe(MESSAGE_TEXT);
  });

  test('contentType is undefined without a body', () => {
    const text = MESSAGE_TEXT.replace('Content-Length: 5', 'Content-Length: 0').replace(
      /hello$/,
      '',
    );
    expect(SipMessage.parse(encoder.encode(text)).contentType).toBeUndefined();
  });
});

describe('SipMessage.parse validation', () => {
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    test(`missing ${name} is rejected`, () => {
      expectSipParseError(
        () => SipMessage.parse(withoutLine(`${name}:`)),
        `missing ${name} header`,
      );
    });
  }

  const malformed: readonly [string, string][] = [
    ['CSeq: 1', 'invalid CSeq header'],
    ['CSeq: -1 MESSAGE', 'invalid CSeq header'],
    ['CSeq: 4294967296 MESSAGE', 'invalid CSeq header'],
    ['Max-Forwards: seventy', 'invalid Max-Forwards header'],
    ['Max-Forwards: 256', 'invalid Max-Forwards header'],
    ['Call-ID: two words', 'invalid Call-ID header'],
    ['Content-Type: text', 'invalid Content-Type header'],
    ['Content-Type: text/plain; charset="utf-8', 'invalid Content-Type header'],
    ['Content-Type: text/plain;; charset=utf-8', 'invalid Content-Type header'],
    ['From: <sip:alice@example.org', 'invalid From header'],
    ['To: "Bob <sip:bob@example.org>', 'invalid To header'],
    ['Via: SIP/2.0/WSS', 'invalid Via header'],
    ['Via: SIP/2.0/WSS host.example.org;branch=z9hG4bK1;;', 'invalid Via header'],
    ['Contact: sip:bob@example.org?Subject=hi', 'invalid Contact header'],
    ['Date: Sat, 13 Nov 2010 23:29:00 CET', 'invalid Date header'],
  ];
  for (const [line, message] of malformed) {
    test(`${line} is rejected`, () => {
      const name = line.slice(0, line.indexOf(':'));
      const lines = MESSAGE_TEXT.split('\r\n').filter((l) => !l.startsWith(`${name}:`));
      lines.splice(1, 0, line);
      expectSipParseError(() => SipMessage.parse(encoder.encode(lines.join('\r\n'))), message);
    });
  }

  test('CSeq 4294967295 is accepted', () => {
    const text = MESSAGE_TEXT.replace('CSeq: 314159', 'CSeq: 4294967295');
    expect(SipMessage.parse(encoder.encode(text)).cseq.sequence).toBe(4294967295);
  });

  test('repeated single-value field is rejected', () => {
    expectSipParseError(
      () => SipMessage.parse(withLine('To: <sip:carol@example.org>')),
      'multiple To headers',
    );
  });

  test('repeated Content-Transfer-Encoding is rejected', () => {
    const twice = 'Content-Transfer-Encoding: binary\r\nContent-Transfer-Encoding: base64';
    expectSipParseError(
      () => SipMessage.parse(withLine(twice)),
      'multiple Content-Transfer-Encoding headers',
    );
  });

  test('repeated Content-Disposition is rejected', () => {
    // One field marking the body optional and another required would let readers disagree.
    const twice =
      'Content-Disposition: attachment; handling=optional\r\n' +
      'Content-Disposition: attachment; handling=required';
    expectSipParseError(
      () => SipMessage.parse(withLine(twice)),
      'multiple Content-Disposition headers',
    );
  });

  test('body without Content-Type is rejected', () => {
    // RFC 3261 §20.15: Content-Type must be present when the body is not empty.
    expectSipParseError(
      () => SipMessage.parse(withoutLine('Content-Type:')),
      'missing Content-Type header',
    );
  });

  test('empty body without Content-Type is accepted', () => {
    const text = MESSAGE_TEXT.replace('Content-Type: text/plain\r\n', '')
      .replace('Content-Length: 5', 'Content-Length: 0')
      .replace(/hello$/, '');

    expect(SipMessage.parse(encoder.encode(text)).body.length).toBe(0);
  });

  test('line without a colon is rejected', () => {
    expectSipParseError(
      () => SipMessage.parse(withLine('NoColonHere')),
      'header field without a colon',
    );
  });

  test('invalid header name is rejected', () => {
    expectSipParseError(
      () => SipMessage.parse(withLine('Bad Name: x')),
      'invalid header field name',
    );
  });

  test('folded line after the start line is rejected', () => {
    const text = MESSAGE_TEXT.replace('\r\nVia:', '\r\n folded\r\nVia:');
    expectSipParseError(() => SipMessage.parse(encoder.encode(text)), 'folded line before');
  });

  test('response with status 99 is rejected', () => {
    const text = MESSAGE_TEXT.replace('MESSAGE sip:bob@example.org SIP/2.0', 'SIP/2.0 099 Low');
    expectSipParseError(() => SipMessage.parse(encoder.encode(text)), 'invalid status line');
  });

  test('lowercase version is accepted', () => {
    const text = MESSAGE_TEXT.replace('SIP/2.0\r\n', 'sip/2.0\r\n');
    expect(SipMessage.parse(encoder.encode(text)).startLine.version).toBe('sip/2.0');
  });
});

describe('SipMessage.create', () => {
  const requestLine = {
    type: 'request',
    method: 'OPTIONS',
    requestUri: 'sip:bob@example.org',
    version: 'SIP/2.0',
  } as const;
  const headers = [
    { name: 'Via', value: 'SIP/2.0/WSS a.invalid;branch=z9hG4bK1' },
    { name: 'From', value: '<sip:alice@example.org>;tag=1' },
    { name: 'To', value: '<sip:bob@example.org>' },
    { name: 'Call-ID', value: 'c1@example.org' },
    { name: 'CSeq', value: '1 OPTIONS' },
  ];

  test('serialises with a computed Content-Length', () => {
    const message = SipMessage.create(requestLine, headers);
    expect(textOf(message)).toBe(
      'OPTIONS sip:bob@example.org SIP/2.0\r\n' +
        'Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1\r\n' +
        'From: <sip:alice@example.org>;tag=1\r\n' +
        'To: <sip:bob@example.org>\r\n' +
        'Call-ID: c1@example.org\r\n' +
        'CSeq: 1 OPTIONS\r\n' +
        'Content-Length: 0\r\n\r\n',
    );
    expect(SipMessage.parse(message.toBytes()).headers).toEqual(message.headers);
  });

  test('replaces a wrong Content-Length', () => {
    const body = encoder.encode('four');
    const message = SipMessage.create(
      requestLine,
      [...headers, { name: 'Content-Length', value: '99' }, { name: 'l', value: '1' }],
      body,
    );
    expect(message.getHeaders('Content-Length')).toEqual(['4']);
    expect(message.headers.at(-1)).toEqual({ name: 'Content-Length', value: '4' });
  });

  test('rejects header injection', () => {
    const injected = { name: 'Subject', value: 'hi\r\nVia: SIP/2.0/UDP evil.example' };
    expect(thrownBy(() => SipMessage.create(requestLine, [...headers, injected]))).toBeInstanceOf(
      TypeError,
    );
    const badName = { name: 'Bad Name', value: 'x' };
    expect(thrownBy(() => SipMessage.create(requestLine, [badName]))).toBeInstanceOf(TypeError);
  });

  test('rejects an invalid start line', () => {
    const line = { ...requestLine, requestUri: 'sip:bob@example.org SIP/2.0\r\nX:' };
    expect(thrownBy(() => SipMessage.create(line, headers))).toBeInstanceOf(TypeError);
    const status = {
      type: 'response',
      status: 1000,
      reasonPhrase: 'x',
      version: 'SIP/2.0',
    } as const;
    expect(thrownBy(() => SipMessage.create(status, headers))).toBeInstanceOf(TypeError);
  });

  test('accessors raise on a missing header', () => {
    const message = SipMessage.create(requestLine, []);
    const error = thrownBy(() => message.callId);
    expect(error).toBeInstanceOf(SipParseError);
    expect((error as SipParseError).message).toBe('missing Call-ID header');
  });
});

describe('SipMessage mutators', () => {
  const original = SipMessage.parse(
    sipBytes(
      [
        'MESSAGE sip:bob@example.org SIP/2.0',
        'v: SIP/2.0/WSS edge.example.org',
        ' ;branch=z9hG4bK1',
        'f: <sip:alice@example.org>;tag=1',
        't: <sip:bob@example.org>',
        'i: m1@example.org',
        'CSeq: 1 MESSAGE',
        'Subject: one',
        'Subject: two',
        'c: text/plain',
        'Content-Transfer-Encoding: 8bit',
        'l: 5',
        '',
        'hello',
      ].join('\n'),
    ),
  );

  test('withHeader replaces every field at the first position', () => {
    const changed = original.withHeader('SUBJECT', 'three');
    expect(changed.getHeaders('Subject')).toEqual(['three']);
    expect(changed.headers[5]).toEqual({ name: 'SUBJECT', value: 'three' });
    expect(textOf(changed)).toContain('v: SIP/2.0/WSS edge.example.org\r\n ;branch=z9hG4bK1\r\n');
    expect(original.getHeaders('Subject')).toEqual(['one', 'two']);
  });

  test('withHeader appends a new field', () => {
    const changed = original.withHeader('Priority', 'urgent');
    expect(changed.headers.at(-1)).toEqual({ name: 'Priority', value: 'urgent' });
    expect(SipMessage.parse(changed.toBytes()).getHeader('Priority')).toBe('urgent');
  });

  test('withHeaders keeps one field per value', () => {
    const changed = original.withHeaders('Subject', ['a, b', 'c']);
    expect(changed.getHeaders('Subject')).toEqual(['a, b', 'c']);
    expect(changed.headers[5]).toEqual({ name: 'Subject', value: 'a, b' });
    expect(changed.headers[6]).toEqual({ name: 'Subject', value: 'c' });
    expect(SipMessage.parse(changed.toBytes()).getHeaders('Subject')).toEqual(['a, b', 'c']);
  });

  test('withHeaders appends new fields', () => {
    const changed = original.withHeaders('Priority', ['urgent', 'normal']);
    expect(changed.headers.slice(-2)).toEqual([
      { name: 'Priority', value: 'urgent' },
      { name: 'Priority', value: 'normal' },
    ]);
  });

  test('withHeaders removes the fields of an empty list', () => {
    const changed = original.withHeaders('Subject', []);
    expect(changed.getHeaders('Subject')).toEqual([]);
    expect(changed.headers.length).toBe(original.headers.length - 2);
  });

  test('withHeaders rejects a line break in a value', () => {
    expect(thrownBy(() => original.withHeaders('Subject', ['a\r\nVia: x']))).toBeInstanceOf(
      TypeError,
    );
  });

  test('withoutHeader removes every field', () => {
    const changed = original.withoutHeader('subject');
    expect(changed.getHeaders('Subject')).toEqual([]);
    expect(changed.headers.length).toBe(original.headers.length - 2);
  });

  test('Content-Length cannot be set directly', () => {
    expect(thrownBy(() => original.withHeader('l', '3'))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => original.withoutHeader('Content-Length'))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => original.withHeaders('Content-Length', ['3']))).toBeInstanceOf(TypeError);
  });

  test('withBody keeps content headers consistent', () => {
    const body = new Uint8Array([0x30, 0x82, 0x00, 0xff, 0x0d, 0x0a]);
    const changed = original.withBody(body, {
      contentType: 'application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m',
      contentTransferEncoding: 'binary',
      contentDisposition: 'attachment; handling=required; filename=smime.p7m',
    });
    const reparsed = SipMessage.parse(changed.toBytes());
    expect(reparsed.getHeader('c')).toBe(
      'application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m',
    );
    expect(reparsed.getHeaders('Content-Length')).toEqual(['6']);
    expect(reparsed.getHeader('Content-Transfer-Encoding')).toBe('binary');
    expect(reparsed.getHeader('Content-Disposition')).toBe(
      'attachment; handling=required; filename=smime.p7m',
    );
    expect(reparsed.body).toEqual(body);
  });

  test('withBody keeps the compact spelling', () => {
    const changed = original.withBody(encoder.encode('{}'), { contentType: 'application/json' });
    const names = changed.headers.map((header) => header.name);
    expect(names).toContain('c');
    expect(names).toContain('l');
    expect(names).not.toContain('Content-Type');
    expect(names).not.toContain('Content-Length');
  });

  test('withBody removes encoding and disposition not given', () => {
    const withDisposition = original.withBody(encoder.encode('x'), {
      contentType: 'text/plain',
      contentDisposition: 'render',
    });
    const changed = withDisposition.withBody(encoder.encode('xy'), { contentType: 'text/plain' });
    expect(changed.getHeader('Content-Transfer-Encoding')).toBeUndefined();
    expect(changed.getHeader('Content-Disposition')).toBeUndefined();
    expect(changed.getHeader('Content-Length')).toBe('2');
  });

  test('withBody adds long names to a long-named message', () => {
    const message = SipMessage.parse(encoder.encode(MESSAGE_TEXT)).withoutHeader('Content-Type');
    const changed = message.withBody(encoder.encode('abc'), { contentType: 'text/plain' });
    expect(changed.headers.map((header) => header.name)).toContain('Content-Type');
    expect(changed.getHeader('Content-Length')).toBe('3');
  });

  test('withBody copies the body', () => {
    const body = encoder.encode('abc');
    const changed = original.withBody(body, { contentType: 'text/plain' });
    body.fill(0);
    expect(decoder.decode(changed.body)).toBe('abc');
  });

  test('withBody rejects an injected content type', () => {
    const action = () =>
      original.withBody(encoder.encode('x'), { contentType: 'text/plain\r\nX: y' });
    expect(thrownBy(action)).toBeInstanceOf(TypeError);
  });

  test('withoutBody drops content headers', () => {
    const changed = original.withoutBody();
    expect(changed.body.length).toBe(0);
    expect(changed.getHeader('Content-Type')).toBeUndefined();
    expect(changed.getHeader('Content-Transfer-Encoding')).toBeUndefined();
    expect(changed.headers.at(-1)).toEqual({ name: 'l', value: '0' });
    expect(SipMessage.parse(changed.toBytes()).body.length).toBe(0);
  });

  test('unchanged lines keep their raw bytes', () => {
    const changed = original.withHeader('Subject', 'x');
    const text = textOf(changed);
    expect(text).toContain('MESSAGE sip:bob@example.org SIP/2.0\r\nv: SIP/2.0/WSS');
    expect(text).toContain('\r\nl: 5\r\n\r\nhello');
  });

  test('message without Content-Length gains one when changed', () => {
    const message = SipMessage.parse(withoutLine('Content-Length'));
    const changed = message.withHeader('Subject', 'x');
    expect(changed.getHeader('Content-Length')).toBe('5');
    expect(SipMessage.parse(changed.toBytes()).body).toEqual(encoder.encode('hello'));
  });
});
