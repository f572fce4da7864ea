/**
 * Adversarial tests of the fast paths: script UTF-8 and copies, the Horspool search, base64 in
 * place, DER lengths and OIDs, multipart delimiters and boundaries, header unfolding, the
 * certificate cache, and the concurrent digest and signature checks. Each fast path is compared
 * with a simple reference or checked on inputs at its limits.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  base64DecodeBytes,
  base64EncodeToBytes,
  bufferSource,
  concatBytes,
  copyBytes,
  indexOfBytes,
  utf8Decode,
  utf8Encode,
} from '../src/bytes.js';
import { parseCertificate } from '../src/cms/certificate.js';
import { parseBer, readOid } from '../src/cms/der.js';
import { DER_NULL, derEncode, derOid, derTlv } from '../src/cms/der-writer.js';
import { digestBytes } from '../src/cms/digest.js';
import {
  decryptContent,
  prepareEnvelope,
  sealEnvelope,
  signContent,
  verifySignedData,
} from '../src/cms/index.js';
import {
  CmsParseError,
  LimitExceededError,
  MimeParseError,
  NotSupportedError,
  SignatureInvalidError,
} from '../src/errors.js';
import { MimeEntity } from '../src/mime/entity.js';
import { parseHeaderFields } from '../src/mime/header-section.js';
import { createBoundary, parseMultipart } from '../src/mime/multipart.js';
import { parseContentType } from '../src/mime/content-type.js';
import { createMultipartMixed, createMultipartSigned } from '../src/smime/smime-entities.js';
import { FIXTURE_NOW, crypto, fixtureCertificate, fixtureKeys } from './cms/helpers.js';
import { expectMcpttError } from './mime/expect-error.js';

/** Bytes over a few values, so that partial matches and repeats are common. */
function bytesOver(values: readonly number[], maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.array(fc.constantFrom(...values), { maxLength }).map((array) => Uint8Array.from(array));
}

/** Compares bytes natively: `toEqual` on megabytes of typed array takes seconds and gigabytes. */
function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return Buffer.compare(actual, expected) === 0;
}

/** Text made of the given pieces, for inputs that hit the interesting cases often. */
function textOf(pieces: readonly string[], maxLength: number): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...pieces), { maxLength }).map((array) => array.join(''));
}

