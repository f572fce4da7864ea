import { beforeAll, describe, expect, it } from 'vitest';

import { ReplayedError } from '../../src/errors.js';
import type { SipMessage } from '../../src/sip/message.js';
import { protectMessage } from '../../src/smime/protect.js';
import { ReplayGuard } from '../../src/smime/replay-guard.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { rejection } from '../mime/expect-error.js';
import { mcpttInfo, mcpttInfoMessage, request } from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

const MINUTE = 60_000;
const BOUND = ['Call-ID', 'CSeq'];

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

/** Protects with signed copies of `protectHeaders`, signed `signedAt` milliseconds after pki.now. */
async function protect(
  message: SipMessage,
  protectHeaders = BOUND,
  signedAt = 0,
  signer = 'alice',
) {
  return protectMessage(message, {
    crypto: testCrypto,
    signer: await pki.identity(signer),
    recipients: [pki.certificate('server')],
    now: () => new Date(pki.now.getTime() + signedAt),
    protectHeaders,
  });
}

/** Unprotects with `guard` at `offset` milliseconds after the signing time. */
async function receive(message: SipMessage, guard: ReplayGuard, offset = 0) {
  return unprotectMessage(message, {
    crypto: testCrypto,
    identity: await pki.identity('server'),
    trustAnchors: [pki.caCertificate],
    now: () => new Date(pki.now.getTime() + offset),
    replayGuard: guard,
  });
}

describe('ReplayGuard', () => {
  it('rejects a bound request received twice', async () => {
    const guard = new ReplayGuard();
    const sent = await protect(mcpttInfoMessage());

    await expect(receive(sent, guard)).resolves.toBeDefined();
    const error = await rejection(receive(sent, guard, MINUTE));
    expect(error).toBeInstanceOf(ReplayedError);
    expect(error).toMatchObject({ code: 'ERR_REPLAYED', sipStatus: 403 });
    expect(error.message).toBe('request already received');
  });

  it('accepts the next CSeq of the same Call-ID', async () => {
    const guard = new ReplayGuard();
    const first = await protect(mcpttInfoMessage());
    const next = await protect(mcpttInfoMessage().withHeader('CSeq', '2 MESSAGE'));

    await receive(first, guard);
    await expect(receive(next, guard)).resolves.toBeDefined();
    expect(guard.size).toBe(2);
  });

  it('lets through a request that binds no Call-ID', async () => {
    const guard = new ReplayGuard();
    const sent = await protect(mcpttInfoMessage(), []);

    await receive(sent, guard);
    await expect(receive(sent, guard)).resolves.toBeDefined();
    expect(guard.size).toBe(0);
  });

  it('forgets a request after its window', async () => {
    const guard = new ReplayGuard({ windowMs: 5 * MINUTE });
    const sent = await protect(mcpttInfoMessage());

    await receive(sent, guard);
    await expect(receive(sent, guard, 5 * MINUTE + 1)).resolves.toBeDefined();
  });

  it('keeps a request signed in the future until its window past the signingTime', async () => {
    const guard = new ReplayGuard({ windowMs: 5 * MINUTE });
    const sent = await protect(mcpttInfoMessage(), BOUND, 10 * MINUTE);

    // Received 4 minutes before the signingTime, then again 9 minutes later.
    await receive(sent, guard, 6 * MINUTE);
    const error = await rejection(receive(sent, guard, 14 * MINUTE));
    expect(error).toMatchObject({ code: 'ERR_REPLAYED', sipStatus: 403 });
  });

  it('drops the oldest entry past maxEntries', async () => {
    const guard = new ReplayGuard({ maxEntries: 1 });
    const first = await protect(mcpttInfoMessage());
    const second = await protect(mcpttInfoMessage().withHeader('Call-ID', 'other@example.org'));

    await receive(first, guard);
    await receive(second, guard);
    expect(guard.size).toBe(1);
    await expect(receive(first, guard)).resolves.toBeDefined();
    await expect(rejection(receive(first, guard))).resolves.toBeInstanceOf(ReplayedError);
  });

  it('rejects an INVITE bound by its Call-ID only, sent again', async () => {
    const guard = new ReplayGuard();
    const invite = request('INVITE', mcpttInfo(), 'application/vnd.3gpp.mcptt-info+xml');
    const sent = await protect(invite, ['Call-ID']);
    const resent = await protect(invite.withHeader('CSeq', '2 INVITE'));

    await receive(sent, guard);
    // The resend after a challenge binds its CSeq too, so it is a new request.
    await expect(receive(resent, guard)).resolves.toBeDefined();
    const error = await rejection(receive(sent, guard));
    expect(error).toMatchObject({ code: 'ERR_REPLAYED', sipStatus: 403 });
  });

  it('lets a flooding signer evict only their own entries', async () => {
    const guard = new ReplayGuard({ maxEntriesPerSigner: 2 });
    const fromBob = (callId: string) =>
      protect(
        mcpttInfoMessage('sip:bob@example.org').withHeader('Call-ID', callId),
        BOUND,
        0,
        'bob',
      );
    const alices = await protect(mcpttInfoMessage());

    await receive(alices, guard);
    for (const callId of ['b1', 'b2', 'b3']) await receive(await fromBob(callId), guard);
    expect(guard.size).toBe(3);
    await expect(rejection(receive(alices, guard))).resolves.toBeInstanceOf(ReplayedError);
    // bob's oldest entry made room for his third request.
    await expect(receive(await fromBob('b1'), guard)).resolves.toBeDefined();
  });

  it('keys a long Call-ID like a short one', async () => {
    const guard = new ReplayGuard();
    const sent = await protect(mcpttInfoMessage().withHeader('Call-ID', `${'x'.repeat(20_000)}@h`));

    await receive(sent, guard);
    await expect(rejection(receive(sent, guard))).resolves.toBeInstanceOf(ReplayedError);
  });

  it('rejects invalid options', () => {
    expect(() => new ReplayGuard({ windowMs: -1 })).toThrow(
      new TypeError('ReplayGuard: windowMs must be milliseconds >= 0'),
    );
    expect(() => new ReplayGuard({ maxEntries: 0 })).toThrow(
      new TypeError('ReplayGuard: maxEntries must be a positive integer'),
    );
    expect(() => new ReplayGuard({ maxEntriesPerSigner: 1.5 })).toThrow(
      new TypeError('ReplayGuard: maxEntriesPerSigner must be a positive integer'),
    );
  });

  it('rejects a replayGuard that is not one', async () => {
    const sent = await protect(mcpttInfoMessage());
    const wrong = { replayGuard: {} } as unknown as { replayGuard: ReplayGuard };
    await expect(
      unprotectMessage(sent, {
        crypto: testCrypto,
        trustAnchors: [pki.caCertificate],
        ...wrong,
      }),
    ).rejects.toThrow(new TypeError('unprotectMessage: options.replayGuard must be a ReplayGuard'));
  });
});
