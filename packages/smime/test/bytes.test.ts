import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  base64Decode,
  base64Encode,
  base64EncodeLinesCrlf,
  bufferSource,
  bytesEqual,
  concatBytes,
  hexEncode,
  indexOfBytes,
  latin1Decode,
  latin1Encode,
  utf8Decode,
  utf8Encode,
} from '../src/bytes.js';
import { CmsParseError } from '../src/errors.js';
import { expectMcpttError } from './mime/expect-error.js';

/** RFC 4648 §10 test vectors. */
const VECTORS: [string, string][] = [
  ['', ''],
  ['f', 'Zg=='],
  ['fo', 'Zm8='],
  ['foo', 'Zm9v'],
  ['foob', 'Zm9vYg=='],
  ['fooba', 'Zm9vYmE='],
  ['foobar', 'Zm9vYmFy'],
];

describe('base64Encode', () => {
  test.each(VECTORS)('encodes %j', (plain, encoded) => {
    expect(base64Encode(utf8Encode(plain))).toBe(encoded);
  });

  test('uses the full alphabet', () => {
    expect(base64Encode(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('+/+/');
  });

  test('breaks lines with CRLF', () => {
    expect(base64Encode(utf8Encode('foobarfoobar'), 8)).toBe('Zm9vYmFy\r\nZm9vYmFy');
  });

  test('ends without a line break', () => {
    expect(base64Encode(utf8Encode('foobarf'), 4)).toBe('Zm9v\r\nYmFy\r\nZg==');
  });

  test('writes one line for width 0', () => {
    expect(base64Encode(new Uint8Array(100), 0)).not.toContain('\r\n');
  });

  test('matches Node for any width', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: 1, max: 90 }),
        (bytes, width) => {
          const plain = Buffer.from(bytes).toString('base64');
          const lines = plain.match(new RegExp(`.{1,${width}}`, 'g')) ?? [];
          expect(base64Encode(bytes, width)).toBe(lines.join('\r\n'));
        },
      ),
    );
  });

  test('base64EncodeLinesCrlf adds one CRLF', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: 1, max: 90 }),
        (bytes, width) => {
          const encoded = latin1Decode(base64EncodeLinesCrlf(bytes, width));
          expect(encoded).toBe(`${base64Encode(bytes, width)}\r\n`);
        },
      ),
    );
  });
});

