/**
 * Node.js `Buffer` input. A Buffer's `slice()` returns a view of the same memory, so a copy made
 * with it is no copy: the library must neither change the caller's bytes nor keep a view of them.
 */
import { Buffer } from 'node:buffer';
import { beforeAll, describe, expect, it } from 'vitest';

import { signContent } from '../../src/cms/index.js';
import { verifySignedData } from '../../src/cms/verify-signed-data.js';
import { SipMessage } from '../../src/sip/message.js';
import { protectMessage } from '../../src/smime/protect.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { mcpttInfo, mcpttInfoMessage } from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

async function opaqueSignature(): Promise<Buffer> {
  const alice = await pki.identity('alice');
  const der = await signContent({
    crypto: testCrypto,
    content: new TextEncoder().encode(mcpttInfo()),
    privateKey: alice.signingKey,
    certificate: alice.certificate,
    signingTime: pki.now,
    detached: false,
  });
  return Buffer.from(der);
}

describe('Buffer input', () => {
  it('verifies a SignedData twice without changing it', async () => {
    const der = await opaqueSignature();
    const before = Buffer.from(der);
    const verify = () =>
      verifySignedData({
        crypto: testCrypto,
        der,
        trustAnchors: [pki.caCertificate],
        now: pki.now,
      });

    await expect(verify()).resolves.toBeDefined();
    expect(der.equals(before)).toBe(true);
    await expect(verify()).resolves.toBeDefined();
  });

  it('parses a message that the caller changes later', () => {
    const frame = Buffer.from(mcpttInfoMessage().toBytes());
    const message = SipMessage.parse(frame);
    const text = new TextDecoder().decode(message.toBytes());

    frame.fill(0x41);
    expect(new TextDecoder().decode(message.toBytes())).toBe(text);
    expect(message.callId).toBe('test-call@example.org');
  });

  it('unprotects the same received frame twice', async () => {
    const sent = await protectMessage(mcpttInfoMessage(), {
      crypto: testCrypto,
      signer: await pki.identity('alice'),
      recipients: [pki.certificate('server')],
      now: () => pki.now,
    });
    const frame = Buffer.from(sent.toBytes());
    const before = Buffer.from(frame);
    const open = async () =>
      unprotectMessage(SipMessage.parse(frame), {
        crypto: testCrypto,
        identity: await pki.identity('server'),
        trustAnchors: [pki.caCertificate],
        now: () => pki.now,
      });

    expect((await open()).security.signerUri).toBe('sip:alice@example.org');
    expect((await open()).security.signerUri).toBe('sip:alice@example.org');
    expect(frame.equals(before)).toBe(true);
  });
});
