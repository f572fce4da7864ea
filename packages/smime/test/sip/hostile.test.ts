import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MAX_HEADER_COUNT, MAX_HEADER_SECTION_BYTES, MAX_MESSAGE_BYTES } from '../../src/limits.js';
import { SipMessage } from '../../src/sip/message.js';
import { corporaAvailable, readCorpus } from '../corpora.js';
import {
  MESSAGE_TEXT,
  expectLimitExceeded,
  expectSipParseError,
  expectTypedOutcome,
} from './helpers.js';

const encoder = new TextEncoder();
const messageBytes = encoder.encode(MESSAGE_TEXT);

function withLine(line: string): Uint8Array {
  return encoder.encode(MESSAGE_TEXT.replace('\r\nMax-Forwards', `\r\n${line}\r\nMax-Forwards`));
}

function withLineBytes(line: readonly number[]): Uint8Array {
  const at = MESSAGE_TEXT.indexOf('Max-Forwards');
  return new Uint8Array([
    ...messageBytes.subarray(0, at),
    ...line,
    0x0d,
    0x0a,
    ...messageBytes.subarray(at),
  ]);
}

function expectEveryTruncationRejected(bytes: Uint8Array): void {
  for (let length = 0; length < bytes.length; length++) {
    expectSipParseError(() => SipMessage.parse(bytes.subarray(0, length)));
  }
}

describe('truncated input', () => {
  test('every truncation of a message is rejected', () => {
    expectEveryTruncationRejected(messageBytes);
  });

  test.skipIf(!corporaAvailable)('every truncation of corpus messages is rejected', () => {
    for (const file of ['cases/B06-torture-lws-folding-compact.sip', 'torture/rfc4475/wsinv.dat']) {
      expectEveryTruncationRejected(readCorpus(file));
    }
  });

  test('truncation without exactLength is still typed', () => {
    for (let length = 0; length < messageBytes.length; length++) {
      expectTypedOutcome(() =>
        SipMessage.parse(messageBytes.subarray(0, length), { exactLength: false }),
      );
    }
  });
});

describe('size limits', () => {
  test('message past MAX_MESSAGE_BYTES', () => {
    expectLimitExceeded(() => SipMessage.parse(new Uint8Array(MAX_MESSAGE_BYTES + 1)));
  });

  test('body up to MAX_MESSAGE_BYTES parses', () => {
    const head = MESSAGE_TEXT.slice(0, MESSAGE_TEXT.indexOf('Content-Length'));
    const headText = `${head}Content-Length: `;
    const bodyLength = MAX_MESSAGE_BYTES - headText.length - '262000\r\n\r\n'.length;
    const text = `${headText}${bodyLength}\r\n\r\n`;
    const bytes = new Uint8Array(MAX_MESSAGE_BYTES).fill(0x61);
    bytes.set(encoder.encode(text));
    expect(SipMessage.parse(bytes).body.length).toBe(bodyLength);
  });

  test('header section past MAX_HEADER_SECTION_BYTES', () => {
    expectLimitExceeded(() =>
      SipMessage.parse(withLine(`Subject: ${'a'.repeat(MAX_HEADER_SECTION_BYTES)}`)),
    );
  });

  test('header section without an end past the limit', () => {
    const bytes = new Uint8Array(MAX_HEADER_SECTION_BYTES + 10).fill(0x61);
    expectLimitExceeded(() => SipMessage.parse(bytes));
  });

  test(`more than ${MAX_HEADER_COUNT} header fields`, () => {
    const extra = MAX_HEADER_COUNT - 8;
    const fits = Array.from({ length: extra }, (_, i) => `X-${i}: ${i}`).join('\r\n');
    expect(SipMessage.parse(withLine(fits)).headers.length).toBe(MAX_HEADER_COUNT);
    expectLimitExceeded(() => SipMessage.parse(withLine(`${fits}\r\nX-Last: 1`)));
  });
});