describe('base64Decode', () => {
  test.each(VECTORS)('decodes %j', (plain, encoded) => {
    expect(utf8Decode(base64Decode(encoded))).toBe(plain);
  });

  test('skips whitespace anywhere', () => {
    expect(utf8Decode(base64Decode(' Zm9v\r\nYm\tFy\n'))).toBe('foobar');
  });

  test('skips whitespace around padding', () => {
    expect(utf8Decode(base64Decode('Zm9vYg=\r\n='))).toBe('foob');
  });

  test('returns a buffer without spare bytes', () => {
    const decoded = base64Decode('aGVs\r\nbG8=\r\n');

    expect(utf8Decode(decoded)).toBe('hello');
    expect(decoded.buffer.byteLength).toBe(decoded.length);
  });

  test.each([
    ['a character outside the alphabet', 'Zm9v*mFy'],
    ['base64url characters', 'Zm9v-_Fy'],
    ['a character above U+00FF', 'Zm9vYmF\u0100'],
    ['data after padding', 'Zg==Zm9v'],
    ['three padding characters', 'Zg==='],
    ['a truncated group', 'Zm9vY'],
    ['missing padding', 'Zg'],
    ['padding only', '===='],
    ['padding in the wrong place', 'Z=g='],
  ])('rejects %s', (_name, encoded) => {
    expectMcpttError(() => base64Decode(encoded), CmsParseError, 'ERR_CMS_MALFORMED', 400);
  });

  test('round-trips at any line width and line end', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 500 }),
        fc.integer({ min: 1, max: 120 }),
        fc.constantFrom('\r\n', '\n'),
        (bytes, width, lineEnd) => {
          const encoded = base64Encode(bytes, width).replaceAll('\r\n', lineEnd);
          expect(base64Decode(encoded)).toEqual(bytes);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('random text raises only CmsParseError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          base64Decode(text);
        } catch (error) {
          expect(error).toBeInstanceOf(CmsParseError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('other byte helpers', () => {
  test('latin1 round-trips every byte value', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(latin1Encode(latin1Decode(bytes))).toEqual(bytes);
  });

  test('latin1Encode raises TypeError above U+00FF', () => {
    expect(() => latin1Encode('\u0100')).toThrow(TypeError);
  });

  test('utf8Decode with fatal raises TypeError', () => {
    expect(() => utf8Decode(new Uint8Array([0xff]), true)).toThrow(TypeError);
    expect(utf8Decode(new Uint8Array([0xff]))).toBe('\ufffd');
  });

  test('indexOfBytes finds a needle', () => {
    const haystack = utf8Encode('abcabc');
    expect(indexOfBytes(haystack, utf8Encode('ca'))).toBe(2);
    expect(indexOfBytes(haystack, utf8Encode('bc'), 2)).toBe(4);
    expect(indexOfBytes(haystack, utf8Encode('cb'))).toBe(-1);
    expect(indexOfBytes(haystack, utf8Encode('abcabcd'))).toBe(-1);
    expect(indexOfBytes(haystack, new Uint8Array(0), 3)).toBe(3);
  });

  test('indexOfBytes agrees with a naive search', () => {
    const naive = (haystack: Uint8Array, needle: Uint8Array, from: number): number => {
      for (let i = from; i + needle.length <= haystack.length; i++) {
        if (needle.every((byte, j) => haystack[i + j] === byte)) return i;
      }
      return -1;
    };
    // A small alphabet makes partial matches and repeats common.
    const bytes = (maxLength: number) =>
      fc.uint8Array({ min: 0x2d, max: 0x2f, maxLength }).map((array) => Uint8Array.from(array));
    fc.assert(
      fc.property(bytes(300), bytes(20), fc.nat(300), (haystack, needle, from) => {
        fc.pre(needle.length > 0);
        expect(indexOfBytes(haystack, needle, from)).toBe(naive(haystack, needle, from));
      }),
      { numRuns: 2000 },
    );
  });

  test('indexOfBytes finds a boundary in a body', () => {
    const body = utf8Encode(`${'x'.repeat(500)}\r\n--mcptt-ABCDEFGHIJKLMNOPQRSTUVWX\r\n`);
    expect(indexOfBytes(body, utf8Encode('--mcptt-ABCDEFGHIJKLMNOPQRSTUVWX'))).toBe(502);
    expect(indexOfBytes(body, utf8Encode('--mcptt-ABCDEFGHIJKLMNOPQRSTUVWY'))).toBe(-1);
  });

  test('concatBytes and bytesEqual', () => {
    const joined = concatBytes(utf8Encode('ab'), new Uint8Array(0), utf8Encode('c'));
    expect(bytesEqual(joined, utf8Encode('abc'))).toBe(true);
    expect(bytesEqual(joined, utf8Encode('abd'))).toBe(false);
    expect(bytesEqual(joined, utf8Encode('ab'))).toBe(false);
  });

  test('utf8Encode matches TextEncoder for short, long, ASCII and other text', () => {
    const encoder = new TextEncoder();
    for (const text of [
      '',
      'Via: SIP/2.0/WSS',
      'Grüße 📻',
      'a'.repeat(600),
      `${'a'.repeat(600)}é`,
    ]) {
      expect(utf8Encode(text)).toEqual(encoder.encode(text));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 700 }), (text) => {
        expect(utf8Encode(text)).toEqual(encoder.encode(text));
      }),
    );
  });

  test('bufferSource passes an ArrayBuffer view as it is and copies a shared one', () => {
    const view = new Uint8Array(new ArrayBuffer(8), 2, 4);
    expect(bufferSource(view)).toBe(view);

    const shared = new Uint8Array(new SharedArrayBuffer(4));
    shared.set([1, 2, 3, 4]);
    const copy = bufferSource(shared);
    expect(copy).not.toBe(shared);
    expect(copy.buffer).toBeInstanceOf(ArrayBuffer);
    expect(copy).toEqual(Uint8Array.of(1, 2, 3, 4));
  });

  test('hexEncode writes lowercase pairs', () => {
    expect(hexEncode(new Uint8Array([0, 0x0f, 0xab]))).toBe('000fab');
  });

  test('hexEncode agrees with toString(16)', () => {
    const reference = (bytes: Uint8Array): string =>
      Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9000 }),
        fc.integer({ min: 0, max: 255 }),
        (length, seed) => {
          const bytes = new Uint8Array(length).map((_, index) => (index * 131 + seed) & 0xff);
          expect(hexEncode(bytes)).toBe(reference(bytes));
        },
      ),
      { numRuns: 60 },
    );
    // Around the short form and the chunks of the long one.
    for (const length of [64, 65, 4095, 4096, 4097, 8192]) {
      const bytes = new Uint8Array(length).fill(0xa5);
      expect(hexEncode(bytes)).toBe('a5'.repeat(length));
    }
  });
});
