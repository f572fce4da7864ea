import { describe, expect, test } from 'vitest';
import { base64Encode, utf8Decode, utf8Encode } from '../../src/bytes.js';
import {
  CmsParseError,
  LimitExceededError,
  MimeParseError,
  NotSupportedError,
} from '../../src/errors.js';
import { MAX_BODY_BYTES, MAX_HEADER_COUNT, MAX_HEADER_SECTION_BYTES } from '../../src/limits.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { expectMcpttError } from './expect-error.js';

const text = (value: string): Uint8Array => utf8Encode(value);

describe('MimeEntity.parse', () => {
  test('splits headers from body at the empty line', () => {
    const entity = MimeEntity.parse(text('Content-Type: text/plain\r\nX-A: 1\r\n\r\nhello'));
    expect(entity.headers).toEqual([
      { name: 'Content-Type', value: 'text/plain' },
      { name: 'X-A', value: '1' },
    ]);
    expect(utf8Decode(entity.body)).toBe('hello');
  });

  test('splits only at the first empty line', () => {
    const entity = MimeEntity.parse(
      text('Content-Type: message/cpim\r\n\r\nA: 1\r\n\r\nB: 2\r\n\r\nbody'),
    );
    expect(entity.headers).toHaveLength(1);
    expect(utf8Decode(entity.body)).toBe('A: 1\r\n\r\nB: 2\r\n\r\nbody');
  });

  test('accepts bare LF line ends', () => {
    const entity = MimeEntity.parse(text('Content-Type: text/plain\nX-A: 1\n\nline 1\nline 2'));
    expect(entity.getHeader('x-a')).toBe('1');
    expect(utf8Decode(entity.body)).toBe('line 1\nline 2');
  });

  test('treats an entity without empty line as headers only', () => {
    const entity = MimeEntity.parse(text('Content-Type: text/plain\r\n'));
    expect(entity.contentType.mediaType).toBe('text/plain');
    expect(entity.body).toHaveLength(0);
  });

  test('reads headers without a final line end', () => {
    const entity = MimeEntity.parse(text('Content-Type: text/html'));
    expect(entity.contentType.mediaType).toBe('text/html');
    expect(entity.body).toHaveLength(0);
  });

  test('reads a leading empty line as no headers', () => {
    const entity = MimeEntity.parse(text('\r\nContent-Type: text/html'));
    expect(entity.headers).toHaveLength(0);
    expect(utf8Decode(entity.body)).toBe('Content-Type: text/html');
  });

  test('reads a leading bare LF as no headers', () => {
    const entity = MimeEntity.parse(text('\nbody'));
    expect(entity.headers).toHaveLength(0);
    expect(utf8Decode(entity.body)).toBe('body');
  });

  test('reads empty input as an empty entity', () => {
    const entity = MimeEntity.parse(new Uint8Array(0));
    expect(entity.headers).toHaveLength(0);
    expect(entity.body).toHaveLength(0);
  });

  test('unfolds continuation lines into one space', () => {
    const entity = MimeEntity.parse(text('X-Odd-Value: first part\r\n   second\r\n\tpart\r\n\r\n'));
    expect(entity.getHeader('X-Odd-Value')).toBe('first part second part');
  });

  test('drops whitespace before the colon', () => {
    const entity = MimeEntity.parse(text('Content-Type  : text/plain\r\n\r\n'));
    expect(entity.headers[0]?.name).toBe('Content-Type');
  });

  test('keeps the exact input in raw', () => {
    const bytes = text('content-type: text/plain\n\nx\r\n');
    const entity = MimeEntity.parse(bytes);
    expect(entity.raw).toBe(bytes);
    expect(entity.toBytes()).toBe(bytes);
  });

  test('keeps a header value with UTF-8', () => {
    const entity = MimeEntity.parse(text('Subject: Grüße\r\n\r\n'));
    expect(entity.getHeader('subject')).toBe('Grüße');
  });

  test.each([
    ['a fold first', ' folded: x\r\n\r\n'],
    ['a line without colon', 'Content-Type text/plain\r\n\r\n'],
    ['an empty name', ': value\r\n\r\n'],
    ['a space in the name', 'Content Type: text/plain\r\n\r\n'],
    ['a bare CR', 'X-A: 1\rX-B: 2\r\n\r\n'],
    ['a NUL in a value', 'X-A: 1\u0000\r\n\r\n'],
    ['a malformed Content-Type', 'Content-Type: text\r\n\r\n'],
  ])('rejects %s', (_name, input) => {
    expectMcpttError(
      () => MimeEntity.parse(text(input)),
      MimeParseError,
      'ERR_MIME_MALFORMED',
      400,
    );
  });

  test('rejects headers that are not UTF-8', () => {
    const bytes = new Uint8Array([...text('X-A: '), 0xff, 0xfe, ...text('\r\n\r\n')]);
    expectMcpttError(() => MimeEntity.parse(bytes), MimeParseError, 'ERR_MIME_MALFORMED', 400);
  });

  test('accepts binary bytes in the body', () => {
    const bytes = new Uint8Array([
      ...text('Content-Transfer-Encoding: binary\r\n\r\n'),
      0,
      0xff,
      0x0d,
    ]);
    expect(Array.from(MimeEntity.parse(bytes).decodedBody())).toEqual([0, 0xff, 0x0d]);
  });

  test('rejects a header section past the limit', () => {
    const bytes = text(`X-Long: ${'a'.repeat(MAX_HEADER_SECTION_BYTES)}\r\n\r\nbody`);
    expectMcpttError(() => MimeEntity.parse(bytes), LimitExceededError, 'ERR_LIMIT_EXCEEDED', 413);
  });

  test('rejects a header-only entity past the limit', () => {
    const bytes = text(`X-Long: ${'a'.repeat(MAX_HEADER_SECTION_BYTES)}`);
    expectMcpttError(() => MimeEntity.parse(bytes), LimitExceededError, 'ERR_LIMIT_EXCEEDED', 413);
  });

  test('rejects too many header fields', () => {
    const bytes = text(`${'X-A: 1\r\n'.repeat(MAX_HEADER_COUNT + 1)}\r\n`);
    expectMcpttError(() => MimeEntity.parse(bytes), LimitExceededError, 'ERR_LIMIT_EXCEEDED', 413);
  });

  test('accepts the maximum header count', () => {
    const bytes = text(`${'X-A: 1\r\n'.repeat(MAX_HEADER_COUNT)}\r\n`);
    expect(MimeEntity.parse(bytes).headers).toHaveLength(MAX_HEADER_COUNT);
  });
});

