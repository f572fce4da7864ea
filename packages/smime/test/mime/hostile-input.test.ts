import { describe, expect, test } from 'vitest';
import { base64Encode, utf8Encode } from '../../src/bytes.js';
import { LimitExceededError, McpttError, MimeParseError } from '../../src/errors.js';
import { MAX_HEADER_SECTION_BYTES } from '../../src/limits.js';
import { parseContentType } from '../../src/mime/content-type.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { parseEntityTree } from '../../src/mime/entity-tree.js';
import { parseMultipart } from '../../src/mime/multipart.js';
import { expectMcpttError } from './expect-error.js';

const text = (value: string): Uint8Array => utf8Encode(value);

const VALID = text(
  'preamble\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
    `${base64Encode(text('hello world'), 8)}\r\n--b\r\nContent-Type: text/plain\r\n--b\r\n` +
    '\r\n\r\n--b--\r\nepilogue',
);

describe('hostile multipart input', () => {
  test('unterminated multipart', () => {
    expectMcpttError(
      () => parseMultipart(text('--b\r\nContent-Type: text/plain\r\n\r\nx'), 'b'),
      MimeParseError,
      'ERR_MIME_MALFORMED',
      400,
    );
  });

  test('boundary never found', () => {
    expectMcpttError(
      () => parseMultipart(text('Content-Type: text/plain\r\n\r\nno delimiter here'), 'b'),
      MimeParseError,
      'ERR_MIME_MALFORMED',
      400,
    );
  });

  test('quoted boundary with escapes', () => {
    const type = parseContentType('multipart/mixed; boundary="=_a\\:b\\\\"');
    expect(type.params.get('boundary')).toBe('=_a:b\\');
    // A backslash is no bchar, so the unescaped boundary is invalid.
    expectMcpttError(
      () => parseMultipart(text('--=_a:b\\\r\n\r\n--=_a:b\\--'), '=_a:b\\'),
      MimeParseError,
      'ERR_MIME_MALFORMED',
      400,
    );
  });

  test('quoted boundary with escaped bchars', () => {
    const boundary = parseContentType('multipart/mixed; boundary="\\=\\_x:1"').params.get(
      'boundary',
    );
    expect(boundary).toBe('=_x:1');
    const parts = parseMultipart(text('--=_x:1\r\n\r\nx\r\n--=_x:1--'), boundary ?? '');
    expect(parts).toHaveLength(1);
  });

  test('byte order mark before a part header', () => {
    const bom = Uint8Array.of(0xef, 0xbb, 0xbf);
    const entity = new Uint8Array([...bom, ...text('Content-Type: text/html\r\n\r\n<b>x</b>')]);
    expectMcpttError(() => MimeEntity.parse(entity), MimeParseError, 'ERR_MIME_MALFORMED', 400);
  });

  test('1000 parts', () => {
    const body = text(`${'--b\r\n\r\n\r\n'.repeat(1000)}--b--`);
    expectMcpttError(
      () => parseMultipart(body, 'b'),
      LimitExceededError,
      'ERR_LIMIT_EXCEEDED',
      413,
    );
  });

  test('huge header line', () => {
    const line = `X-Huge: ${'a'.repeat(MAX_HEADER_SECTION_BYTES * 2)}`;
    const body = text(`--b\r\n${line}\r\n\r\nx\r\n--b--`);
    expectMcpttError(
      () => parseMultipart(body, 'b'),
      LimitExceededError,
      'ERR_LIMIT_EXCEEDED',
      413,
    );
  });

  test('invalid base64 in a part', () => {
    const body = text('--b\r\nContent-Transfer-Encoding: base64\r\n\r\nAAA$\r\n--b--');
    const [part] = parseMultipart(body, 'b');
    expectMcpttError(() => part?.decodedBody(), MimeParseError, 'ERR_MIME_MALFORMED', 400);
  });

  test('nested multipart reusing the outer boundary', () => {
    // The inner body ends at the outer delimiter, so its own close delimiter is missing.
    const body = text(
      '--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n--b--',
    );
    const root = MimeEntity.create({ 'Content-Type': 'multipart/mixed; boundary=b' }, body);
    expectMcpttError(() => parseEntityTree(root), MimeParseError, 'ERR_MIME_MALFORMED', 400);
  });

  test('truncation at every offset raises only typed errors', () => {
    const full = parseMultipart(VALID, 'b');
    expect(full).toHaveLength(3);

    for (let length = 0; length < VALID.length; length++) {
      const truncated = VALID.slice(0, length);
      try {
        for (const part of parseMultipart(truncated, 'b')) part.decodedBody();
      } catch (error) {
        expect(error).toBeInstanceOf(McpttError);
      }
    }
  });

  test('truncation before the close delimiter fails', () => {
    const close = VALID.length - '--b--\r\nepilogue'.length;
    for (let length = 0; length < close + 5; length++) {
      expectMcpttError(
        () => parseMultipart(VALID.slice(0, length), 'b'),
        MimeParseError,
        'ERR_MIME_MALFORMED',
        400,
      );
    }
  });
});
