import { describe, expect, test } from 'vitest';
import { utf8Decode, utf8Encode } from '../../src/bytes.js';
import { LimitExceededError, MimeParseError } from '../../src/errors.js';
import { MAX_BODY_BYTES, MAX_MULTIPART_PARTS } from '../../src/limits.js';
import { MimeEntity } from '../../src/mime/entity.js';
import {
  boundaryOccursIn,
  buildMultipart,
  createBoundary,
  isValidBoundary,
  parseMultipart,
  parseMultipartViews,
} from '../../src/mime/multipart.js';
import { expectMcpttError } from './expect-error.js';

const text = (value: string): Uint8Array => utf8Encode(value);
const raws = (parts: MimeEntity[]): string[] =>
  parts.map((part) => utf8Decode(part.raw ?? new Uint8Array()));

function expectMalformed(action: () => unknown): void {
  expectMcpttError(action, MimeParseError, 'ERR_MIME_MALFORMED', 400);
}

/** Deterministic stand-in for `crypto.getRandomValues` that fills with a counter. */
function counterRandom(start = 0): Pick<Crypto, 'getRandomValues'> {
  let next = start;
  return {
    getRandomValues<T extends ArrayBufferView | null>(array: T): T {
      if (array instanceof Uint8Array) {
        for (let i = 0; i < array.length; i++) array[i] = next++ & 0xff;
      }
      return array;
    },
  };
}

