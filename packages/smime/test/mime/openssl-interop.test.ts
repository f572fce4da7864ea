/**
 * Interop with OpenSSL as the independent S/MIME peer: the bytes `parseMultipart` returns for the
 * first part of a multipart/signed are exactly what OpenSSL signed, and OpenSSL verifies a
 * multipart/signed that `buildMultipart` wrote.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { runsWithTool } from '../../../../tools/required-tool.js';
import { utf8Encode } from '../../src/bytes.js';
import { formatContentType, parseContentType } from '../../src/mime/content-type.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { buildMultipart, createBoundary, parseMultipart } from '../../src/mime/multipart.js';
import { encodeBase64Lines } from '../../src/mime/transfer-encoding.js';

const OPENSSL = '/usr/bin/openssl';
const CONTENT = utf8Encode(
  'Content-Type: text/plain\r\n\r\nhello\r\n\r\n--not-the-boundary\r\nworld',
);

let dir = '';

function openssl(...args: string[]): Buffer {
  return execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Splits an S/MIME message into its multipart/signed parts. */
function readSigned(message: Uint8Array): MimeEntity[] {
  const entity = MimeEntity.parse(message);
  expect(entity.contentType.mediaType).toBe('multipart/signed');
  return parseMultipart(entity.body, entity.contentType.params.get('boundary') ?? '');
}

describe.skipIf(!runsWithTool(existsSync(OPENSSL)))('multipart/signed with OpenSSL', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mime-openssl-'));
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=alice',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '1',
    );
    writeFileSync(join(dir, 'content.bin'), CONTENT);
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ['LF line ends', []],
    ['CRLF line ends', ['-crlfeol']],
  ])('first part is the signed content with %s', (_name, extra) => {
    const signed = openssl(
      'cms',
      '-sign',
      '-binary',
      '-md',
      'sha256',
      '-in',
      'content.bin',
      '-signer',
      'cert.pem',
      '-inkey',
      'key.pem',
      ...extra,
    );
    const parts = readSigned(new Uint8Array(signed));
    expect(parts).toHaveLength(2);
    expect(parts[0]?.raw).toEqual(CONTENT);

    const signature = parts[1];
    expect(signature?.contentType.mediaType).toBe('application/pkcs7-signature');
    writeFileSync(join(dir, 'part.bin'), parts[0]?.raw ?? new Uint8Array());
    writeFileSync(join(dir, 'sig.der'), signature?.decodedBody() ?? new Uint8Array());
    expect(() =>
      openssl(
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        'sig.der',
        '-content',
        'part.bin',
        '-CAfile',
        'cert.pem',
        '-out',
        'verified.bin',
      ),
    ).not.toThrow();
    expect(new Uint8Array(readFileSync(join(dir, 'verified.bin')))).toEqual(CONTENT);
  });

  test('OpenSSL verifies a built multipart/signed', () => {
    const der = openssl(
      'cms',
      '-sign',
      '-binary',
      '-md',
      'sha256',
      '-in',
      'content.bin',
      '-signer',
      'cert.pem',
      '-inkey',
      'key.pem',
      '-outform',
      'DER',
    );
    const content = MimeEntity.parse(CONTENT);
    const signature = MimeEntity.create(
      {
        'Content-Type': 'application/pkcs7-signature; name=smime.p7s',
        'Content-Transfer-Encoding': 'base64',
        'Content-Disposition': 'attachment; handling=required; filename=smime.p7s',
      },
      encodeBase64Lines(new Uint8Array(der)),
    );
    const parts = [content, signature];
    const boundary = createBoundary(
      crypto,
      parts.map((part) => part.toBytes()),
    );
    const contentType = formatContentType('multipart/signed', {
      protocol: 'application/pkcs7-signature',
      micalg: 'sha-256',
      boundary,
    });
    expect(parseContentType(contentType).params.get('boundary')).toBe(boundary);

    const message = MimeEntity.create(
      { 'MIME-Version': '1.0', 'Content-Type': contentType },
      buildMultipart(parts, boundary),
    );
    writeFileSync(join(dir, 'built.eml'), message.toBytes());
    // OpenSSL 3.0 fails to verify this CRLF message with -binary alone and succeeds with -crlfeol,
    // which makes it read CRLF as one line end when it splits the parts.
    expect(() =>
      openssl(
        'cms',
        '-verify',
        '-binary',
        '-crlfeol',
        '-in',
        'built.eml',
        '-CAfile',
        'cert.pem',
        '-out',
        'built-verified.bin',
      ),
    ).not.toThrow();
    expect(new Uint8Array(readFileSync(join(dir, 'built-verified.bin')))).toEqual(CONTENT);
  });
});
