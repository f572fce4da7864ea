import { describe, expect, test } from 'vitest';
import { base64Decode, latin1Decode, utf8Decode, utf8Encode } from '../../src/bytes.js';
import { MimeParseError } from '../../src/errors.js';
import { BASE64_LINE_WIDTH } from '../../src/limits.js';
import { canonicalizeLineEnds } from '../../src/mime/canonical.js';
import { decodeQuotedPrintable, encodeBase64Lines } from '../../src/mime/transfer-encoding.js';
import { expectMcpttError } from './expect-error.js';

const decodeQp = (input: string): string => utf8Decode(decodeQuotedPrintable(utf8Encode(input)));

describe('encodeBase64Lines', () => {
  test('writes 76-character CRLF lines', () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const lines = latin1Decode(encodeBase64Lines(bytes)).split('\r\n');
    expect(lines.slice(0, -1).every((line) => line.length === BASE64_LINE_WIDTH)).toBe(true);
    expect(lines.at(-1)?.length).toBeLessThanOrEqual(BASE64_LINE_WIDTH);
    expect(lines.join('')).not.toMatch(/[\r\n]/);
  });

  test('round-trips through base64Decode', () => {
    const bytes = Uint8Array.from({ length: 525 }, (_, i) => (i * 7) & 0xff);
    expect(base64Decode(latin1Decode(encodeBase64Lines(bytes)))).toEqual(bytes);
  });

  test('writes nothing for no bytes', () => {
    expect(encodeBase64Lines(new Uint8Array(0))).toHaveLength(0);
  });
});

describe('decodeQuotedPrintable', () => {
  test('decodes escapes in either case', () => {
    expect(decodeQp('a=3Db=3db')).toBe('a=b=b');
  });

  test('joins soft line breaks', () => {
    expect(decodeQp('abc=\r\ndef=\nghi')).toBe('abcdefghi');
  });

  test('accepts whitespace after a soft break', () => {
    expect(decodeQp('abc= \t\r\ndef')).toBe('abcdef');
  });

  test('drops trailing whitespace of a line', () => {
    expect(decodeQp('a  \r\nb\t\nc ')).toBe('a\r\nb\r\nc');
  });

  test('keeps encoded trailing whitespace', () => {
    expect(decodeQp('a =20\r\nb=09')).toBe('a  \r\nb\t');
  });

  test('keeps whitespace before a soft break', () => {
    expect(decodeQp('a  =\r\nb')).toBe('a  b');
  });

  test('accepts an equals sign at the end', () => {
    expect(decodeQp('abc=')).toBe('abc');
  });

  test.each(['a=4', 'a=G0', 'a=\u00e90', 'a= b'])('rejects invalid escape %j', (input) => {
    expectMcpttError(() => decodeQp(input), MimeParseError, 'ERR_MIME_MALFORMED', 400);
  });
});

describe('canonicalizeLineEnds', () => {
  test('turns bare LF into CRLF', () => {
    const out = canonicalizeLineEnds(utf8Encode('a\nb\r\nc\n\n'));
    expect(utf8Decode(out)).toBe('a\r\nb\r\nc\r\n\r\n');
  });

  test('keeps a lone CR', () => {
    expect(utf8Decode(canonicalizeLineEnds(utf8Encode('a\rb\n')))).toBe('a\rb\r\n');
  });

  test('returns canonical input itself', () => {
    const bytes = utf8Encode('a\r\nb');
    expect(canonicalizeLineEnds(bytes)).toBe(bytes);
  });

  test('converts an LF at offset 0', () => {
    expect(utf8Decode(canonicalizeLineEnds(utf8Encode('\nx')))).toBe('\r\nx');
  });
});