describe('parseMultipart', () => {
  test('splits two parts', () => {
    const body = text('--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\n');
    const parts = parseMultipart(body, 'b');
    expect(parts).toHaveLength(2);
    expect(raws(parts)).toEqual(['Content-Type: text/plain\r\n\r\none', '\r\ntwo']);
    expect(utf8Decode(parts[0]?.body ?? new Uint8Array())).toBe('one');
    expect(utf8Decode(parts[1]?.body ?? new Uint8Array())).toBe('two');
  });

  test('keeps CRLF runs inside a part', () => {
    const body = text('--b\r\n\r\n\r\nx\r\n\r\n\r\n--b--');
    expect(raws(parseMultipart(body, 'b'))).toEqual(['\r\n\r\nx\r\n\r\n']);
  });

  test('ignores preamble and epilogue', () => {
    const body = text('preamble\r\n--b\r\n\r\nx\r\n--b--\r\nepilogue\r\n-- b\r\nnot a part');
    expect(raws(parseMultipart(body, 'b'))).toEqual(['\r\nx']);
  });

  test('accepts transport padding', () => {
    const body = text('--b \t\r\n\r\nx\r\n--b\t\r\n\r\ny\r\n--b-- \r\n');
    expect(raws(parseMultipart(body, 'b'))).toEqual(['\r\nx', '\r\ny']);
  });

  test('accepts bare LF line ends', () => {
    const body = text('--b\nContent-Type: text/plain\n\nx\n--b\n\ny\n--b--\n');
    const parts = parseMultipart(body, 'b');
    expect(raws(parts)).toEqual(['Content-Type: text/plain\n\nx', '\ny']);
    expect(parts[0]?.contentType.mediaType).toBe('text/plain');
  });

  test('accepts a close delimiter at the very end', () => {
    expect(raws(parseMultipart(text('--b\r\n\r\nx\r\n--b--'), 'b'))).toEqual(['\r\nx']);
  });

  test('keeps a CR before the delimiter CRLF', () => {
    expect(raws(parseMultipart(text('--b\r\n\r\nx\r\r\n--b--'), 'b'))).toEqual(['\r\nx\r']);
  });

  test('treats a line that only starts like the boundary as content', () => {
    const body = text('--b\r\n\r\n-b\r\n- --b\r\n--c\r\n--b\r\n\r\ny\r\n--b--');
    expect(raws(parseMultipart(body, 'b'))).toEqual(['\r\n-b\r\n- --b\r\n--c', '\r\ny']);
  });

  // RFC 2046 §5.1.1: a line that starts with the dash-boundary is a delimiter whatever follows,
  // so other parsers split there. Each of these lines is rejected rather than kept as content.
  test.each([
    ['a longer boundary in a part', '--b\r\n\r\nx\r\n--bc\r\n\r\ny\r\n--b--'],
    ['a delimiter with text after it', '--b\r\n\r\nx\r\n--b-x\r\n--b--'],
    ['a part that starts with the boundary', '--b\r\n--bc\r\n\r\nx\r\n--b--'],
    ['a close delimiter with text after it', '--b\r\n\r\nx\r\n--b--x\r\n'],
    ['a close delimiter with a lone CR', '--b\r\n\r\nx\r\n--b--\r'],
    ['a longer boundary in the preamble', 'preamble\r\n--bc\r\n\r\nx\r\n--b\r\n\r\ny\r\n--b--'],
    ['a longer first delimiter', '--bc\r\n\r\nx\r\n--b--'],
    ['a part after the close delimiter', '--b\r\n\r\nx\r\n--b--\r\n--b\r\n\r\ny\r\n--b--'],
    ['a second close delimiter', '--b\r\n\r\nx\r\n--b--\r\nepilogue\n--b--'],
    ['a longer boundary in the epilogue', '--b\r\n\r\nx\r\n--b--\r\n--bc'],
  ])('rejects %s', (_name, body) => {
    expectMalformed(() => parseMultipart(text(body), 'b'));
  });

  test('accepts transport padding after the close delimiter at the very end', () => {
    expect(raws(parseMultipart(text('--b\r\n\r\nx\r\n--b-- \t'), 'b'))).toEqual(['\r\nx']);
  });

  test('treats a mid-line boundary as content', () => {
    expect(raws(parseMultipart(text('--b\r\n\r\nx --b\r\n--b--'), 'b'))).toEqual(['\r\nx --b']);
  });

  test('compares the boundary case-sensitively', () => {
    const body = text('--Ab\r\n\r\n--AB\r\nx\r\n--Ab--');
    expect(raws(parseMultipart(body, 'Ab'))).toEqual(['\r\n--AB\r\nx']);
  });

  test('reads empty and header-only parts', () => {
    const body = text(
      '--b\r\nContent-Type: text/plain\r\n\r\n\r\n--b\r\nContent-Type: text/plain\r\n--b\r\n\r\n--b--',
    );
    const parts = parseMultipart(body, 'b');
    expect(raws(parts)).toEqual([
      'Content-Type: text/plain\r\n\r\n',
      'Content-Type: text/plain',
      '',
    ]);
    expect(parts.map((part) => part.body.length)).toEqual([0, 0, 0]);
    expect(parts.map((part) => part.contentType.mediaType)).toEqual([
      'text/plain',
      'text/plain',
      'text/plain',
    ]);
  });

  test('copies each part out of the body', () => {
    const body = text('--b\r\n\r\nx\r\n--b--');
    const [part] = parseMultipart(body, 'b');
    body.fill(0);
    expect(utf8Decode(part?.raw ?? new Uint8Array())).toBe('\r\nx');
  });

  test('returns views of the body from parseMultipartViews', () => {
    const body = text('--b\r\n\r\nx\r\n--b--');
    const [part] = parseMultipartViews(body, 'b');
    body.fill(0x79, 0, body.length);
    expect(utf8Decode(part?.raw ?? new Uint8Array())).toBe('yyy');
  });

  test('accepts a boundary with spaces and specials', () => {
    const boundary = "=_a'()+_,-./:=? z";
    const body = text(`--${boundary}\r\n\r\nx\r\n--${boundary}--`);
    expect(raws(parseMultipart(body, boundary))).toEqual(['\r\nx']);
  });

  test('rejects a missing close delimiter', () => {
    expectMalformed(() => parseMultipart(text('--b\r\n\r\nx\r\n--b\r\n\r\ny'), 'b'));
  });

  test('rejects a body without the boundary', () => {
    expectMalformed(() => parseMultipart(text('--c\r\n\r\nx\r\n--c--'), 'b'));
  });

  test('rejects a body with only the close delimiter', () => {
    expectMalformed(() => parseMultipart(text('--b--\r\n'), 'b'));
  });

  test('rejects an empty body', () => {
    expectMalformed(() => parseMultipart(new Uint8Array(0), 'b'));
  });

  test('rejects a delimiter that shares the previous line end', () => {
    // body-part := MIME-part-headers [CRLF *OCTET] needs its own CRLF before the next delimiter.
    expectMalformed(() => parseMultipart(text('--b\r\n--b--'), 'b'));
  });

  test.each(['', 'a'.repeat(71), 'ends with space ', 'semi;colon', 'quote"', 'tab\tb', 'ü'])(
    'rejects boundary %j',
    (boundary) => {
      expectMalformed(() => parseMultipart(text(`--${boundary}\r\n\r\n--${boundary}--`), boundary));
    },
  );

  test('accepts the maximum part count', () => {
    const body = text(`${'--b\r\n\r\nx\r\n'.repeat(MAX_MULTIPART_PARTS)}--b--`);
    expect(parseMultipart(body, 'b')).toHaveLength(MAX_MULTIPART_PARTS);
  });

  test('rejects one part past the limit', () => {
    const body = text(`${'--b\r\n\r\nx\r\n'.repeat(MAX_MULTIPART_PARTS + 1)}--b--`);
    expectMcpttError(
      () => parseMultipart(body, 'b'),
      LimitExceededError,
      'ERR_LIMIT_EXCEEDED',
      413,
    );
  });

  test('rejects a body past the size limit', () => {
    const body = text(`--b\r\n\r\n${'x'.repeat(MAX_BODY_BYTES)}\r\n--b--`);
    expectMcpttError(
      () => parseMultipart(body, 'b'),
      LimitExceededError,
      'ERR_LIMIT_EXCEEDED',
      413,
    );
  });
});

