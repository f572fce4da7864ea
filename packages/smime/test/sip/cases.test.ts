import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { parseNameAddress } from '../../src/sip/address.js';
import { SipMessage } from '../../src/sip/message.js';
import { buildErrorResponse, tryParseForResponse } from '../../src/sip/response.js';
import { parseVia } from '../../src/sip/via.js';
import { corporaAvailable, listCorpus, readCorpus } from '../corpora.js';
import { expectSipParseError } from './helpers.js';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function caseFile(name: string): Uint8Array {
  return readCorpus(`cases/${name}`);
}

describe.skipIf(!corporaAvailable)('known failure cases', () => {
  const b05 = 'B05-malformed-cseq.sip';

  test('B05 malformed CSeq is rejected', () => {
    expectSipParseError(() => SipMessage.parse(caseFile(b05)), 'invalid CSeq header');
  });

  test('B05 still gets a 400 with the request fields', () => {
    const request = caseFile(b05);
    const bytes = buildErrorResponse(request, 400, 'Bad Request (invalid CSeq header)');
    expect(bytes).toBeDefined();
    const text = new TextDecoder().decode(bytes);
    expect(text.startsWith('SIP/2.0 400 Bad Request (invalid CSeq header)\r\n')).toBe(true);
    expect(text).toContain('Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK6a62aa50cc\r\n');
    expect(text).toContain('To: <sip:alice@df7jal23ls0d.invalid;transport=ws>\r\n');
    expect(text).toContain('From: <sip:bob@example.org>;tag=77b0bcs1\r\n');
    expect(text).toContain('Call-ID: b05-badcseq@example.org\r\n');
    expect(text).toContain('CSeq: abcdefg\r\n');
    expect(text.endsWith('Content-Length: 0\r\n\r\n')).toBe(true);
  });

  test('B05 partial request keeps the copied fields only', () => {
    const result = tryParseForResponse(caseFile(b05));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toBe('invalid CSeq header');
    expect(result.partialRequest?.headers.map((header) => header.name)).toEqual([
      'Via',
      'To',
      'From',
      'Call-ID',
      'CSeq',
      'Content-Length',
    ]);
  });

  test('B05 next message on the connection parses', () => {
    tryParseForResponse(caseFile(b05));
    expect(SipMessage.parse(caseFile('B01a-quoted-boundary.sip')).method).toBe('MESSAGE');
  });

  test('B06 folded, compact and spaced headers', () => {
    const message = SipMessage.parse(caseFile('B06-torture-lws-folding-compact.sip'));
    const [top, second] = message.getHeaders('Via').map(parseVia);
    expect(top?.protocol).toBe('SIP/2.0/WSS');
    expect(top?.host).toBe('edge.example.org');
    expect(top?.branch).toBe('z9hG4bKtort0001');
    expect(second?.host).toBe('core.example.org');

    const from = parseNameAddress(message.getHeader('From') ?? '');
    expect(from.displayName).toBe('Bob "B" Example');
    expect(from.uri).toBe('sip:bob@example.org');
    expect(from.params.get('tag')).toBe('98asjd8');
    expect(message.cseq).toEqual({ sequence: 8, method: 'MESSAGE' });
    expect(message.getHeader('X-Odd-Value')).toBe('first part second part');
  });

  test('B06 content type and body', () => {
    const bytes = caseFile('B06-torture-lws-folding-compact.sip');
    const message = SipMessage.parse(bytes);
    expect(message.contentType?.mediaType).toBe('text/plain');
    expect(message.contentType?.params.get('charset')).toBe('UTF-8');
    expect(new TextDecoder().decode(message.body)).toBe('hello');
    expect(message.toBytes()).toEqual(bytes);
  });

  test('B07 binary body is kept byte for byte', () => {
    const bytes = caseFile('B07-pkcs7-binary-body.ws-binary-frame.sip');
    const message = SipMessage.parse(bytes);
    expect(message.body.length).toBe(1191);
    expect(sha256(message.body)).toBe(
      'c06a41bddcb00c5ea9a0566221e2f81fad92999533a36fa09dff3711bae91053',
    );
    expect(message.getHeader('Content-Transfer-Encoding')).toBe('binary');
    expect(message.contentType?.mediaType).toBe('application/pkcs7-mime');
    expect(message.toBytes()).toEqual(bytes);
  });

  test('B08a Content-Length counting characters is rejected', () => {
    const bytes = caseFile('B08a-pkcs7-body-utf8-inflated-cl-counts-chars.sip');
    expectSipParseError(
      () => SipMessage.parse(bytes),
      'Content-Length smaller than the received body',
    );
  });

  test('B08b inflated body parses with its UTF-8 length', () => {
    const message = SipMessage.parse(
      caseFile('B08b-pkcs7-body-utf8-inflated-cl-counts-utf8-bytes.sip'),
    );
    expect(message.body.length).toBe(1417);
    expect(sha256(message.body)).toMatch(/^fd371fac[0-9a-f]+16c3c8$/);
  });
});

describe.skipIf(!corporaAvailable)('MCPTT example messages', () => {
  const folders = ['mcptt', 'smime-examples/sip-mcptt-generated'];
  const files = folders.flatMap((folder) =>
    listCorpus(folder)
      .filter((file) => file.endsWith('.sip'))
      .map((file) => `${folder}/${file}`),
  );

  test('corpus is present', () => {
    expect(files.length).toBe(11);
  });

  for (const file of files) {
    test(`${file.split('/').pop()} parses and round-trips`, () => {
      const bytes = readCorpus(file);
      const message = SipMessage.parse(bytes);
      expect(message.toBytes()).toEqual(bytes);
      expect(message.body.length).toBe(Number(message.getHeader('Content-Length')));
    });
  }

  test('response method comes from CSeq', () => {
    const message = SipMessage.parse(readCorpus(files.find((f) => f.includes('07-200ok')) ?? ''));
    expect(message.isRequest).toBe(false);
    expect(message.method).toBe('INVITE');
  });
});
