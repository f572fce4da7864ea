import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { base64Decode, bytesEqual } from '../../src/bytes.js';
import { McpttError } from '../../src/errors.js';
import { SipMessage } from '../../src/sip/message.js';
import { protectMessage } from '../../src/smime/protect.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { SECRET_TOKEN, inviteWithSdp, mcpttInfoMessage } from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
let protectedBytes: Uint8Array;
let protectedCbcBytes: Uint8Array;

beforeAll(async () => {
  pki = await getTestPki();
  const signer = await pki.identity('alice');
  const options = {
    crypto: testCrypto,
    signer,
    recipients: [pki.certificate('server')],
    now: () => pki.now,
  };
  protectedBytes = (await protectMessage(inviteWithSdp(), options)).toBytes();
  protectedCbcBytes = (
    await protectMessage(mcpttInfoMessage(), { ...options, contentEncryption: 'aes-128-cbc' })
  ).toBytes();
});

/** Outcome of unprotecting raw bytes: the error, or the plaintext text of the result. */
async function outcome(bytes: Uint8Array): Promise<{ error?: unknown; text?: string }> {
  try {
    const message = SipMessage.parse(bytes);
    const result = await unprotectMessage(message, {
      crypto: testCrypto,
      identity: await pki.identity('server'),
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    });
    return { text: new TextDecoder().decode(result.message.toBytes()) };
  } catch (error) {
    return { error };
  }
}

async function untamperedText(): Promise<string | undefined> {
  return (await outcome(protectedCbcBytes)).text;
}

function decodePart(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return base64Decode(new TextDecoder('latin1').decode(bytes.subarray(start, end)));
}

function pkcs7Range(bytes: Uint8Array): { start: number; end: number } {
  const text = new TextDecoder('latin1').decode(bytes);
  const header = text.indexOf('application/pkcs7-mime');
  const start = text.indexOf('\r\n\r\n', header) + 4;
  const end = text.indexOf('\r\n--', start);
  return { start, end: end < 0 ? bytes.length : end };
}

describe('tampered protected messages', () => {
  it('rejects flipped bytes in the pkcs7 part', async () => {
    const { start, end } = pkcs7Range(protectedBytes);
    for (let offset = start; offset < end; offset += 41) {
      const copy = protectedBytes.slice();
      const value = copy[offset] ?? 0;
      if (value === 0x0d || value === 0x0a) continue;
      // Swap one base64 letter for another, so the base64 stays well-formed.
      copy[offset] = value === 0x41 ? 0x42 : 0x41;
      const result = await outcome(copy);

      expect(result.error, `offset ${offset}`).toBeInstanceOf(McpttError);
      expect([400, 403, 413, 415, 493]).toContain((result.error as McpttError).sipStatus);
    }
  });

  it('rejects or authenticates CBC changes', async () => {
    const { start, end } = pkcs7Range(protectedCbcBytes);
    for (let offset = start; offset < end; offset += 37) {
      const copy = protectedCbcBytes.slice();
      if (copy[offset] === 0x0d || copy[offset] === 0x0a) continue;
      copy[offset] = copy[offset] === 0x41 ? 0x42 : 0x41;
      // The last base64 letter may carry unused bits, so a change there alters no DER byte.
      if (bytesEqual(decodePart(copy, start, end), decodePart(protectedCbcBytes, start, end))) {
        continue;
      }
      const result = await outcome(copy);

      // EnvelopedData has no integrity check of its own: a change that leaves the decrypted
      // bytes intact may pass, but then the inner signature proves the content authentic.
      if (result.error === undefined) {
        expect(result.text, `offset ${offset}`).toBe(await untamperedText());
        continue;
      }
      expect(result.error, `offset ${offset}`).toBeInstanceOf(McpttError);
    }
  });

  it('rejects truncation at many offsets', async () => {
    const { start, end } = pkcs7Range(protectedBytes);
    for (let cut = start + 1; cut < end; cut += 53) {
      const truncated = new TextDecoder('latin1')
        .decode(protectedBytes)
        .slice(0, cut)
        .replace(/Content-Length: \d+/, (line) => line);
      const body = truncated.slice(truncated.indexOf('\r\n\r\n') + 4);
      const fixed = truncated.replace(/Content-Length: \d+/, `Content-Length: ${body.length}`);
      const result = await outcome(Uint8Array.from(fixed, (char) => char.charCodeAt(0)));

      expect(result.error, `cut ${cut}`).toBeInstanceOf(McpttError);
    }
  });

  // NOTE: the SDP travels in clear and unsigned by design, so the core can read and change it.
  it('does not detect SDP tampering', async () => {
    const text = new TextDecoder().decode(protectedBytes);
    const tampered = new TextEncoder().encode(text.replaceAll('192.0.2.1', '192.0.2.9'));
    const result = await outcome(tampered);

    expect(result.error).toBeUndefined();
    expect(result.text).toContain('c=IN IP4 192.0.2.9');
    expect(result.text).toContain(SECRET_TOKEN);
  });

  it('never returns plaintext for random mutations', async () => {
    const { start, end } = pkcs7Range(protectedBytes);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.integer({ min: start, max: end - 1 }), fc.integer({ min: 0, max: 255 })),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        async (mutations) => {
          const copy = protectedBytes.slice();
          for (const [offset, value] of mutations) copy[offset] = value;
          if (copy.every((byte, index) => byte === protectedBytes[index])) return;
          const result = await outcome(copy);

          expect(result.error).toBeInstanceOf(McpttError);
          expect(result.text).toBeUndefined();
        },
      ),
      { numRuns: 150, seed: 20261204 },
    );
  });
});
