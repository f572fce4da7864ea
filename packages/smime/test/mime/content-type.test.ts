import { describe, expect, test } from 'vitest';
import { MimeParseError } from '../../src/errors.js';
import { parseContentDisposition } from '../../src/mime/content-disposition.js';
import { formatContentType, parseContentType } from '../../src/mime/content-type.js';
import { isSipToken, isToken, parseHeaderParams } from '../../src/mime/header-params.js';
import { expectMcpttError } from './expect-error.js';

function expectMalformed(action: () => unknown): void {
  expectMcpttError(action, MimeParseError, 'ERR_MIME_MALFORMED', 400);
}

describe('parseContentType', () => {
  test('lowercases type and subtype', () => {
    const type = parseContentType('Application/PKCS7-MIME');
    expect(type.mediaType).toBe('application/pkcs7-mime');
    expect(type.type).toBe('application');
    expect(type.subtype).toBe('pkcs7-mime');
    expect(type.params.size).toBe(0);
  });

  test('lowercases names and keeps value case', () => {
    const type = parseContentType('multipart/mixed; BOUNDARY=AbC; Charset=UTF-8');
    expect(type.params.get('boundary')).toBe('AbC');
    expect(type.params.get('charset')).toBe('UTF-8');
  });

  test('unquotes a quoted boundary', () => {
    const type = parseContentType('multipart/mixed;boundary="=_mcx:1"');
    expect(type.params.get('boundary')).toBe('=_mcx:1');
  });

  test('undoes backslash escapes', () => {
    const type = parseContentType('text/plain; name="a\\"b\\\\c\\d"');
    expect(type.params.get('name')).toBe('a"b\\cd');
  });

  test('accepts LWS around slash, semicolon and equals', () => {
    const type = parseContentType(' multipart / mixed ; Boundary = "=_mcx:1" ;\tx\t=\ty ');
    expect(type.mediaType).toBe('multipart/mixed');
    expect(type.params.get('boundary')).toBe('=_mcx:1');
    expect(type.params.get('x')).toBe('y');
  });

  test('accepts folded LWS', () => {
    const type = parseContentType(
      'multipart/signed;\r\n protocol="application/pkcs7-signature";\n\tmicalg=sha-256',
    );
    expect(type.params.get('protocol')).toBe('application/pkcs7-signature');
    expect(type.params.get('micalg')).toBe('sha-256');
  });

  test('reads a fold inside a quoted-string as one space', () => {
    const type = parseContentType('text/plain; name="a\r\n b"');
    expect(type.params.get('name')).toBe('a b');
  });

  test('accepts a trailing semicolon', () => {
    const type = parseContentType('text/plain;');
    expect(type.mediaType).toBe('text/plain');
    expect(type.params.size).toBe(0);
  });

  test('keeps non-ASCII inside a quoted-string', () => {
    expect(parseContentType('text/plain; name="Grüße"').params.get('name')).toBe('Grüße');
  });

  test('reads an empty quoted value', () => {
    expect(parseContentType('text/plain; name=""').params.get('name')).toBe('');
  });

  test.each([
    ['empty value', ''],
    ['only whitespace', '   '],
    ['missing subtype', 'text'],
    ['missing subtype after slash', 'text/'],
    ['missing type', '/plain'],
    ['space inside a token', 'text/pl ain'],
    ['missing parameter value', 'text/plain; charset'],
    ['empty parameter value', 'text/plain; charset='],
    ['missing semicolon', 'text/plain charset=utf-8'],
    ['unterminated quoted-string', 'multipart/mixed; boundary="abc'],
    ['escape at the end', 'multipart/mixed; boundary="abc\\'],
    ['comment', 'text/plain (comment)'],
    ['line break without fold', 'text/plain;\r\ncharset=utf-8'],
    ['bare CR', 'text/plain;\rcharset=utf-8'],
    ['NUL inside a quoted-string', 'text/plain; name="a\u0000b"'],
    ['non-ASCII token', 'text/plaïn'],
    ['two slashes', 'text/plain/x'],
  ])('rejects %s', (_name, value) => {
    expectMalformed(() => parseContentType(value));
  });

  test('rejects duplicate parameters', () => {
    const error = expectMcpttError(
      () => parseContentType('multipart/mixed; boundary=a; Boundary="b"'),
      MimeParseError,
      'ERR_MIME_MALFORMED',
      400,
    );
    expect(error.message).toBe('invalid Content-Type: duplicate parameter at offset 29');
  });

  // A reader of RFC 2231 takes the extended value, this parser the plain one.
  test.each([
    "multipart/mixed; boundary=a; boundary*=utf-8''b",
    'multipart/mixed; BOUNDARY*0=b; boundary=a',
    "multipart/mixed; boundary=a; boundary*0*=utf-8''b",
    "application/pkcs7-mime; smime-type*=''certs-only; smime-type=enveloped-data",
  ])('rejects plain and RFC 2231 twins: %s', (value) => {
    const error = expectMcpttError(
      () => parseContentType(value),
      MimeParseError,
      'ERR_MIME_MALFORMED',
      400,
    );
    expect(error.message).toMatch(/^invalid Content-Type: duplicate parameter at offset \d+$/);
  });

  test('accepts name and filename both ways', () => {
    const type = parseContentType(
      "application/pkcs7-mime; name=smime.p7m; name*=utf-8''smime.p7m; smime-type=enveloped-data",
    );
    const disposition = parseContentDisposition(
      "attachment; filename*=utf-8''smime.p7m; filename=smime.p7m; handling=required",
    );

    expect(type.params.get('name')).toBe('smime.p7m');
    expect(disposition.params.get('filename')).toBe('smime.p7m');
  });

  test('keeps lone RFC 2231 names literal', () => {
    const type = parseContentType("text/plain; title*0=a; title*1*=utf-8''b; name*=x; a*b=c");
    expect([...type.params.keys()]).toEqual(['title*0', 'title*1*', 'name*', 'a*b']);
  });

  test('error message omits a parameter name', () => {
    const error = expectMcpttError(
      () => parseContentType('text/plain; charset=utf-8; pin-4711-for-group-sierra'),
      MimeParseError,
      'ERR_MIME_MALFORMED',
      400,
    );
    expect(error.message).toBe('invalid Content-Type: parameter has no value at offset 52');
  });

  test('error message omits the value', () => {
    const error = expectMcpttError(
      () => parseContentType('text/plain; name="secret-token'),
      MimeParseError,
      'ERR_MIME_MALFORMED',
      400,
    );
    expect(error.message).not.toContain('secret-token');
    expect(error.message).toContain('Content-Type');
  });
});

