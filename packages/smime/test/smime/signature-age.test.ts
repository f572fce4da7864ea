import { beforeAll, describe, expect, it } from 'vitest';

import { SignatureInvalidError } from '../../src/errors.js';
import type { SipMessage } from '../../src/sip/message.js';
import { protectMessage } from '../../src/smime/protect.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import type { UnprotectOptions } from '../../src/smime/unprotect.js';
import { mcpttInfo, mcpttInfoMessage } from './messages.js';
import { innerMcpttInfo, opensslProtect, wrapInMessage } from './openssl-peer.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

const MINUTE = 60_000;

let pki: TestPki;
let sent: SipMessage;
let signedAt: number;

beforeAll(async () => {
  pki = await getTestPki();
  // Later than the certificates' notBefore, so that a clock before the signing time is valid too.
  signedAt = pki.now.getTime() + 10 * MINUTE;
  sent = await protectMessage(mcpttInfoMessage(), {
    crypto: testCrypto,
    signer: await pki.identity('alice'),
    recipients: [pki.certificate('server')],
    now: () => new Date(signedAt),
  });
});

/** Unprotects `message` at `offset` milliseconds after the signing time. */
async function unprotectAt(
  message: SipMessage,
  offset: number,
  options: Partial<UnprotectOptions> = {},
): Promise<unknown> {
  try {
    return await unprotectMessage(message, {
      crypto: testCrypto,
      identity: await pki.identity('server'),
      trustAnchors: [pki.caCertificate],
      now: () => new Date(signedAt + offset),
      ...options,
    });
  } catch (error) {
    return error;
  }
}

function expectStale(error: unknown): void {
  expect(error).toBeInstanceOf(SignatureInvalidError);
  expect(error).toMatchObject({ code: 'ERR_SIGNATURE_INVALID', sipStatus: 403 });
}

describe('maxSignatureAge', () => {
  it('is off by default', async () => {
    const result = await unprotectAt(sent, 60 * MINUTE);

    expect(result).toMatchObject({ security: { signed: true } });
  });

  it('reports the signingTime in the outcome', async () => {
    const result = await unprotectAt(sent, 60 * MINUTE);

    // UTCTime carries whole seconds.
    const second = Math.floor(signedAt / 1000) * 1000;
    expect(result).toMatchObject({ security: { signingTime: new Date(second) } });
  });

  it('accepts a signature inside the window', async () => {
    const result = await unprotectAt(sent, 4 * MINUTE, { maxSignatureAge: 5 * MINUTE });

    expect(result).toMatchObject({ security: { signed: true } });
  });

  it('rejects an old signature', async () => {
    expectStale(await unprotectAt(sent, 6 * MINUTE, { maxSignatureAge: 5 * MINUTE }));
  });

  it('rejects a signature from the future', async () => {
    expectStale(await unprotectAt(sent, -6 * MINUTE, { maxSignatureAge: 5 * MINUTE }));
  });

  it('rejects a signature without signingTime', async () => {
    const files = pki.files;
    const smime = opensslProtect(innerMcpttInfo(mcpttInfo()), [
      { op: 'sign', signer: files.alice!, args: ['-noattr'] },
      { op: 'encrypt', recipient: files.server!, cipher: 'aes-256-gcm' },
    ]);
    const message = wrapInMessage(mcpttInfoMessage(), smime);

    const opened = await unprotectAt(message, 0);
    expect(opened).toMatchObject({ security: { signed: true } });
    expect((opened as { security: object }).security).not.toHaveProperty('signingTime');
    expectStale(await unprotectAt(message, 0, { maxSignatureAge: 5 * MINUTE }));
  });

  it('rejects a negative maxSignatureAge', async () => {
    const error = await unprotectAt(sent, 0, { maxSignatureAge: -1 });

    expect(error).toBeInstanceOf(TypeError);
  });
});
