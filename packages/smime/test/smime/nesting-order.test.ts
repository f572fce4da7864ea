import { beforeAll, describe, expect, it } from 'vitest';

import { DowngradeError } from '../../src/errors.js';
import type { SipMessage } from '../../src/sip/message.js';
import { protectMessage } from '../../src/smime/protect.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import type { UnprotectOptions } from '../../src/smime/unprotect.js';
import { mcpttInfo, mcpttInfoMessage } from './messages.js';
import { innerMcpttInfo, opensslProtect, wrapInMessage } from './openssl-peer.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

/** Builds a MESSAGE whose mcptt-info openssl encrypted for the server, then signed as `signer`. */
function encryptThenSign(signer: string, from: string): SipMessage {
  const files = pki.files;
  const smime = opensslProtect(innerMcpttInfo(mcpttInfo()), [
    { op: 'encrypt', recipient: files.server!, cipher: 'aes-256-gcm' },
    { op: 'sign', signer: files[signer]! },
  ]);
  return wrapInMessage(mcpttInfoMessage(from), smime);
}

async function unprotect(
  message: SipMessage,
  options: Partial<UnprotectOptions> = {},
): Promise<Awaited<ReturnType<typeof unprotectMessage>>> {
  return unprotectMessage(message, {
    crypto: testCrypto,
    identity: await pki.identity('server'),
    trustAnchors: [pki.caCertificate],
    now: () => pki.now,
    ...options,
  });
}

describe('nesting order', () => {
  it('reports sign-then-encrypt', async () => {
    const sent = await protectMessage(mcpttInfoMessage(), {
      crypto: testCrypto,
      signer: await pki.identity('alice'),
      recipients: [pki.certificate('server')],
      now: () => pki.now,
    });
    const { security } = await unprotect(sent, { encryptThenSign: 'reject' });

    expect(security.order).toBe('sign-then-encrypt');
  });

  it('reports encrypt-then-sign', async () => {
    const { security } = await unprotect(encryptThenSign('alice', 'sip:alice@example.org'));

    expect(security.order).toBe('encrypt-then-sign');
    expect(security.signerUri).toBe('sip:alice@example.org');
  });

  // The outer signature covers only the ciphertext, so anyone can sign a captured envelope.
  it('attributes a re-signed envelope to its new signer', async () => {
    const { security } = await unprotect(encryptThenSign('mallory', 'sip:mallory@example.org'));

    expect(security.order).toBe('encrypt-then-sign');
    expect(security.signerUri).toBe('sip:mallory@example.org');
  });

  it('rejects encrypt-then-sign on request', async () => {
    const message = encryptThenSign('mallory', 'sip:mallory@example.org');
    const error = await unprotect(message, { encryptThenSign: 'reject' }).catch(
      (rejection: unknown) => rejection,
    );

    expect(error).toBeInstanceOf(DowngradeError);
    expect(error).toMatchObject({ code: 'ERR_DOWNGRADE', sipStatus: 403 });
  });

  it('reports no order for signed only', async () => {
    const files = pki.files;
    const smime = opensslProtect(innerMcpttInfo(mcpttInfo()), [
      { op: 'sign', signer: files.alice! },
    ]);
    const { security } = await unprotect(wrapInMessage(mcpttInfoMessage(), smime), {
      policy: { isSensitive: () => false },
    });

    expect(security.signed).toBe(true);
    expect(security.order).toBeUndefined();
  });

  it('rejects an unknown encryptThenSign value', async () => {
    const options = { encryptThenSign: 'maybe' } as unknown as Partial<UnprotectOptions>;

    await expect(
      unprotect(encryptThenSign('alice', 'sip:alice@example.org'), options),
    ).rejects.toThrow(TypeError);
  });
});
