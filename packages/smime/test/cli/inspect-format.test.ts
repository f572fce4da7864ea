import { webcrypto } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { createCertificate, createCertsOnly } from '../../src/cms/index.js';
import {
  formatInspected,
  formatInspectedJson,
  inspectMessage,
  type InspectedEntity,
} from '../../src/cli/inspect-command.js';
import { utf8Encode } from '../../src/bytes.js';
import { MAX_NESTING_DEPTH } from '../../src/limits.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { SipMessage } from '../../src/sip/message.js';
import { buildMultipart } from '../../src/mime/multipart.js';
import { createPkcs7MimeEntity } from '../../src/smime/smime-entities.js';
import { withEntityBody } from '../../src/smime/sip-body.js';
import { mcpttInfoMessage } from '../smime/messages.js';

const crypto = webcrypto as Crypto;
const HOSTILE_URI = 'sip:alice@example.org\x1b[2K\r\x9b31mbob\x7f';

/** Builds a message whose body is a certs-only SignedData with a hostile SAN URI. */
async function messageWithHostileUri(): Promise<ReturnType<typeof mcpttInfoMessage>> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const certificate = await createCertificate({
    crypto,
    subject: 'alice\x1b]0;title\x07',
    issuerKey: pair.privateKey,
    publicKey: pair.publicKey,
    serial: 7,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
    uris: [HOSTILE_URI],
  });
  const entity = createPkcs7MimeEntity(createCertsOnly([certificate]), 'certs-only');
  return withEntityBody(mcpttInfoMessage(), entity);
}

// C0 controls, DEL and C1 controls: any of them can start a terminal escape sequence.
function hasControlCharacter(text: string): boolean {
  return Array.from(text).some((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && char !== '\n') || (code >= 0x7f && code <= 0x9f);
  });
}

describe('inspect output', () => {
  it('replaces control characters in SAN URIs', async () => {
    const text = formatInspected(inspectMessage(await messageWithHostileUri()));

    expect(hasControlCharacter(text)).toBe(false);
    expect(text).toContain('sip:alice@example.org?[2K??31mbob?');
  });

  it('replaces control characters in subjects', async () => {
    const text = formatInspected(inspectMessage(await messageWithHostileUri()));

    expect(text).toContain('CN=alice?]0;title?');
  });

  it('replaces C1 characters in the start line', () => {
    const message = SipMessage.parse(
      utf8Encode(
        'SIP/2.0 403 For\u009bbidden\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n' +
          'From: <sip:a@example.org>;tag=1\r\nTo: <sip:b@example.org>;tag=2\r\n' +
          'Call-ID: c1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n',
      ),
    );

    const text = formatInspected(inspectMessage(message));

    expect(hasControlCharacter(text)).toBe(false);
    expect(text.split('\n')[0]).toBe('SIP/2.0 403 For?bidden');
  });

  it('replaces C1 characters in a Content-Type', () => {
    // U+009B starts a terminal escape sequence on its own; MIME header values may carry it.
    const entity = MimeEntity.create(
      { 'Content-Type': 'text/plain; name="a\u009b31mb"' },
      'short data',
    );

    const text = formatInspected(inspectMessage(withEntityBody(mcpttInfoMessage(), entity)));

    expect(hasControlCharacter(text)).toBe(false);
    expect(text).toContain('a?31mb');
  });

  it('escapes DEL and C1 in JSON', async () => {
    const json = formatInspectedJson(inspectMessage(await messageWithHostileUri()));

    expect(hasControlCharacter(json)).toBe(false);
    const parsed = JSON.parse(json) as { body: { cms: { certificates: { uris: string[] }[] } } };
    expect(parsed.body.cms.certificates[0]?.uris).toEqual([HOSTILE_URI]);
  });
});

/** Wraps an mcptt-info leaf in `levels` multipart/mixed entities and makes it a message body. */
function nestedMessage(levels: number): ReturnType<typeof mcpttInfoMessage> {
  let entity = MimeEntity.parse(
    utf8Encode('Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n<mcpttinfo/>'),
  );
  for (let level = 0; level < levels; level++) {
    const boundary = `n${String(level)}`;
    entity = new MimeEntity(
      [{ name: 'Content-Type', value: `multipart/mixed; boundary=${boundary}` }],
      buildMultipart([entity], boundary),
    );
  }
  return withEntityBody(mcpttInfoMessage(), entity);
}

/** Returns the errors of an inspected tree, innermost last. */
function treeErrors(entity: InspectedEntity | undefined): string[] {
  if (entity === undefined) return [];
  return [
    ...(entity.error === undefined ? [] : [entity.error]),
    ...(entity.parts ?? []).flatMap(treeErrors),
  ];
}

describe('inspect nesting limit', () => {
  it(`reads a leaf under ${MAX_NESTING_DEPTH} containers`, () => {
    expect(treeErrors(inspectMessage(nestedMessage(MAX_NESTING_DEPTH)).body)).toEqual([]);
  });

  it(`stops at container ${MAX_NESTING_DEPTH + 1}`, () => {
    expect(treeErrors(inspectMessage(nestedMessage(MAX_NESTING_DEPTH + 1)).body)).toEqual([
      `ERR_LIMIT_EXCEEDED: MIME and CMS layers nested deeper than ${MAX_NESTING_DEPTH}`,
    ]);
  });
});
