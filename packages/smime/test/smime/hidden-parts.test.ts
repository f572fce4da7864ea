/**
 * Multipart bodies that other parsers split differently. RFC 2046 §5.1.1 makes every line that
 * starts with `--boundary` a delimiter. A parser that kept such a line as content, or dropped a
 * part after the close delimiter as epilogue, would miss a part that others deliver. That part
 * may be sensitive and in clear, which must count as a downgrade.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Encode } from '../../src/bytes.js';
import { MimeParseError } from '../../src/errors.js';
import { parseMultipart } from '../../src/mime/multipart.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { expectMcpttError, rejection } from '../mime/expect-error.js';
import { MCPTT_INFO, SDP, request } from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

const HIDDEN = 'hidden-text-5c1e';
const SDP_PART = `--q\r\nContent-Type: application/sdp\r\n\r\n${SDP}`;

const hostileBodies: [string, string][] = [
  [
    'a --qq line followed by a text part',
    `${SDP_PART}--qq\r\nContent-Type: text/plain\r\n\r\n${HIDDEN}\r\n--q--\r\n`,
  ],
  [
    'a full part after the close delimiter',
    `${SDP_PART}--q--\r\n--q\r\nContent-Type: ${MCPTT_INFO}\r\n\r\n${HIDDEN}\r\n--q--\r\n`,
  ],
  // Readers that end lines at a bare CR, such as Python's email package, split here.
  [
    'a delimiter after a bare CR',
    `${SDP_PART}\r--q\rContent-Type: ${MCPTT_INFO}\r\r${HIDDEN}\r\n--q--\r\n`,
  ],
];

/** Unprotects an INVITE with `body` as multipart/mixed and expects a 400 that hides the part. */
async function expectMalformedInClear(body: string): Promise<void> {
  const message = request('INVITE', body, 'multipart/mixed; boundary=q');
  const error = await rejection(
    unprotectMessage(message, {
      crypto: testCrypto,
      identity: await pki.identity('server'),
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    }),
  );

  expect(error).toBeInstanceOf(MimeParseError);
  expect(error).toMatchObject({ code: 'ERR_MIME_MALFORMED', sipStatus: 400 });
  expect(error.message).not.toContain(HIDDEN);
}

describe('parts hidden from the multipart parser', () => {
  it.each(hostileBodies)('parseMultipart rejects %s', (_name, body) => {
    const error = expectMcpttError(
      () => parseMultipart(utf8Encode(body), 'q'),
      MimeParseError,
      'ERR_MIME_MALFORMED',
      400,
    );
    expect(error.message).not.toContain(HIDDEN);
  });

  it.each(hostileBodies)('unprotectMessage rejects %s in clear', async (_name, body) => {
    await expectMalformedInClear(body);
  });

  // A reader of RFC 2231 splits the inner multipart at --r, and finds the mcptt-info in clear.
  it('unprotectMessage rejects RFC 2231 boundary twins', async () => {
    await expectMalformedInClear(
      `--q\r\nContent-Type: multipart/mixed; boundary=p; boundary*=''r\r\n\r\n` +
        `--p\r\nContent-Type: application/sdp\r\n\r\n${SDP}--r\r\n` +
        `Content-Type: ${MCPTT_INFO}\r\n\r\n${HIDDEN}\r\n--r--\r\n--p--\r\n--q--\r\n`,
    );
  });

  // RFC 2045 §6.4 allows only 7bit, 8bit and binary on a multipart. A reader that decodes the
  // quoted-printable below turns =2D=2Dp into a delimiter and finds the mcptt-info in clear.
  it('unprotectMessage rejects a quoted-printable multipart', async () => {
    await expectMalformedInClear(
      `--q\r\nContent-Type: multipart/mixed; boundary=p\r\n` +
        `Content-Transfer-Encoding: quoted-printable\r\n\r\n` +
        `--p\r\nContent-Type: application/sdp\r\n\r\nclear\r\n=2D=2Dp\r\n` +
        `Content-Type: ${MCPTT_INFO}\r\n\r\n${HIDDEN}\r\n--p--\r\n--q--\r\n`,
    );
  });

  // This parser reads boundary="p\x" as px. Readers that keep the backslash, such as Python's
  // email package, split at --p\x and find the mcptt-info in clear.
  it('unprotectMessage rejects a quoted-pair in a boundary', async () => {
    await expectMalformedInClear(
      `--q\r\nContent-Type: multipart/mixed; boundary="p\\x"\r\n\r\n` +
        `--px\r\nContent-Type: application/sdp\r\n\r\n${SDP}--p\\x\r\n` +
        `Content-Type: ${MCPTT_INFO}\r\n\r\n${HIDDEN}\r\n--p\\x--\r\n--px--\r\n--q--\r\n`,
    );
  });

  it('still accepts the same body without the hidden part', () => {
    const parts = parseMultipart(utf8Encode(`${SDP_PART}--q--\r\nepilogue\r\n`), 'q');
    expect(parts.map((part) => part.contentType.mediaType)).toEqual(['application/sdp']);
  });
});