describe('MimeEntity.contentType', () => {
  test('defaults to text/plain us-ascii', () => {
    const type = MimeEntity.parse(text('\r\nhello')).contentType;
    expect(type.mediaType).toBe('text/plain');
    expect(type.params.get('charset')).toBe('us-ascii');
  });

  test('matches the header name case-insensitively', () => {
    const entity = MimeEntity.create({ 'CONTENT-TYPE': 'Application/SDP' });
    expect(entity.contentType.mediaType).toBe('application/sdp');
  });

  test('rejects two Content-Type fields', () => {
    const bytes = text('Content-Type: text/plain\r\ncontent-type: application/sdp\r\n\r\n');
    expectMcpttError(() => MimeEntity.parse(bytes), MimeParseError, 'ERR_MIME_MALFORMED', 400);
  });

  test('rejects two Content-Transfer-Encoding fields', () => {
    const bytes = text(
      'Content-Type: application/sdp\r\nContent-Transfer-Encoding: base64\r\n' +
        'content-transfer-encoding: 7bit\r\n\r\nYQ==',
    );
    expectMcpttError(() => MimeEntity.parse(bytes), MimeParseError, 'ERR_MIME_MALFORMED', 400);
  });
});

describe('MimeEntity.decodedBody', () => {
  const der = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff);

  test.each([
    ['76 columns CRLF', base64Encode(der, 76)],
    ['64 columns LF', base64Encode(der, 64).replaceAll('\r\n', '\n')],
    ['one line', base64Encode(der)],
    ['spaces and tabs', base64Encode(der, 10).replaceAll('\r\n', ' \t')],
    ['trailing line end', `${base64Encode(der, 76)}\r\n`],
  ])('decodes base64 in %s', (_name, encoded) => {
    const entity = MimeEntity.create({ 'Content-Transfer-Encoding': 'BASE64' }, encoded);
    expect(entity.decodedBody()).toEqual(der);
  });

  test.each(['7bit', '8bit', 'binary', 'Binary'])('returns the body as is for %s', (encoding) => {
    const entity = MimeEntity.create({ 'Content-Transfer-Encoding': encoding }, der);
    expect(entity.decodedBody()).toEqual(der);
  });

  test('returns the body as is without encoding', () => {
    expect(MimeEntity.create({}, der).decodedBody()).toEqual(der);
  });

  test('decodes quoted-printable', () => {
    const entity = MimeEntity.create(
      { 'Content-Transfer-Encoding': 'quoted-printable' },
      'Gr=C3=BC=C3=9Fe   \nsoft =\r\nbreak=20\r\nend=3D',
    );
    expect(utf8Decode(entity.decodedBody())).toBe('Grüße\r\nsoft break \r\nend=');
  });

  test('rejects invalid base64 as MIME error', () => {
    const entity = MimeEntity.create({ 'Content-Transfer-Encoding': 'base64' }, 'MIIB*A==');
    const error = expectMcpttError(
      () => entity.decodedBody(),
      MimeParseError,
      'ERR_MIME_MALFORMED',
      400,
    );
    expect(error.cause).toBeInstanceOf(CmsParseError);
  });

  test('rejects non-ASCII bytes in base64', () => {
    const entity = MimeEntity.create({ 'Content-Transfer-Encoding': 'base64' }, 'TUlJ\u00e9');
    expectMcpttError(() => entity.decodedBody(), MimeParseError, 'ERR_MIME_MALFORMED', 400);
  });

  test('rejects a truncated base64 group', () => {
    const entity = MimeEntity.create({ 'Content-Transfer-Encoding': 'base64' }, 'TUlJQ');
    expectMcpttError(() => entity.decodedBody(), MimeParseError, 'ERR_MIME_MALFORMED', 400);
  });

  test('rejects an unknown encoding', () => {
    const entity = MimeEntity.create({ 'Content-Transfer-Encoding': 'x-uuencode' }, 'abc');
    expectMcpttError(() => entity.decodedBody(), NotSupportedError, 'ERR_NOT_SUPPORTED', 415);
  });

  test('rejects two encodings', () => {
    const entity = new MimeEntity(
      [
        { name: 'Content-Transfer-Encoding', value: 'binary' },
        { name: 'Content-Transfer-Encoding', value: 'base64' },
      ],
      text('abc'),
    );
    expectMcpttError(() => entity.decodedBody(), MimeParseError, 'ERR_MIME_MALFORMED', 400);
  });

  test('rejects a decoded body past the limit', () => {
    const entity = MimeEntity.create(
      { 'Content-Transfer-Encoding': 'base64' },
      base64Encode(new Uint8Array(MAX_BODY_BYTES + 1), 76),
    );
    expectMcpttError(() => entity.decodedBody(), LimitExceededError, 'ERR_LIMIT_EXCEEDED', 413);
  });
});

