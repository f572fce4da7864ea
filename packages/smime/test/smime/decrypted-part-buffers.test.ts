import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Decode } from '../../src/bytes.js';
import type { ContentEncryptionAlgorithm } from '../../src/cms/content-encryption.js';
import { createCertsOnly } from '../../src/cms/index.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { buildMultipart } from '../../src/mime/multipart.js';
import { createPkcs7MimeEntity } from '../../src/smime/smime-entities.js';
import { protectAsAlice, unprotectAtServer } from './alice-to-server.js';
import { MCPTT_INFO, SECRET_TOKEN, mcpttInfo, request } from './messages.js';
import { getTestPki, type TestPki } from './test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

// Structured cloning (postMessage, IndexedDB) copies the whole buffer of a view, so a decrypted
// part that shared the decrypted content's buffer would carry its sibling parts along.
describe('decrypted parts', () => {
  it('share no buffer with sibling plaintext', async () => {
    const body = buildMultipart(
      [
        MimeEntity.create({ 'Content-Type': MCPTT_INFO }, mcpttInfo()),
        MimeEntity.create({ 'Content-Type': 'text/plain; charset=utf-8' }, 'short data payload'),
      ],
      'sd-boundary',
    );
    const sent = await protectAsAlice(
      pki,
      request('MESSAGE', body, 'multipart/mixed; boundary=sd-boundary'),
    );

    const { parts } = await unprotectAtServer(pki, sent);
    const payload = parts.find((part) => part.contentType.mediaType === 'text/plain');
    if (payload === undefined) throw new Error('payload part missing');
    const cloned = structuredClone(payload.toBytes());

    expect(utf8Decode(payload.decodedBody())).toBe('short data payload');
    expect(utf8Decode(new Uint8Array(cloned.buffer))).not.toContain(SECRET_TOKEN);
    expect(payload.toBytes().buffer.byteLength).toBe(payload.toBytes().length);
  });

  it.each<ContentEncryptionAlgorithm>(['aes-128-gcm', 'aes-256-cbc'])(
    'give a certs-only part its own buffer with %s',
    async (contentEncryption) => {
      const certsOnly = createPkcs7MimeEntity(
        createCertsOnly([pki.certificate('alice')]),
        'certs-only',
      );
      const body = buildMultipart(
        [MimeEntity.create({ 'Content-Type': MCPTT_INFO }, mcpttInfo()), certsOnly],
        'co-boundary',
      );
      const sent = await protectAsAlice(
        pki,
        request('MESSAGE', body, 'multipart/mixed; boundary=co-boundary'),
        { contentEncryption },
      );

      const { parts } = await unprotectAtServer(pki, sent);
      const part = parts.find(
        (entity) => entity.contentType.mediaType === 'application/pkcs7-mime',
      );
      if (part === undefined) throw new Error('certs-only part missing');
      const bytes = part.toBytes();

      expect(bytes.buffer.byteLength).toBe(bytes.length);
      expect(part.body.buffer).toBe(bytes.buffer);
      expect(utf8Decode(new Uint8Array(structuredClone(part.body).buffer))).not.toContain(
        SECRET_TOKEN,
      );
    },
  );
});
