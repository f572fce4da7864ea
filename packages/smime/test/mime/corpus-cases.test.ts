import { describe, expect, test } from 'vitest';
import { latin1Decode, utf8Decode } from '../../src/bytes.js';
import { BASE64_LINE_WIDTH } from '../../src/limits.js';
import { parseContentType } from '../../src/mime/content-type.js';
import { parseContentDisposition } from '../../src/mime/content-disposition.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { parseMultipart } from '../../src/mime/multipart.js';
import { encodeBase64Lines } from '../../src/mime/transfer-encoding.js';
import { corporaAvailable, readCorpus } from '../corpora.js';
import { headerValue, sha256Hex, splitSipMessage } from './sip-split.js';

/** Parses the multipart body of a corpus SIP message with the boundary from its Content-Type. */
function readMultipart(file: string): { boundary: string | undefined; parts: MimeEntity[] } {
  const message = splitSipMessage(readCorpus(`cases/${file}`));
  const boundary = parseContentType(headerValue(message, 'Content-Type')).params.get('boundary');
  return { boundary, parts: parseMultipart(message.body, boundary ?? '') };
}

/** Parses a corpus SIP message, minus its start line, as one MIME entity. */
function readEntity(file: string): MimeEntity {
  const bytes = readCorpus(`cases/${file}`);
  return MimeEntity.parse(bytes.subarray(bytes.indexOf(0x0a) + 1));
}

function expectDigest(bytes: Uint8Array, prefix: string, suffix: string): void {
  const digest = sha256Hex(bytes);
  expect(digest.startsWith(prefix)).toBe(true);
  expect(digest.endsWith(suffix)).toBe(true);
}

describe.skipIf(!corporaAvailable)('corpus multipart cases', () => {
  test.each(['B01a-quoted-boundary.sip', 'B01b-quoted-boundary-lws.sip'])(
    'quoted boundary in %s',
    (file) => {
      const { boundary, parts } = readMultipart(file);
      expect(boundary).toBe('=_mcx:1');
      expect(parts).toHaveLength(2);

      const [info, list] = parts;
      expect(info?.contentType.mediaType).toBe('application/vnd.3gpp.mcptt-info+xml');
      expectDigest(info?.body ?? new Uint8Array(), '4abb353e', '84c2e');
      expect(list?.contentType.mediaType).toBe('application/resource-lists+xml');
      expectDigest(list?.body ?? new Uint8Array(), '0acf9c0e', '507b8');
    },
  );

  test('blank lines inside a part body', () => {
    const { boundary, parts } = readMultipart('B02-part-with-blank-lines.sip');
    expect(boundary).toBe('b2-mcx');
    expect(parts).toHaveLength(2);

    const cpim = parts[1];
    expect(cpim?.headers).toEqual([{ name: 'Content-Type', value: 'message/cpim' }]);
    const body = cpim?.body ?? new Uint8Array();
    expect(body).toHaveLength(158);
    expectDigest(body, '19fb4b17', '056a7');
    const bodyText = utf8Decode(body);
    expect(bodyText.startsWith('From: <sip:alice@example.org>\r\n')).toBe(true);
    expect(bodyText.split('\r\n\r\n')).toHaveLength(3);
    expect(bodyText.endsWith('Hello')).toBe(true);
  });

  test('empty and header-only parts', () => {
    const { boundary, parts } = readMultipart('B03-empty-and-bodyless-parts.sip');
    expect(boundary).toBe('b3');
    expect(parts).toHaveLength(4);

    expect(parts[0]?.contentType.mediaType).toBe('application/vnd.3gpp.mcptt-info+xml');
    expectDigest(parts[0]?.body ?? new Uint8Array(), '4abb353e', '84c2e');
    expect(parts[1]?.headers).toEqual([{ name: 'Content-Type', value: 'text/plain' }]);
    expect(parts[1]?.body).toHaveLength(0);
    expect(parts[2]?.headers).toEqual([{ name: 'Content-Type', value: 'text/plain' }]);
    expect(parts[2]?.body).toHaveLength(0);
    expect(parts[3]?.headers).toEqual([]);
    expect(parts[3]?.contentType.mediaType).toBe('text/plain');
    expect(parts[3]?.body).toHaveLength(0);
  });

  test('header-only part has no empty line', () => {
    const { parts } = readMultipart('B03-empty-and-bodyless-parts.sip');
    expect(utf8Decode(parts[1]?.raw ?? new Uint8Array())).toBe('Content-Type: text/plain\r\n\r\n');
    expect(utf8Decode(parts[2]?.raw ?? new Uint8Array())).toBe('Content-Type: text/plain\r\n');
    expect(parts[3]?.raw).toHaveLength(0);
  });
});

describe.skipIf(!corporaAvailable)('corpus base64 wrapping cases', () => {
  test.each([
    'B17a-pkcs7-base64-single-line.sip',
    'B17b-pkcs7-base64-65col-bare-lf.sip',
    'B17c-pkcs7-base64-76col-crlf.sip',
  ])('%s decodes to the enveloped data', (file) => {
    const entity = readEntity(file);
    expect(entity.contentType.mediaType).toBe('application/pkcs7-mime');
    expect(entity.contentType.params.get('smime-type')).toBe('enveloped-data');
    expect(parseContentDisposition(entity.getHeader('Content-Disposition') ?? '').handling).toBe(
      'required',
    );

    const der = entity.decodedBody();
    expect(der).toHaveLength(525);
    expectDigest(der, '3ced91b5', '0a51b0');
  });

  test('one 12864-character line decodes', () => {
    const der = readEntity('B17d-pkcs7-base64-single-12864-char-line.sip').decodedBody();
    expect(der).toHaveLength(9648);
    expectDigest(der, '0a2fc971', 'a7b10f740000');
  });

  test('encoder rewraps in 76-column CRLF lines', () => {
    const der = readEntity('B17d-pkcs7-base64-single-12864-char-line.sip').decodedBody();
    const encoded = encodeBase64Lines(der);
    const lines = latin1Decode(encoded).split('\r\n');
    expect(lines.every((line) => line.length <= BASE64_LINE_WIDTH && !line.includes('\n'))).toBe(
      true,
    );
    expect(lines).toHaveLength(Math.ceil(12864 / BASE64_LINE_WIDTH));

    const reparsed = MimeEntity.create({ 'Content-Transfer-Encoding': 'base64' }, encoded);
    expect(reparsed.decodedBody()).toEqual(der);
  });

  test('wrapped encoding matches the 76-column file', () => {
    const canonical = readEntity('B17c-pkcs7-base64-76col-crlf.sip');
    const der = readEntity('B17a-pkcs7-base64-single-line.sip').decodedBody();
    expect(latin1Decode(encodeBase64Lines(der))).toBe(
      latin1Decode(canonical.body).replace(/\r\n$/, ''),
    );
  });
});