describe('MimeEntity.toBytes', () => {
  test('writes CRLF header lines, an empty line and the body', () => {
    const entity = MimeEntity.create({ 'Content-Type': 'text/plain', 'X-A': '1' }, 'a\nb');
    expect(utf8Decode(entity.toBytes())).toBe('Content-Type: text/plain\r\nX-A: 1\r\n\r\na\nb');
  });

  test('writes an empty line for an entity without headers', () => {
    expect(utf8Decode(MimeEntity.create({}, 'x').toBytes())).toBe('\r\nx');
  });

  test('round-trips a built entity', () => {
    const built = MimeEntity.create({ 'Content-Type': 'application/sdp' }, 'v=0\r\n\r\n');
    const parsed = MimeEntity.parse(built.toBytes());
    expect(parsed.headers).toEqual(built.headers);
    expect(parsed.body).toEqual(built.body);
  });
});

describe('MimeEntity constructor', () => {
  test.each([
    ['line break in a value', 'X-A', 'a\r\nb'],
    ['bare LF in a value', 'X-A', 'a\nb'],
    ['bare CR in a value', 'X-A', 'a\rb'],
    ['colon in a name', 'X:A', 'a'],
    ['empty name', '', 'a'],
  ])('raises TypeError for %s', (_case, name, value) => {
    expect(() => new MimeEntity([{ name, value }], new Uint8Array(0))).toThrow(TypeError);
  });

  test('accepts a value with a NUL', () => {
    const entity = new MimeEntity([{ name: 'X-A', value: 'a\u0000b' }], new Uint8Array(0));
    expect(entity.getHeader('x-a')).toBe('a\u0000b');
  });

  test('copies the header list', () => {
    const headers = [{ name: 'X-A', value: '1' }];
    const entity = new MimeEntity(headers, new Uint8Array(0));
    headers.push({ name: 'X-B', value: '2' });
    expect(entity.headers).toHaveLength(1);
  });
});