describe('malformed bytes', () => {
  test('NUL in a header value', () => {
    expectSipParseError(
      () => SipMessage.parse(withLine('Subject: a\x00b')),
      'invalid character in Subject header',
    );
  });

  test('NUL in a header name', () => {
    expectSipParseError(
      () => SipMessage.parse(withLine('Sub\x00ject: a')),
      'invalid header field name',
    );
  });

  test('NUL in the start line', () => {
    const bytes = encoder.encode(MESSAGE_TEXT.replace('sip:bob@', 'sip:b\x00b@'));
    expectSipParseError(() => SipMessage.parse(bytes), 'invalid Request-URI');
  });

  test('NUL in the body is kept', () => {
    const bytes = encoder.encode(MESSAGE_TEXT.replace(/hello$/, 'he\x00lo'));
    expect(SipMessage.parse(bytes).body[2]).toBe(0);
  });

  test('other control characters in values', () => {
    for (const char of ['\x01', '\x1b', '\x7f', '\x0b']) {
      expectSipParseError(
        () => SipMessage.parse(withLine(`Subject: a${char}b`)),
        'invalid character',
      );
    }
  });

  test('bare CR in the header section', () => {
    expectSipParseError(
      () => SipMessage.parse(withLine('Subject: a\rb')),
      'bare CR in SIP header section',
    );
  });

  test('invalid UTF-8 in a header', () => {
    const sequences = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82]];
    for (const sequence of sequences) {
      const line = [...encoder.encode('Subject: a'), ...sequence, 0x62];
      expectSipParseError(
        () => SipMessage.parse(withLineBytes(line)),
        'invalid UTF-8 in SIP header section',
      );
    }
  });

  // TextDecoder drops a leading byte order mark unless ignoreBOM is set, which would hide it.
  test('byte order mark before a header', () => {
    const line = [0xef, 0xbb, 0xbf, ...encoder.encode('Subject: a')];
    expectSipParseError(() => SipMessage.parse(withLineBytes(line)), 'invalid header field name');
  });

  test('byte order mark before the start line', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...messageBytes]);
    expectSipParseError(() => SipMessage.parse(bytes));
  });

  // The header tables are object literals, whose inherited members a lookup must not find.
  test('fields named like Object members', () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
    const bytes = encoder.encode(
      MESSAGE_TEXT.replace(
        '\r\nMax-Forwards',
        `${names.map((name) => `\r\n${name}: x`).join('')}\r\nMax-Forwards`,
      ),
    );
    const message = SipMessage.parse(bytes);
    for (const name of names) expect(message.getHeader(name)).toBe('x');
  });

  const lengths = ['-5', '+5', '5.0', '0x5', '1e1', '5 5', '', 'five'];
  for (const value of lengths) {
    test(`Content-Length ${JSON.stringify(value)}`, () => {
      const bytes = encoder.encode(
        MESSAGE_TEXT.replace('Content-Length: 5', `Content-Length: ${value}`),
      );
      expectSipParseError(() => SipMessage.parse(bytes), 'invalid Content-Length header');
    });
  }

  test('overflowing Content-Length', () => {
    for (const value of ['18446744073709551621', '9'.repeat(400)]) {
      const bytes = encoder.encode(
        MESSAGE_TEXT.replace('Content-Length: 5', `Content-Length: ${value}`),
      );
      expectSipParseError(
        () => SipMessage.parse(bytes),
        'Content-Length larger than the received body',
      );
    }
  });

  test('Content-Length with leading zeros', () => {
    const bytes = encoder.encode(MESSAGE_TEXT.replace('Content-Length: 5', 'Content-Length: 0005'));
    expect(SipMessage.parse(bytes).body.length).toBe(5);
  });
});

describe('pathological header values parse in linear time', () => {
  const size = MAX_HEADER_SECTION_BYTES - 1000;
  const cases: Readonly<Record<string, string>> = {
    'spaces inside a value': `Subject: a${' '.repeat(size)}b`,
    'colons in an IPv6 host': `Contact: <sip:a@[${':'.repeat(size)}x]>`,
    'many Via params': `Via: SIP/2.0/UDP h.example.org${';a=1'.repeat(size / 4)}`,
    'many list elements': `Via: ${'SIP/2.0/UDP a.example.org,'.repeat(size / 30)}SIP/2.0/UDP b`,
    'many folds': `Subject: a${'\r\n b'.repeat(size / 4)}`,
    'long hostname': `Contact: <sip:${'a.'.repeat(size / 2)}!>`,
    'long quoted display name': `Contact: "${'\\"'.repeat(size / 2)} <sip:a@b>`,
  };
  for (const [name, line] of Object.entries(cases)) {
    test(name, () => {
      const start = performance.now();
      expectTypedOutcome(() => SipMessage.parse(withLine(line)));
      expect(performance.now() - start).toBeLessThan(1000);
    });
  }
});

const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,12}$/);
const word = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
const phrase = fc
  .array(fc.stringMatching(/^[A-Za-z0-9,;=/()<>@?.é漢]{1,10}$/), { minLength: 1, maxLength: 5 })
  .map((words) => words.join(' '));
