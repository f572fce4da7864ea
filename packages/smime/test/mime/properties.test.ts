import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { base64Decode, base64Encode, utf8Encode } from '../../src/bytes.js';
import { McpttError } from '../../src/errors.js';
import { formatContentType, parseContentType } from '../../src/mime/content-type.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { buildMultipart, createBoundary, parseMultipart } from '../../src/mime/multipart.js';

const BOUNDARY = 'mcx-=_:1';

/** Bytes rich in the sequences a multipart parser trips on: CRLF runs, bare LF, `--`, dashes. */
const trickyBytes = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 16 }),
      fc.constantFrom('\r\n', '\n', '\r', '--', '\r\n--', '\n--', '-', `--${BOUNDARY.slice(0, 5)}`),
      fc.constantFrom(`${BOUNDARY}`, `x--${BOUNDARY}`, ` --${BOUNDARY}--`),
    ),
    { maxLength: 12 },
  )
  .map((chunks) =>
    chunks.reduce<Uint8Array>((joined, chunk) => {
      const bytes = typeof chunk === 'string' ? utf8Encode(chunk) : chunk;
      return new Uint8Array([...joined, ...bytes]);
    }, new Uint8Array(0)),
  );

/** A raw part: arbitrary bytes, or an empty line (no headers) and arbitrary body bytes. */
const rawPart = fc.oneof(
  trickyBytes,
  trickyBytes.map((body) => new Uint8Array([0x0d, 0x0a, ...body])),
);

const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
const headerValue = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
const headers = fc.uniqueArray(fc.tuple(headerName, headerValue), {
  maxLength: 4,
  selector: ([name]) => name.toLowerCase(),
});

/** True when `--boundary` starts `bytes` or a line after LF or a bare CR, which a sender must avoid. */
function hasBoundaryLine(bytes: Uint8Array): boolean {
  const text = new TextDecoder('latin1').decode(bytes);
  return (
    text.startsWith(`--${BOUNDARY}`) ||
    text.includes(`\n--${BOUNDARY}`) ||
    text.includes(`\r--${BOUNDARY}`)
  );
}

describe('multipart properties', () => {
  test('build then parse returns the parts', () => {
    const part = fc.tuple(headers, trickyBytes).map(([fields, body]) => {
      // Content-Type must parse, so the generated headers never use that name.
      const record = Object.fromEntries(
        fields.filter(([name]) => name.toLowerCase() !== 'content-type'),
      );
      return MimeEntity.create(record, body);
    });

    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), (parts) => {
        fc.pre(!parts.some((entity) => hasBoundaryLine(entity.toBytes())));

        const parsed = parseMultipart(buildMultipart(parts, BOUNDARY), BOUNDARY);
        expect(parsed).toHaveLength(parts.length);
        parsed.forEach((entity, index) => {
          expect(entity.headers).toEqual(parts[index]?.headers);
          expect(entity.body).toEqual(parts[index]?.body);
          expect(entity.raw).toEqual(parts[index]?.toBytes());
        });
      }),
      { numRuns: 300 },
    );
  });

  test('parsed parts rebuild byte for byte', () => {
    fc.assert(
      fc.property(fc.array(rawPart, { minLength: 1, maxLength: 5 }), (raws) => {
        // Runs with a raw part that is not a valid entity end early.
        const parts: MimeEntity[] = [];
        for (const raw of raws) {
          fc.pre(!hasBoundaryLine(raw));
          try {
            parts.push(MimeEntity.parse(raw));
          } catch (error) {
            expect(error).toBeInstanceOf(McpttError);
            return;
          }
        }
        const rebuilt = parseMultipart(buildMultipart(parts, BOUNDARY), BOUNDARY);
        expect(rebuilt.map((entity) => entity.raw)).toEqual(raws);
      }),
      { numRuns: 300 },
    );
  });

  test('random bytes raise only typed errors', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), trickyBytes), (body) => {
        try {
          for (const part of parseMultipart(body, BOUNDARY)) part.decodedBody();
        } catch (error) {
          expect(error).toBeInstanceOf(McpttError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('random delimiter soup raises only typed errors', () => {
    const piece = fc.constantFrom(
      `--${BOUNDARY}`,
      `--${BOUNDARY}--`,
      '\r\n',
      '\n',
      ' ',
      'Content-Type: text/plain',
      'Content-Transfer-Encoding: base64',
      'Content-Type: multipart/mixed; boundary="',
      'QUJD',
      '=',
      ':',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        try {
          for (const part of parseMultipart(utf8Encode(pieces.join('')), BOUNDARY)) {
            void part.contentType;
            part.decodedBody();
          }
        } catch (error) {
          expect(error).toBeInstanceOf(McpttError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('created boundaries never occur in the parts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 24 }), trickyBytes, (seed, body) => {
        const random = {
          getRandomValues<T extends ArrayBufferView | null>(array: T): T {
            if (array instanceof Uint8Array) array.set(seed.subarray(0, array.length));
            return array;
          },
        };
        const part = MimeEntity.create({}, body);
        const boundary = createBoundary(random, [part.toBytes()]);
        const [parsed] = parseMultipart(buildMultipart([part], boundary), boundary);
        expect(parsed?.body).toEqual(body);
      }),
    );
  });
});

describe('Content-Type properties', () => {
  test('format then parse returns the parameters', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    const value = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
      maxLength: 20,
    });
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 5 }), (params) => {
        const parsed = parseContentType(formatContentType('multipart/mixed', params));
        expect(Object.fromEntries(parsed.params)).toEqual(params);
      }),
    );
  });

  test('random text raises only typed errors', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (value) => {
        try {
          parseContentType(value);
        } catch (error) {
          expect(error).toBeInstanceOf(McpttError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('base64 properties', () => {
  test('decodes any line width and line end', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom('\r\n', '\n'),
        (bytes, width, lineEnd) => {
          const encoded = base64Encode(bytes, width).replaceAll('\r\n', lineEnd);
          const entity = MimeEntity.create({ 'Content-Transfer-Encoding': 'base64' }, encoded);
          expect(entity.decodedBody()).toEqual(bytes);
          expect(base64Decode(`${encoded}${lineEnd}`)).toEqual(bytes);
        },
      ),
    );
  });
});