describe('MimeEntity header fields', () => {
  test('cannot be changed after a parse or a construction', () => {
    const parsed = MimeEntity.parse(text('X-A: 1\r\n\r\nbody'));
    const built = new MimeEntity([{ name: 'X-A', value: '1' }], new Uint8Array(0));
    for (const entity of [parsed, built]) {
      const [field] = entity.headers;
      expect(Object.isFrozen(entity.headers)).toBe(true);
      expect(Object.isFrozen(field)).toBe(true);
      expect(() => {
        (field as { value: string }).value = 'a\r\nX-Injected: 1';
      }).toThrow(TypeError);
      expect(utf8Decode(entity.toBytes())).not.toContain('X-Injected');
    }
  });

  test('of a parsed entity pass to a new entity unchanged', () => {
    const parsed = MimeEntity.parse(text('X-A: 1\r\nX-B: 2\r\n\r\n'));
    const copy = new MimeEntity(parsed.headers, text('other'));
    expect(copy.headers).toEqual([
      { name: 'X-A', value: '1' },
      { name: 'X-B', value: '2' },
    ]);
    expect(utf8Decode(copy.toBytes())).toBe('X-A: 1\r\nX-B: 2\r\n\r\nother');
  });
});

describe('MimeEntity header checks', () => {
  /** Returns an object that converts to `checked` once, then to `written`. */
  function changing(checked: string, written: string): string {
    let conversions = 0;
    return { toString: () => (conversions++ === 0 ? checked : written) } as unknown as string;
  }

  test('reject a value that is no string', () => {
    const value = changing('1', '1\r\nX-Injected: yes');
    expect(() => new MimeEntity([{ name: 'X-A', value }], new Uint8Array(0))).toThrow(TypeError);
    expect(() => MimeEntity.create({ 'X-A': value })).toThrow(TypeError);
  });

  test('reject a name that is no string', () => {
    const name = changing('X-A', 'X-Injected: yes\r\nX-A');
    expect(() => new MimeEntity([{ name, value: '1' }], new Uint8Array(0))).toThrow(TypeError);
  });

  test('keep fields from being replaced', () => {
    const entity = MimeEntity.create({ 'X-A': '1' }, 'body');
    const injected = [{ name: 'X-A', value: '1\r\nX-Injected: yes' }];
    expect(() => {
      (entity as { headers: unknown }).headers = injected;
    }).toThrow(TypeError);
    expect(() => Object.defineProperty(entity, 'headers', { value: injected })).toThrow(TypeError);
    expect(utf8Decode(entity.toBytes())).toBe('X-A: 1\r\n\r\nbody');
  });
});

describe('MimeEntity.withOwnBuffer', () => {
  test('copies a parsed part into a buffer of its own', () => {
    const whole = text('before|Content-Type: text/plain\r\n\r\nsecret|after');
    const raw = whole.subarray(7, whole.length - 6);
    const entity = MimeEntity.parse(raw);
    const own = entity.withOwnBuffer();

    expect(own.raw?.buffer).not.toBe(whole.buffer);
    expect(own.raw?.buffer.byteLength).toBe(raw.length);
    expect(own.body.buffer).toBe(own.raw?.buffer);
    expect(utf8Decode(own.body)).toBe('secret');
    expect(own.contentType.mediaType).toBe('text/plain');
    expect(own.toBytes()).toEqual(raw);
    whole.fill(0);
    expect(utf8Decode(own.body)).toBe('secret');
  });

  test('parses the copy when the body lies outside raw', () => {
    const raw = text('Content-Type: text/plain\r\n\r\nsecret');
    const fields = [{ name: 'Content-Type', value: 'text/plain' }];
    const entity = new MimeEntity(fields, text('secret'), raw);
    const own = entity.withOwnBuffer();
    expect(utf8Decode(own.body)).toBe('secret');
    expect(own.raw).toEqual(raw);
    expect(own.raw?.buffer).not.toBe(raw.buffer);
  });

  test('returns a built entity as it is', () => {
    const built = MimeEntity.create({ 'Content-Type': 'text/plain' }, 'hello');
    expect(built.withOwnBuffer()).toBe(built);
  });
});