describe('UTF-8 fast paths', () => {
  const encoder = new TextEncoder();

  it('encode matches TextEncoder at 512', () => {
    for (const length of [0, 1, 511, 512, 513]) {
      const ascii = 'a'.repeat(length);
      expect(utf8Encode(ascii)).toEqual(encoder.encode(ascii));
      for (const last of ['\u007f', '\u0080', '\u00ff', '\u0100', '\ud800', '\udc00', '\uffff']) {
        const text = ascii.slice(0, Math.max(length - 1, 0)) + last;
        expect(utf8Encode(text)).toEqual(encoder.encode(text));
      }
    }
  });

  it('decode matches TextDecoder', () => {
    const lenient = new TextDecoder('utf-8');
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const bytes = fc.oneof(
      bytesOver([0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc3, 0xa9, 0xef, 0xbb, 0xff], 600),
      fc.uint8Array({ max: 0x7f, maxLength: 600 }),
      fc.uint8Array({ maxLength: 600 }),
    );
    fc.assert(
      fc.property(bytes, (input) => {
        expect(utf8Decode(input)).toBe(lenient.decode(input));
        let expected: string | undefined;
        try {
          expected = fatal.decode(input);
        } catch {
          expected = undefined;
        }
        if (expected === undefined) expect(() => utf8Decode(input, true)).toThrow(TypeError);
        else expect(utf8Decode(input, true)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('decode drops a BOM like TextDecoder', () => {
    const input = Uint8Array.of(0xef, 0xbb, 0xbf, 0x61);
    expect(utf8Decode(input)).toBe('a');
    expect(utf8Decode(input, true)).toBe('a');
  });

  it('decode reads a subarray only', () => {
    const buffer = utf8Encode('xxhello worldyy');
    expect(utf8Decode(buffer.subarray(2, 13))).toBe('hello world');
  });
});

describe('copyBytes and concatBytes', () => {
  it('concatBytes matches Buffer.concat', () => {
    const chunk = fc.uint8Array({ maxLength: 40 });
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 8 }), (chunks) => {
        expect(concatBytes(...chunks)).toEqual(new Uint8Array(Buffer.concat(chunks)));
      }),
      { numRuns: 500 },
    );
  });

  it('copies subarrays at their offset', () => {
    for (const length of [0, 1, 15, 16, 17, 40]) {
      const source = Uint8Array.from({ length: length + 10 }, (_, i) => i + 1);
      const chunk = source.subarray(5, 5 + length);
      const out = new Uint8Array(length + 6);
      copyBytes(out, chunk, 3);
      expect(out.subarray(0, 3)).toEqual(new Uint8Array(3));
      expect(out.subarray(3, 3 + length)).toEqual(chunk);
      expect(out.subarray(3 + length)).toEqual(new Uint8Array(3));
    }
  });
});

describe('indexOfBytes with long needles', () => {
  const naive = (haystack: Uint8Array, needle: Uint8Array, from: number): number => {
    for (let i = Math.max(from, 0); i + needle.length <= haystack.length; i++) {
      if (needle.every((byte, j) => haystack[i + j] === byte)) return i;
    }
    return -1;
  };

  it('agrees with a naive search', () => {
    // Needles of 8 bytes and more take the Horspool path. The haystack is built from pieces of
    // the needle, so that near misses and overlapping matches are common.
    const needle = fc.oneof(
      bytesOver([0x2d, 0x2e], 24),
      bytesOver([0x00, 0x7f, 0x80, 0xff], 24),
      fc.uint8Array({ minLength: 8, maxLength: 24 }),
    );
    const input = needle
      .filter((bytes) => bytes.length >= 8)
      .chain((bytes) =>
        fc.tuple(
          fc.constant(bytes),
          fc
            .array(
              fc.oneof(
                fc.constant(bytes),
                fc.nat(bytes.length).map((end) => bytes.subarray(0, end)),
                fc.nat(bytes.length).map((start) => bytes.subarray(start)),
                fc.uint8Array({ maxLength: 4 }),
              ),
              { maxLength: 12 },
            )
            .map((pieces) => concatBytes(...pieces)),
          fc.nat(400),
        ),
      );
    fc.assert(
      fc.property(input, ([pattern, haystack, from]) => {
        expect(indexOfBytes(haystack, pattern, from)).toBe(naive(haystack, pattern, from));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds matches at both ends', () => {
    const needle = utf8Encode('--mcptt-boundary');
    const haystack = concatBytes(needle, utf8Encode('x'.repeat(30)), needle);
    expect(indexOfBytes(haystack, needle)).toBe(0);
    expect(indexOfBytes(haystack, needle, 1)).toBe(46);
    expect(indexOfBytes(haystack, needle, 47)).toBe(-1);
    expect(indexOfBytes(needle, needle)).toBe(0);
    expect(indexOfBytes(needle.subarray(1), needle)).toBe(-1);
  });

  it('keeps no state between needles', () => {
    const first = utf8Encode('abcdefgh');
    const second = utf8Encode('hgfedcba');
    const haystack = utf8Encode('xxhgfedcbaxxabcdefghxx');
    for (let round = 0; round < 3; round++) {
      expect(indexOfBytes(haystack, first)).toBe(12);
      expect(indexOfBytes(haystack, second)).toBe(2);
    }
  });

  it('finds periodic needles', () => {
    const needle = utf8Encode('--------');
    expect(indexOfBytes(utf8Encode('-------x--------'), needle)).toBe(8);
    const alternating = utf8Encode('-a-a-a-a-a');
    expect(indexOfBytes(utf8Encode('-a-a-a-a-b-a-a-a-a-a-'), alternating)).toBe(10);
  });
});

describe('base64 in place', () => {
  /** Line breaks every `width` characters, as RFC 2045 writes them. */
  const reference = (bytes: Uint8Array, width: number): string => {
    const plain = Buffer.from(bytes).toString('base64');
    const lines = plain.match(new RegExp(`.{1,${width}}`, 'g')) ?? [];
    return lines.join('\r\n');
  };

  it('encode fills whole lines exactly', () => {
    for (const length of [0, 1, 2, 3, 56, 57, 58, 114, 171, 1140]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37) & 0xff);
      for (const width of [1, 2, 3, 4, 5, 64, 76]) {
        const encoded = base64EncodeToBytes(bytes, width);
        expect(Buffer.from(encoded).toString('latin1')).toBe(reference(bytes, width));
      }
    }
  });

  it('encode matches Node on a large input', () => {
    const bytes = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 7919) & 0xff);
    const expected = utf8Encode(reference(bytes, 76));
    expect(sameBytes(base64EncodeToBytes(bytes, 76), expected)).toBe(true);
  });

  it('encode reads a subarray only', () => {
    const buffer = Uint8Array.from({ length: 40 }, (_, i) => i);
    const view = buffer.subarray(7, 31);
    const encoded = base64EncodeToBytes(view, 8);
    expect(Buffer.from(encoded).toString('latin1')).toBe(reference(view, 8));
  });

  /** Strict RFC 4648 decoding after removing SP, HTAB, CR and LF, or undefined when invalid. */
  const strictDecode = (ascii: Uint8Array): Uint8Array | undefined => {
    const text = Buffer.from(ascii)
      .toString('latin1')
      .replace(/[ \t\r\n]/g, '');
    if (text.length % 4 !== 0) return undefined;
    if (!/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined;
    return new Uint8Array(Buffer.from(text, 'base64'));
  };

  it('decode agrees with a strict reference', () => {
    const alphabet = [...'AZaz09+/=', ' ', '\t', '\r', '\n', '*', '-', '_', '.', '\0'].map((c) =>
      c.charCodeAt(0),
    );
    const input = fc.oneof(
      bytesOver([...alphabet, 0x80, 0xff], 30),
      bytesOver([0x41, 0x61, 0x3d, 0x0a], 30),
      fc.uint8Array({ maxLength: 60 }).map((bytes) => base64EncodeToBytes(bytes, 8)),
    );
    fc.assert(
      fc.property(input, (ascii) => {
        const expected = strictDecode(ascii);
        if (expected === undefined) {
          expectMcpttError(() => base64DecodeBytes(ascii), CmsParseError, 'ERR_CMS_MALFORMED', 400);
        } else {
          expect(base64DecodeBytes(ascii)).toEqual(expected);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['a whole group after padding', 'Zg==Zm9vZm9v'],
    ['a group after padding and a line break', 'Zm9vZg==\r\nZm9v'],
    ['padding inside a group', 'Zm9vZ=9v'],
    ['padding on a group boundary', 'Zm9v=Zm9v'],
    ['padding alone after a group', 'Zm9v='],
    ['three padding characters', 'Zm9vZ==='],
    ['a NUL between groups', 'Zm9v\0Zm9v'],
    ['a byte above 0x7f in a group', 'Zm9v\u00c0m9v'],
    ['a truncated group after whole ones', 'Zm9vZm9vZ'],
    ['three characters without padding', 'Zm9vZm9'],
    ['padding first', '=Zm9v'],
  ])('decode rejects %s', (_name, text) => {
    const ascii = Uint8Array.from(text, (c) => c.charCodeAt(0));
    expectMcpttError(() => base64DecodeBytes(ascii), CmsParseError, 'ERR_CMS_MALFORMED', 400);
  });
});

describe('bufferSource', () => {
  it('copies a view from another realm', async () => {
    const { runInNewContext } = await import('node:vm');
    const foreign = runInNewContext('new Uint8Array([1, 2, 3, 4]).subarray(1, 3)') as Uint8Array;
    const copy = bufferSource(foreign);
    expect(copy).not.toBe(foreign);
    expect(copy.buffer).toBeInstanceOf(ArrayBuffer);
    expect([...copy]).toEqual([2, 3]);
  });

  it('digests only the view', async () => {
    const buffer = utf8Encode('xxabcyy');
    const view = buffer.subarray(2, 5);
    const digest = await crypto.subtle.digest('SHA-256', bufferSource(view));
    const expected = await crypto.subtle.digest('SHA-256', bufferSource(utf8Encode('abc')));
    expect(new Uint8Array(digest)).toEqual(new Uint8Array(expected));
  });
});

describe('derTlv long form', () => {
  /** X.690 §8.1.3 definite length octets, built from the number's base-256 digits. */
  const lengthOctets = (length: number): number[] => {
    if (length < 0x80) return [length];
    const digits: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) digits.unshift(rest % 256);
    return [0x80 | digits.length, ...digits];
  };

  it.each([0, 1, 127, 128, 129, 255, 256, 257, 65535, 65536, 16777215, 16777216])(
    'writes length %i',
    (length) => {
      const content = new Uint8Array(length);
      if (length > 0) {
        content[0] = 0xaa;
        content[length - 1] = 0xbb;
      }
      const encoded = derEncode(derTlv(0x04, content));
      const header = [0x04, ...lengthOctets(length)];
      expect(encoded.length).toBe(header.length + length);
      expect([...encoded.subarray(0, header.length)]).toEqual(header);
      expect(sameBytes(encoded.subarray(header.length), content)).toBe(true);
    },
  );

  it('joins chunks around 16 bytes', () => {
    const chunks = [1, 15, 16, 17, 0, 3].map((length, index) =>
      Uint8Array.from({ length }, () => index + 1),
    );
    const encoded = derEncode(derTlv(0x30, ...chunks));
    expect(encoded.subarray(2)).toEqual(concatBytes(...chunks));
    expect(encoded[1]).toBe(52);
  });

  it('writes nested elements as nested encodings', () => {
    const inner = new Uint8Array(300).fill(0x5a);
    const nested = derTlv(0x30, derTlv(0xa0, derTlv(0x04, inner)), Uint8Array.of(0x05, 0x00));
    const octets = concatBytes(Uint8Array.of(0x04, 0x82, 0x01, 0x2c), inner);
    const tagged = concatBytes(Uint8Array.of(0xa0, 0x82, 0x01, 0x30), octets);
    const expected = concatBytes(Uint8Array.of(0x30, 0x82, 0x01, 0x36), tagged, DER_NULL);

    expect(nested.encodedLength).toBe(expected.length);
    expect(derEncode(nested)).toEqual(expected);
  });

  it('parses back at every length', () => {
    for (const length of [127, 128, 255, 256, 65535, 65536]) {
      const node = parseBer(derEncode(derTlv(0x04, new Uint8Array(length))), 'octets');
      expect(node.valueLength).toBe(length);
    }
  });
});

describe('readOid', () => {
  /** Reads an OID as the code before the rewrite did: arcs in an array, joined at the end. */
  const referenceOid = (value: Uint8Array): string | undefined => {
    const arcs: number[] = [];
    let arc = 0;
    for (const [index, byte] of value.entries()) {
      if (arc === 0 && byte === 0x80) return undefined;
      arc = arc * 128 + (byte & 0x7f);
      if (arc > Number.MAX_SAFE_INTEGER / 128) return undefined;
      if (byte & 0x80) {
        if (index === value.length - 1) return undefined;
        continue;
      }
      if (arcs.length === 0) {
        arcs.push(arc < 80 ? Math.floor(arc / 40) : 2, arc < 80 ? arc % 40 : arc - 80);
      } else arcs.push(arc);
      arc = 0;
    }
    return arcs.join('.');
  };

  const oidNode = (value: Uint8Array) => parseBer(derEncode(derTlv(0x06, value)), 'oid');

  it('round-trips known OIDs', () => {
    for (const oid of [
      '0.0',
      '0.39',
      '1.0',
      '1.39',
      '2.0',
      '2.39',
      '2.40',
      '2.999.3',
      '1.2.840.113549.1.7.2',
      '0.9.2342.19200300.100.1.1',
      '1.3.6.1.4.1.311.21.20',
      `2.25.${String(2 ** 40)}`,
    ]) {
      expect(readOid(parseBer(derOid(oid), 'oid'), 'oid')).toBe(oid);
    }
  });

  it('agrees with the array reading', () => {
    const value = fc.oneof(
      bytesOver([0x00, 0x01, 0x27, 0x28, 0x4f, 0x50, 0x7f, 0x80, 0x81, 0xff], 20),
      fc.uint8Array({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(value, (bytes) => {
        fc.pre(bytes.length > 0);
        const expected = referenceOid(bytes);
        if (expected === undefined) {
          expectMcpttError(
            () => readOid(oidNode(bytes), 'oid'),
            CmsParseError,
            'ERR_CMS_MALFORMED',
            400,
          );
        } else {
          expect(readOid(oidNode(bytes), 'oid')).toBe(expected);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps OIDs with one hash apart', () => {
    // Both have the FNV-1a hash 0xa14e4c1f, under which readOid keeps the dotted forms.
    const first = Uint8Array.of(0x2a, 111, 112, 103, 3, 1);
    const second = Uint8Array.of(0x2a, 11, 1, 1, 4, 1);
    for (let round = 0; round < 2; round++) {
      expect(readOid(oidNode(first), 'oid')).toBe('1.2.111.112.103.3.1');
      expect(readOid(oidNode(second), 'oid')).toBe('1.2.11.1.1.4.1');
    }
  });

  it('reads a changed buffer afresh', () => {
    const der = Buffer.from(derOid('1.2.840.113549.1.7.2'));
    const node = parseBer(der, 'oid');
    expect(readOid(node, 'oid')).toBe('1.2.840.113549.1.7.2');
    der[der.length - 1] = 3;
    expect(readOid(node, 'oid')).toBe('1.2.840.113549.1.7.3');
    expect(readOid(parseBer(derOid('1.2.840.113549.1.7.2'), 'oid'), 'oid')).toBe(
      '1.2.840.113549.1.7.2',
    );
  });

  it.each([
    ['a leading 0x80', [0x2a, 0x80, 0x01]],
    ['a last byte with bit 8', [0x2a, 0x86]],
    ['an arc past 2^53', [0x2a, ...new Array<number>(9).fill(0xff), 0x7f]],
    ['no content', []],
  ])('rejects %s', (_name, value) => {
    expectMcpttError(
      () => readOid(oidNode(Uint8Array.from(value)), 'oid'),
      CmsParseError,
      'ERR_CMS_MALFORMED',
      400,
    );
  });
});

describe('parseHeaderFields rewrite', () => {
  /**
   * Parses fields as the code before the rewrite did: split on LF, then trim values at the end.
   * Continuation lines are trimmed as the rewrite trims them, of SP and HTAB only and at both
   * ends, which the code before it did not do.
   */
  const referenceFields = (section: Uint8Array): { name: string; value: string }[] | string => {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(section);
    } catch {
      return 'MimeParseError';
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const headers: { name: string; value: string }[] = [];
    for (const rawLine of lines) {
      const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
      const control = [...line].some((c) => (c < ' ' && c !== '\t') || c === '\x7f');
      if (control) return 'MimeParseError';
      const current = headers[headers.length - 1];
      if (line.startsWith(' ') || line.startsWith('\t')) {
        if (current === undefined) return 'MimeParseError';
        current.value = `${current.value} ${line.replace(/^[ \t]+|[ \t]+$/g, '')}`;
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon < 0 ? '' : line.slice(0, colon).replace(/[ \t]+$/, '');
      if (!/^[!-9;-~]+$/.test(name)) return 'MimeParseError';
      headers.push({ name, value: line.slice(colon + 1) });
    }
    return headers.map(({ name, value }) => ({
      name,
      value: value.replace(/^[ \t]+|[ \t]+$/g, ''),
    }));
  };

  const actualFields = (section: Uint8Array): { name: string; value: string }[] | string => {
    try {
      return parseHeaderFields(section).map(({ name, value }) => ({ name, value }));
    } catch (error) {
      return (error as Error).constructor.name;
    }
  };

  it('agrees with the split reading', () => {
    const pieces = [
      'A',
      'b',
      ':',
      ' ',
      '\t',
      '\r\n',
      '\n',
      '\r',
      'x',
      '\u00a0',
      '\u00e9',
      '\0',
      '\x7f',
    ];
    fc.assert(
      fc.property(textOf(pieces, 30), (text) => {
        const section = utf8Encode(text);
        expect(actualFields(section)).toEqual(referenceFields(section));
      }),
      { numRuns: 20000 },
    );
  });

  it.each([
    ['a bare CR inside a value', 'A: x\ry\r\n'],
    ['two CRs before the LF', 'A: x\r\r\n'],
    ['a NUL in a value', 'A: x\0y\n'],
    ['a DEL in a name', 'A\x7f: x\n'],
    ['an empty line inside', 'A: x\r\n\r\nB: y\r\n'],
    ['a line without a colon', 'A: x\r\nB\r\n'],
    ['an empty name', ': x\r\n'],
    ['a fold first', ' A: x\r\n'],
  ])('rejects %s', (_name, text) => {
    expectMcpttError(
      () => parseHeaderFields(utf8Encode(text)),
      MimeParseError,
      'ERR_MIME_MALFORMED',
      400,
    );
  });

  it('mixes CRLF and LF lines', () => {
    const fields = parseHeaderFields(utf8Encode('A: 1\nB : 2\r\n\tmore\nC:3:4'));
    expect(fields).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2 more' },
      { name: 'C', value: '3:4' },
    ]);
  });

  it('keeps whitespace other than SP and HTAB', () => {
    const fields = parseHeaderFields(utf8Encode('A: \u00a0x\u3000\r\n \u00a0y\r\n'));
    expect(fields).toEqual([{ name: 'A', value: '\u00a0x\u3000 \u00a0y' }]);
  });

  it('rejects too many fields', () => {
    const text = 'A: x\r\n'.repeat(1000);
    expectMcpttError(
      () => parseHeaderFields(utf8Encode(text)),
      LimitExceededError,
      'ERR_LIMIT_EXCEEDED',
      413,
    );
  });
});

describe('multipart delimiters and boundaries', () => {
  /**
   * Splits parts line by line, every LF in turn. RFC 2046 §5.1.1 makes each line that starts with
   * the dash-boundary a delimiter, so such a line that is not a well-formed delimiter, and any
   * such line after the close delimiter, make the body malformed.
   */
  const referenceParts = (body: Uint8Array, boundary: string): Uint8Array[] | string => {
    const dash = utf8Encode(`--${boundary}`);
    const startsWithAt = (offset: number): boolean =>
      offset + dash.length <= body.length && dash.every((byte, i) => body[offset + i] === byte);
    const find = (from: number): number => {
      if (startsWithAt(from)) return from;
      for (let lf = body.indexOf(0x0a, from); lf >= 0; lf = body.indexOf(0x0a, lf + 1)) {
        if (startsWithAt(lf + 1)) return lf + 1;
      }
      return -1;
    };
    const readLine = (
      at: number,
      partStart: number,
    ): { partEnd: number; next: number; close: boolean } | undefined => {
      let i = at + dash.length;
      const close = body[i] === 0x2d && body[i + 1] === 0x2d;
      if (close) i += 2;
      while (body[i] === 0x20 || body[i] === 0x09) i++;
      let next: number;
      if (body[i] === 0x0a) next = i + 1;
      else if (body[i] === 0x0d && body[i + 1] === 0x0a) next = i + 2;
      else if (close && i === body.length) next = i;
      else return undefined;
      if (at === 0) return { partEnd: 0, next, close };
      if (at === partStart) return undefined;
      const lf = at - 1;
      return { partEnd: lf > partStart && body[lf - 1] === 0x0d ? lf - 1 : lf, next, close };
    };

    const first = find(0);
    const opening = first < 0 ? undefined : readLine(first, 0);
    if (opening === undefined || opening.close) return 'MimeParseError';
    const parts: Uint8Array[] = [];
    for (let start = opening.next; ;) {
      const at = find(start);
      const following = at < 0 ? undefined : readLine(at, start);
      if (following === undefined) return 'MimeParseError';
      const raw = body.slice(start, following.partEnd);
      try {
        MimeEntity.parse(raw);
      } catch (error) {
        return (error as Error).constructor.name;
      }
      parts.push(raw);
      if (following.close) return find(following.next) < 0 ? parts : 'MimeParseError';
      start = following.next;
    }
  };

  const actualParts = (body: Uint8Array, boundary: string): Uint8Array[] | string => {
    try {
      return parseMultipart(body, boundary).map((part) => part.raw ?? new Uint8Array(0));
    } catch (error) {
      return (error as Error).constructor.name;
    }
  };

  it('agrees with the line-by-line search', () => {
    // 'ab' takes the short search, the two others the Horspool search (8 bytes and more).
    const input = fc
      .constantFrom('ab', 'abcdef', 'a-b-c-d-e')
      .chain((boundary) =>
        fc.tuple(
          fc.constant(boundary),
          textOf(
            [
              `--${boundary}`,
              `--${boundary.slice(0, -1)}`,
              '--',
              '-',
              '\r\n',
              '\n',
              '\r',
              ' ',
              'x',
            ],
            24,
          ),
        ),
      );
    fc.assert(
      fc.property(input, ([boundary, text]) => {
        const body = utf8Encode(text);
        expect(actualParts(body, boundary)).toEqual(referenceParts(body, boundary));
      }),
      { numRuns: 20000 },
    );
  });

  /** A random source that returns the same bytes for the same seed, counting up from it. */
  const countingRandom = (seed: number): Pick<Crypto, 'getRandomValues'> => {
    let next = seed;
    return {
      getRandomValues<T extends ArrayBufferView | null>(array: T): T {
        if (array instanceof Uint8Array) {
          for (let i = 0; i < array.length; i++) array[i] = next++ & 0xff;
        }
        return array;
      },
    };
  };

  it('redraws a boundary found in a part', () => {
    const first = createBoundary(countingRandom(7));
    const content = utf8Encode(`text that quotes --${first} inside a line`);
    const second = createBoundary(countingRandom(7), [content]);
    expect(second).not.toBe(first);
    expect(indexOfBytes(content, utf8Encode(`--${second}`))).toBe(-1);
  });

  it('keeps one pool per source', () => {
    const alone = Array.from({ length: 70 }, () => createBoundary(countingRandom(3)));
    const source = countingRandom(3);
    const other = countingRandom(200);
    const interleaved: string[] = [];
    const expected: string[] = [];
    const reference = countingRandom(3);
    for (let i = 0; i < 70; i++) {
      interleaved.push(createBoundary(source));
      createBoundary(other);
      expected.push(createBoundary(reference));
    }
    expect(interleaved).toEqual(expected);
    expect(new Set(alone).size).toBe(1);
  });

  it('never reuses pooled bytes', () => {
    const boundaries = Array.from({ length: 300 }, () => createBoundary(crypto));
    expect(new Set(boundaries).size).toBe(300);
  });

  it('multipart/signed reparses into its parts', () => {
    const body = [`--mcptt-${'A'.repeat(24)}`, '--mcptt-', 'line\r', '--', ''].join('\r\n');
    const content = MimeEntity.create({ 'Content-Type': 'text/plain' }, body);
    const signed = createMultipartSigned(content, Uint8Array.of(0x30, 0x03, 1, 2, 3), crypto);
    const boundary = parseContentType(signed.getHeader('Content-Type') ?? '').params.get(
      'boundary',
    );
    const parts = parseMultipart(signed.body, boundary ?? '');
    expect(parts).toHaveLength(2);
    expect(parts[0]?.raw).toEqual(content.toBytes());
    expect(parts[1]?.decodedBody()).toEqual(Uint8Array.of(0x30, 0x03, 1, 2, 3));
  });

  it('multipart/mixed reparses into its parts', () => {
    const parts = ['a', '', '--x\r\n', '\r\n'].map((text) =>
      MimeEntity.create({ 'Content-Type': 'text/plain' }, text),
    );
    const mixed = createMultipartMixed(parts, crypto);
    const boundary = mixed.contentType.params.get('boundary') ?? '';
    const reparsed = parseMultipart(mixed.body, boundary);
    expect(reparsed.map((part) => part.raw)).toEqual(parts.map((part) => part.toBytes()));
  });
});

describe('MimeEntity toBytes memo', () => {
  it('serialises a built entity once', () => {
    const entity = MimeEntity.create({ 'Content-Type': 'text/plain', 'X-A': 'b' }, 'body\r\n');
    const first = entity.toBytes();
    expect(entity.toBytes()).toBe(first);
    expect(utf8Decode(first)).toBe('Content-Type: text/plain\r\nX-A: b\r\n\r\nbody\r\n');
    const parsed = MimeEntity.parse(first);
    expect(parsed.headers).toEqual(entity.headers);
    expect(parsed.body).toEqual(entity.body);
  });
});

describe('parseCertificate array cache', () => {
  const alice = fixtureCertificate('alice');
  const san = utf8Encode('sip:alice@example.org');

  /** Returns a copy of Alice's certificate whose SAN URI has `letter` in place of the e of alice. */
  const variant = (letter: string): Uint8Array => {
    const der = alice.slice();
    const at = indexOfBytes(der, san);
    expect(at).toBeGreaterThan(0);
    der[at + 8] = letter.charCodeAt(0);
    return der;
  };
  /** Offset of the letter that {@link variant} changes. */
  const letterAt = indexOfBytes(alice, san) + 8;

  it('reparses an array changed in place', () => {
    const der = variant('b');
    expect(parseCertificate(der).uris).toEqual(['sip:alicb@example.org']);
    der[letterAt] = 'c'.charCodeAt(0);
    expect(parseCertificate(der).uris).toEqual(['sip:alicc@example.org']);
  });

  it('reparses a changed subarray', () => {
    const buffer = concatBytes(new Uint8Array(5), variant('d'), new Uint8Array(5));
    const view = buffer.subarray(5, 5 + alice.length);
    expect(parseCertificate(view).uris).toEqual(['sip:alicd@example.org']);
    buffer[5 + letterAt] = 'f'.charCodeAt(0);
    expect(parseCertificate(view).uris).toEqual(['sip:alicf@example.org']);
  });

  it('shares one parse between equal arrays', () => {
    const first = parseCertificate(variant('g'));
    expect(parseCertificate(variant('g'))).toBe(first);
    expect(parseCertificate(first.der)).toBe(first);
  });

  it('reparses its own changed der', () => {
    // verifySignedData returns a parse's own `der` array as `signerCertificate`, so a caller can
    // hold it, pass it back and change it. The byte comparison must not compare it with itself.
    const parsed = parseCertificate(variant('h'));
    expect(parseCertificate(parsed.der)).toBe(parsed);
    parsed.der[letterAt] = 'i'.charCodeAt(0);
    expect(parseCertificate(parsed.der).uris).toEqual(['sip:alici@example.org']);
  });
});

describe('digestBytes in script', () => {
  it.each([0, 1, 55, 56, 63, 64, 119, 120, 255, 256, 257, 1000])(
    'matches WebCrypto at %i bytes',
    async (length) => {
      const buffer = Uint8Array.from({ length: length + 6 }, (_, i) => (i * 131) & 0xff);
      const data = buffer.subarray(3, 3 + length);
      for (const hash of ['SHA-256', 'SHA-384', 'SHA-512']) {
        const expected = new Uint8Array(await crypto.subtle.digest(hash, data.slice()));
        expect(await digestBytes(crypto, hash, data)).toEqual(expected);
      }
    },
  );
});

describe('verification with overlapped checks', () => {
  let alice: Awaited<ReturnType<typeof fixtureKeys>>;
  const shortContent = utf8Encode('<mcpttinfo>short</mcpttinfo>');
  const longContent = utf8Encode(`<mcpttinfo>${'x'.repeat(400)}</mcpttinfo>`);

  beforeAll(async () => {
    alice = await fixtureKeys('alice');
  });

  const sign = (content: Uint8Array): Promise<Uint8Array> =>
    signContent({
      crypto,
      content,
      privateKey: alice.signingKey,
      certificate: fixtureCertificate('alice'),
      signingTime: FIXTURE_NOW,
      detached: false,
    });

  const verify = (der: Uint8Array, verifyCrypto: Crypto = crypto) =>
    verifySignedData({
      crypto: verifyCrypto,
      der,
      trustAnchors: [fixtureCertificate('ca')],
      now: FIXTURE_NOW,
    });

  const flipAt = (der: Uint8Array, index: number): Uint8Array => {
    const copy = der.slice();
    copy[index] = (copy[index] ?? 0) ^ 0x01;
    return copy;
  };

  async function expectRejection(
    attempt: Promise<unknown>,
    errorClass: typeof SignatureInvalidError | typeof NotSupportedError,
    sipStatus: number,
    message?: string,
  ): Promise<void> {
    const error: unknown = await attempt.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ code: errorClass.code, sipStatus });
    if (message !== undefined) expect((error as Error).message).toBe(message);
  }

  it.each([
    ['short', shortContent],
    ['long', longContent],
  ])('rejects %s tampered content', async (_name, content) => {
    const signed = await sign(content);
    const tampered = flipAt(signed, indexOfBytes(signed, content) + 3);
    await expectRejection(
      verify(tampered),
      SignatureInvalidError,
      403,
      'messageDigest does not match the content',
    );
  });

  it('rejects a tampered signature', async () => {
    const signed = await sign(shortContent);
    await expectRejection(
      verify(flipAt(signed, signed.length - 1)),
      SignatureInvalidError,
      403,
      'signature does not verify',
    );
  });

  it('reports the digest before the signature', async () => {
    const signed = await sign(shortContent);
    const both = flipAt(flipAt(signed, signed.length - 1), indexOfBytes(signed, shortContent) + 3);
    await expectRejection(
      verify(both),
      SignatureInvalidError,
      403,
      'messageDigest does not match the content',
    );
  });

  it('accepts untampered content', async () => {
    for (const content of [shortContent, longContent]) {
      const result = await verify(await sign(content));
      expect(result.content).toEqual(content);
      expect(result.chainTrusted).toBe(true);
    }
  });

  it('reports the digest before an unusable key', async () => {
    // A point that is not on P-256 makes WebCrypto reject the signer's key. The signer certificate
    // is only identified by issuer and serial number, so the message still names it.
    const signed = await sign(shortContent);
    const point = parseCertificate(fixtureCertificate('alice')).publicKey;
    const badKey = flipAt(signed, indexOfBytes(signed, point) + 20);
    await expectRejection(verify(badKey), NotSupportedError, 415);

    const tampered = flipAt(badKey, indexOfBytes(badKey, shortContent) + 3);
    await expectRejection(
      verify(tampered),
      SignatureInvalidError,
      403,
      'messageDigest does not match the content',
    );
  });
});

describe('prepared envelopes', () => {
  it('sealed envelope decrypts', async () => {
    const bob = await fixtureKeys('bob');
    const content = utf8Encode('<mcpttinfo>sealed</mcpttinfo>');
    for (const algorithm of ['aes-128-gcm', 'aes-256-cbc'] as const) {
      const prepared = await prepareEnvelope({
        crypto,
        recipients: [fixtureCertificate('bob'), fixtureCertificate('carol-rsa')],
        algorithm,
      });
      const sealed = await sealEnvelope(crypto, prepared, content);
      const opened = await decryptContent({
        crypto,
        der: sealed.der,
        certificate: fixtureCertificate('bob'),
        privateKey: bob.decryptionKey,
      });
      expect(opened.content).toEqual(content);
      expect(opened.contentEncryption).toBe(algorithm);
    }
  });

  it('prepare rejects a malformed recipient', async () => {
    const attempt = prepareEnvelope({
      crypto,
      recipients: [Uint8Array.of(0x30, 0x03, 0x02, 0x01)],
      algorithm: 'aes-128-gcm',
    });
    const error: unknown = await attempt.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CmsParseError);
    expect(error).toMatchObject({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 });
  });
});