describe('buildMultipart', () => {
  const first = MimeEntity.create({ 'Content-Type': 'application/sdp' }, 'v=0\r\n');
  const second = MimeEntity.create({ 'Content-Type': 'text/plain' }, '');

  test('writes delimiters and close delimiter', () => {
    const body = utf8Decode(buildMultipart([first, second], 'b'));
    expect(body).toBe(
      '--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\r\n--b--\r\n',
    );
  });

  test('round-trips through parseMultipart', () => {
    const parts = parseMultipart(buildMultipart([first, second], 'b'), 'b');
    expect(parts.map((part) => part.headers)).toEqual([first.headers, second.headers]);
    expect(parts.map((part) => utf8Decode(part.body))).toEqual(['v=0\r\n', '']);
  });

  test('writes parsed parts byte for byte', () => {
    const source = text('--b\nContent-Type: text/plain\n\nx\n--b--');
    const parts = parseMultipart(source, 'b');
    const rebuilt = parseMultipart(buildMultipart(parts, 'b'), 'b');
    expect(raws(rebuilt)).toEqual(['Content-Type: text/plain\n\nx']);
  });

  test('raises TypeError for a boundary inside a part', () => {
    const part = MimeEntity.create({}, 'x\r\n--b\r\n');
    expect(() => buildMultipart([part], 'b')).toThrow(TypeError);
  });

  test('raises TypeError for a part that starts with the boundary', () => {
    const part = new MimeEntity([], text('--b'), text('--b'));
    expect(() => buildMultipart([part], 'b')).toThrow(TypeError);
  });

  test('raises TypeError for an invalid boundary', () => {
    expect(() => buildMultipart([first], 'b ')).toThrow(TypeError);
  });

  test('raises TypeError for no parts', () => {
    expect(() => buildMultipart([], 'b')).toThrow(TypeError);
  });
});

describe('createBoundary', () => {
  test('returns a valid token boundary', () => {
    const boundary = createBoundary(counterRandom());
    expect(isValidBoundary(boundary)).toBe(true);
    expect(boundary).toMatch(/^mcptt-[A-Za-z0-9_-]{24}$/);
  });

  test('uses the random source', () => {
    expect(createBoundary(counterRandom(0))).not.toBe(createBoundary(counterRandom(1)));
    expect(createBoundary(counterRandom(5))).toBe(createBoundary(counterRandom(5)));
  });

  test('uses WebCrypto randomness', () => {
    expect(createBoundary(crypto)).not.toBe(createBoundary(crypto));
  });

  test('draws again on a collision', () => {
    const colliding = createBoundary(counterRandom(0));
    const content = text(`x--${colliding}x`);
    const boundary = createBoundary(counterRandom(0), [content]);
    expect(boundary).not.toBe(colliding);
    expect(boundaryOccursIn(content, boundary)).toBe(false);
  });

  test('fetches random bytes in blocks, not once per boundary', () => {
    let calls = 0;
    const counting: Pick<Crypto, 'getRandomValues'> = {
      getRandomValues: <T extends ArrayBufferView | null>(array: T): T => {
        calls++;
        if (array instanceof Uint8Array) crypto.getRandomValues(array);
        return array;
      },
    };
    const boundaries = new Set(Array.from({ length: 64 }, () => createBoundary(counting)));
    expect(boundaries.size).toBe(64);
    expect(calls).toBe(1);
    createBoundary(counting);
    expect(calls).toBe(2);
  });

  test('raises TypeError when the source keeps colliding', () => {
    const stuck: Pick<Crypto, 'getRandomValues'> = {
      getRandomValues: <T extends ArrayBufferView | null>(array: T): T => array,
    };
    const content = text(`--${createBoundary(stuck)}`);
    expect(() => createBoundary(stuck, [content])).toThrow(TypeError);
  });
});
