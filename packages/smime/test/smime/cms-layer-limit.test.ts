/**
 * Anyone can encrypt for a public certificate, so a message could carry many envelopes side by
 * side, each opened before the downgrade check rejects the message. Unprotect opens at most
 * MAX_CMS_LAYERS envelopes and signatures per message.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { utf8Decode } from '../../src/bytes.js';
import { LimitExceededError } from '../../src/errors.js';
import { MAX_CMS_LAYERS } from '../../src/limits.js';
import { messageBodyEntity } from '../../src/smime/sip-body.js';
import { protectMessage } from '../../src/smime/protect.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import type { SipMessage } from '../../src/sip/message.js';
import { mcpttInfoMessage, request } from './messages.js';
import { getTestPki, testCrypto, type TestPki } from './test-pki.js';

let pki: TestPki;
/** The body of a protected MESSAGE: one envelope around one signature. */
let envelope: string;

beforeAll(async () => {
  pki = await getTestPki();
  const sent = await protectMessage(mcpttInfoMessage(), {
    crypto: testCrypto,
    signer: await pki.identity('alice'),
    recipients: [pki.certificate('server')],
    now: () => pki.now,
  });
  envelope = utf8Decode(messageBodyEntity(sent)?.toBytes() ?? new Uint8Array());
});

/** Builds a MESSAGE whose multipart/mixed body contains `count` copies of the envelope. */
function withEnvelopes(count: number): SipMessage {
  const parts = Array.from({ length: count }, () => `--b1\r\n${envelope}\r\n`);
  return request('MESSAGE', `${parts.join('')}--b1--\r\n`, 'multipart/mixed; boundary=b1');
}

/** Returns a WebCrypto that counts its ECDH derivations, one per envelope opened. */
function countingCrypto(): { crypto: Crypto; derivations: () => number } {
  let derivations = 0;
  const subtle = new Proxy(testCrypto.subtle, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === 'deriveBits') derivations += 1;
        return Reflect.apply(value, target, args) as unknown;
      };
    },
  });
  const crypto = {
    subtle,
    getRandomValues: testCrypto.getRandomValues.bind(testCrypto),
  } as unknown as Crypto;
  return { crypto, derivations: () => derivations };
}

describe('MAX_CMS_LAYERS', () => {
  it('is 8', () => {
    expect(MAX_CMS_LAYERS).toBe(8);
  });

  // Each envelope contains a signature, so four of them make eight layers.
  it('rejects a fifth envelope before opening it', async () => {
    const { crypto, derivations } = countingCrypto();

    const opening = unprotectMessage(withEnvelopes(5), {
      crypto,
      identity: await pki.identity('server'),
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    });

    await expect(opening).rejects.toBeInstanceOf(LimitExceededError);
    await expect(opening).rejects.toMatchObject({
      code: 'ERR_LIMIT_EXCEEDED',
      sipStatus: 413,
      message: 'message has more than 8 CMS layers',
    });
    expect(derivations()).toBe(4);
  });

  it('opens four envelopes', async () => {
    const result = await unprotectMessage(withEnvelopes(4), {
      crypto: testCrypto,
      identity: await pki.identity('server'),
      trustAnchors: [pki.caCertificate],
      now: () => pki.now,
    });

    expect(result.parts).toHaveLength(4);
    expect(result.security.signerUri).toBe('sip:alice@example.org');
  });
});