describe('formatContentType', () => {
  test('writes a bare media type', () => {
    expect(formatContentType('application/sdp')).toBe('application/sdp');
  });

  test('quotes a boundary that is not a token', () => {
    expect(formatContentType('multipart/mixed', { boundary: '=_mcx:1' })).toBe(
      'multipart/mixed; boundary="=_mcx:1"',
    );
  });

  test('leaves token values unquoted', () => {
    expect(
      formatContentType('application/pkcs7-mime', {
        'smime-type': 'enveloped-data',
        name: 'smime.p7m',
      }),
    ).toBe('application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m');
  });

  test('escapes quotes and backslashes', () => {
    expect(formatContentType('text/plain', { name: 'a"b\\c' })).toBe(
      'text/plain; name="a\\"b\\\\c"',
    );
  });

  test('quotes an empty value', () => {
    expect(formatContentType('text/plain', { name: '' })).toBe('text/plain; name=""');
  });

  test('round-trips through parseContentType', () => {
    const params = { boundary: '=_mcx:1', protocol: 'application/pkcs7-signature', q: 'a "b"' };
    const parsed = parseContentType(formatContentType('Multipart/Signed', params));
    expect(parsed.mediaType).toBe('multipart/signed');
    expect(Object.fromEntries(parsed.params)).toEqual(params);
  });

  test.each([
    ['no slash', 'text', {}],
    ['empty subtype', 'text/', {}],
    ['space in type', 'te xt/plain', {}],
    ['invalid parameter name', 'text/plain', { 'a b': 'c' }],
    ['line break in value', 'text/plain', { name: 'a\r\nb' }],
  ])('raises TypeError for %s', (_name, mediaType, params) => {
    expect(() => formatContentType(mediaType, params)).toThrow(TypeError);
  });
});

describe('parseContentDisposition', () => {
  test('reads type and handling', () => {
    const disposition = parseContentDisposition('Attachment;handling=Required;filename=smime.p7m');
    expect(disposition.type).toBe('attachment');
    expect(disposition.handling).toBe('required');
    expect(disposition.params.get('filename')).toBe('smime.p7m');
  });

  test('defaults handling to required', () => {
    expect(parseContentDisposition('session').handling).toBe('required');
  });

  test('reads optional handling', () => {
    expect(parseContentDisposition('render; handling=optional').handling).toBe('optional');
  });

  test('accepts a parameter without value', () => {
    const disposition = parseContentDisposition('recipient-list; flag');
    expect(disposition.type).toBe('recipient-list');
    expect(disposition.params.get('flag')).toBe('');
  });

  test.each([
    ['empty value', ''],
    ['duplicate parameter', 'attachment; handling=required; handling=optional'],
    ['quoted type', '"attachment"'],
  ])('rejects %s', (_name, value) => {
    expectMalformed(() => parseContentDisposition(value));
  });
});

describe('parseHeaderParams', () => {
  test('reads a list with a leading semicolon', () => {
    const params = parseHeaderParams(' ; a=1; B="x y"');
    expect(Object.fromEntries(params)).toEqual({ a: '1', b: 'x y' });
  });

  test('reads a list without a leading semicolon', () => {
    expect(Object.fromEntries(parseHeaderParams('a=1;b'))).toEqual({ a: '1', b: '' });
  });

  test('returns an empty map for empty text', () => {
    expect(parseHeaderParams('').size).toBe(0);
  });

  test('rejects a missing semicolon', () => {
    expectMalformed(() => parseHeaderParams('a=1 b=2'));
  });
});

describe('token checks', () => {
  test('RFC 2045 tokens allow more than SIP tokens', () => {
    expect(isToken('a#b')).toBe(true);
    expect(isSipToken('a#b')).toBe(false);
  });

  test.each(['', 'a b', 'a=b', 'a:b', 'a"b', 'a/b'])('rejects %j as token', (text) => {
    expect(isToken(text)).toBe(false);
    expect(isSipToken(text)).toBe(false);
  });

  test('accepts SIP token marks', () => {
    expect(isSipToken("a-.!%*_+`'~9")).toBe(true);
  });
});