const quoted = fc
  .stringMatching(/^[A-Za-z0-9 "\\é]{0,12}$/)
  .map((text) => text.replace(/["\\]/g, (char) => `\\${char}`).trim());

const validMessage = fc.record({
  method: fc.stringMatching(/^[A-Z]{3,10}$/),
  user: word,
  host: fc.array(word, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.')),
  branch: token,
  displayName: quoted,
  tag: token,
  callId: fc.tuple(word, word).map(([a, b]) => `${a}@${b}`),
  sequence: fc.integer({ min: 0, max: 0xffffffff }),
  extras: fc.array(fc.tuple(word, phrase, fc.boolean()), { maxLength: 5 }),
  body: fc.uint8Array({ maxLength: 64 }),
  lineEnd: fc.constantFrom('\r\n', '\n'),
});

function buildMessage(parts: typeof validMessage extends fc.Arbitrary<infer T> ? T : never) {
  const lines = [
    `${parts.method} sip:${parts.user}@${parts.host} SIP/2.0`,
    `Via: SIP/2.0/WSS ${parts.host};branch=z9hG4bK${parts.branch}`,
    `From: "${parts.displayName}" <sip:${parts.user}@${parts.host}>;tag=${parts.tag}`,
    `t: <sip:${parts.user}@${parts.host}>`,
    `Call-ID: ${parts.callId}`,
    `CSeq: ${parts.sequence} ${parts.method}`,
    ...parts.extras.map(
      ([name, value, fold]) =>
        `X-${name}: ${fold ? value.replace(' ', `${parts.lineEnd} `) : value}`,
    ),
    // RFC 3261 §20.15: a body needs a Content-Type.
    'Content-Type: application/octet-stream',
    `Content-Length: ${parts.body.length}`,
    '',
    '',
  ];
  const head = encoder.encode(lines.join(parts.lineEnd));
  return new Uint8Array([...head, ...parts.body]);
}

describe('property tests', () => {
  test('generated messages round-trip', () => {
    fc.assert(
      fc.property(validMessage, (parts) => {
        const bytes = buildMessage(parts);
        const message = SipMessage.parse(bytes);
        expect(message.toBytes()).toEqual(bytes);
        expect(message.method).toBe(parts.method);
        expect(message.callId).toBe(parts.callId);
        expect(message.cseq.sequence).toBe(parts.sequence);
        expect(message.body).toEqual(parts.body);
        const extras = message.headers.filter((header) => header.name.startsWith('X-'));
        expect(extras.map((header) => header.value)).toEqual(
          parts.extras.map(([, value]) => value),
        );
      }),
      { numRuns: 300 },
    );
  });

  test('changed messages reparse to the same fields', () => {
    fc.assert(
      fc.property(validMessage, fc.uint8Array({ maxLength: 64 }), (parts, body) => {
        const message = SipMessage.parse(buildMessage(parts)).withBody(body, {
          contentType: 'application/octet-stream',
          contentTransferEncoding: 'binary',
        });
        const reparsed = SipMessage.parse(message.toBytes());
        expect(reparsed.headers).toEqual(message.headers);
        expect(reparsed.body).toEqual(body);
        expect(reparsed.getHeader('Content-Length')).toBe(String(body.length));
      }),
      { numRuns: 200 },
    );
  });

  test('random bytes raise only typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        expectTypedOutcome(() => SipMessage.parse(bytes));
      }),
      { numRuns: 500 },
    );
  });

  test('random SIP-like text raises only typed errors', () => {
    const pieces = fc.constantFrom(
      'INVITE ',
      'SIP/2.0 ',
      'SIP/2.0',
      ' 200 OK',
      'sip:',
      'a@b.example',
      '\r\n',
      '\n',
      ' ',
      '\t',
      'Via:',
      'v:',
      'From:',
      'To:',
      'Call-ID:',
      'CSeq:',
      'Content-Length:',
      'l:',
      '1 INVITE',
      '5',
      ';',
      ',',
      '"',
      '\\',
      '<',
      '>',
      '[',
      ']',
      ':',
      '=',
      '%',
      '%00',
      'tag=x',
      '\x00',
      'é',
      '\r',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 80 }), (chunks) => {
        const bytes = encoder.encode(chunks.join(''));
        expectTypedOutcome(() => SipMessage.parse(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  test('mutated messages raise only typed errors', () => {
    const mutation = fc.tuple(
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom('set', 'insert', 'delete'),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const bytes = [...messageBytes];
        for (const [position, value, kind] of mutations) {
          const at = position % bytes.length;
          if (kind === 'set') bytes[at] = value;
          else if (kind === 'insert') bytes.splice(at, 0, value);
          else bytes.splice(at, 1);
        }
        const input = new Uint8Array(bytes);
        try {
          expect(SipMessage.parse(input).toBytes()).toEqual(input);
        } catch (error) {
          expectTypedOutcome(() => {
            throw error;
          });
        }
      }),
      { numRuns: 1000 },
    );
  });
});
