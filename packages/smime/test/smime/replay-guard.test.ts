import { beforeAll, describe, expect, it } from 'vitest';

import { HeaderMismatchError, ReplayedError } from '../../src/errors.js';
import type { SipMessage } from '../../src/sip/message.js';
import type { SecurityInfo } from '../../src/smime/security.js';
import { protectMessage } from '../../src/smime/protect.js';
import {
  compactReplayRecords,
  ReplayGuard,
  type ReplayRecord,
} from '../../src/smime/replay-guard.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';
import { rejection } from '../mime/expect-error.js';
import { thrownBy } from '../sip/helpers.js';
import { mcpttInfo, mcpttInfoMessage, request } from './messages.js';
import { getTestPki, testCrypto } from './test-pki.js';
import type { TestPki } from './test-pki.js';

const MINUTE = 60_000;
const BOUND = ['Call-ID', 'CSeq'];

let pki: TestPki;
beforeAll(async () => {
  pki = await getTestPki();
});

/** Asserts that `action` raises ReplayedError, with its code, SIP status and `message` when given. */
function expectReplayed(action: () => unknown, message?: string): void {
  const error = thrownBy(action);
  expect(error).toBeInstanceOf(ReplayedError);
  expect(error).toMatchObject({ code: 'ERR_REPLAYED', sipStatus: 403 });
  if (message !== undefined) expect((error as ReplayedError).message).toBe(message);
}

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

  it('rejects an entry dropped past maxEntries', async () => {
    const guard = new ReplayGuard({ maxEntries: 1 });
    const first = await protect(mcpttInfoMessage());
    const second = await protect(
      mcpttInfoMessage().withHeader('Call-ID', 'other@example.org'),
      BOUND,
      1000,
    );
    const third = await protect(
      mcpttInfoMessage().withHeader('Call-ID', 'third@example.org'),
      BOUND,
      2000,
    );

    await receive(first, guard);
    await receive(second, guard);
    expect(guard.size).toBe(1);
    const error = await rejection(receive(first, guard));
    expect(error).toMatchObject({ code: 'ERR_REPLAYED', sipStatus: 403 });
    expect(error.message).toBe('request too old to check for a replay');
    // A request signed after the dropped one is new.
    await expect(receive(third, guard)).resolves.toBeDefined();
  });

  it('keeps entries with an infinite window', async () => {
    const guard = new ReplayGuard({ windowMs: Infinity });
    const sent = await protect(mcpttInfoMessage());

    await receive(sent, guard);
    const error = await rejection(receive(sent, guard, 24 * 60 * MINUTE));
    expect(error).toMatchObject({
      code: 'ERR_REPLAYED',
      sipStatus: 403,
      message: 'request already received',
    });
  });

  it('marks no entry that expired', async () => {
    const guard = new ReplayGuard({ windowMs: 5 * MINUTE, maxEntriesPerSigner: 1 });
    const first = await protect(mcpttInfoMessage());
    const second = await protect(mcpttInfoMessage().withHeader('Call-ID', 'other@example.org'));

    await receive(first, guard);
    // The first entry has expired when the second arrives, so no room is made and nothing is
    // marked: the age check of the receiver, not the guard, stops the first one from then on.
    await receive(second, guard, 6 * MINUTE);
    await expect(receive(first, guard, 6 * MINUTE)).resolves.toBeDefined();
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

  it('rejects a MESSAGE bound by Call-ID only', async () => {
    const guard = new ReplayGuard();
    const sent = await protect(mcpttInfoMessage(), ['Call-ID']);

    const error = await rejection(receive(sent, guard));
    expect(error).toBeInstanceOf(HeaderMismatchError);
    expect(error).toMatchObject({ code: 'ERR_HEADER_MISMATCH', sipStatus: 403 });
    expect(error.message).toBe('MESSAGE binds its Call-ID but not its CSeq');
    expect(guard.size).toBe(0);
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
    const replayed = await rejection(receive(alices, guard));
    expect(replayed.message).toBe('request already received');
    // bob's oldest entry made room for his third request, and his requests signed no later are
    // rejected from then on; alice's new ones are not.
    const dropped = await rejection(receive(await fromBob('b1'), guard));
    expect(dropped.message).toBe('request too old to check for a replay');
    const next = mcpttInfoMessage().withHeader('Call-ID', 'a2@example.org');
    await expect(receive(await protect(next), guard)).resolves.toBeDefined();
  });

  it('marks a flooded signer up to their requests', async () => {
    const guard = new ReplayGuard({ maxEntries: 2 });
    const alices = await protect(mcpttInfoMessage());
    const fromBob = async (callId: string) =>
      protect(
        mcpttInfoMessage('sip:bob@example.org').withHeader('Call-ID', callId),
        BOUND,
        1000,
        'bob',
      );

    await receive(alices, guard);
    for (const callId of ['b1', 'b2']) await receive(await fromBob(callId), guard);
    // alice's entry made room: a replay of it is still rejected, a later request of hers is not.
    await expect(rejection(receive(alices, guard))).resolves.toBeInstanceOf(ReplayedError);
    const later = await protect(mcpttInfoMessage().withHeader('Call-ID', 'a2'), BOUND, 1000);
    await expect(receive(later, guard)).resolves.toBeDefined();
  });

  it('keys a long Call-ID like a short one', async () => {
    const guard = new ReplayGuard();
    const sent = await protect(mcpttInfoMessage().withHeader('Call-ID', `${'x'.repeat(20_000)}@h`));

    await receive(sent, guard);
    await expect(rejection(receive(sent, guard))).resolves.toBeInstanceOf(ReplayedError);
  });

  it('rejects invalid options', () => {
    for (const windowMs of [-1, Number.NaN, '5' as unknown as number]) {
      expect(() => new ReplayGuard({ windowMs })).toThrow(
        new TypeError('ReplayGuard: windowMs must be milliseconds >= 0, or Infinity'),
      );
    }
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

/** Returns the security of a request of `signer` bound to `callId`, signed at `signedAt`. */
function boundBy(signer: string, callId: string, signedAt: number): SecurityInfo {
  return {
    signed: true,
    signerUri: signer,
    signingTime: new Date(signedAt),
    protectedHeaders: [
      { name: 'Call-ID', value: callId },
      { name: 'CSeq', value: '1 INVITE' },
    ],
  } as unknown as SecurityInfo;
}

describe('ReplayGuard at volume', () => {
  const invite = request('INVITE', mcpttInfo(), 'application/vnd.3gpp.mcptt-info+xml');

  it('forgets expired requests in arrival order', () => {
    const guard = new ReplayGuard({ windowMs: 1000, maxEntriesPerSigner: 5000 });
    for (let index = 0; index < 20_000; index++) {
      guard.check(invite, boundBy('sip:alice@example.org', `c${index}`, index), new Date(index));
    }
    // Entries live from their arrival to 1000 ms after it.
    expect(guard.size).toBe(1001);
    expectReplayed(() =>
      guard.check(invite, boundBy('sip:alice@example.org', 'c19500', 19_500), new Date(20_000)),
    );
    expect(() =>
      guard.check(invite, boundBy('sip:alice@example.org', 'c100', 100), new Date(20_000)),
    ).not.toThrow();
  });

  it('keeps each signer within its cap among many signers', () => {
    const guard = new ReplayGuard({ windowMs: Infinity, maxEntriesPerSigner: 10, maxEntries: 500 });
    for (let index = 0; index < 20_000; index++) {
      const signer = `sip:user${index % 97}@example.org`;
      guard.check(invite, boundBy(signer, `c${index}`, index), new Date(index));
    }
    expect(guard.size).toBe(500);
    // The latest request of a signer is still known, and an old one is refused by its mark.
    const latest = 19_999;
    const signer = `sip:user${latest % 97}@example.org`;
    expectReplayed(
      () => guard.check(invite, boundBy(signer, `c${latest}`, latest), new Date(20_000)),
      'request already received',
    );
    expectReplayed(
      () => guard.check(invite, boundBy(signer, 'c0', 0), new Date(20_000)),
      'request too old to check for a replay',
    );
  });
});

describe('ReplayGuard records', () => {
  const invite = request('INVITE', mcpttInfo(), 'application/vnd.3gpp.mcptt-info+xml');
  const alice = 'sip:alice@example.org';
  const aliceBound = (callId: string, signedAt: number) => boundBy(alice, callId, signedAt);

  /** Records the requests that a first guard accepts, as an application stores them. */
  function recordedBy(callIds: readonly string[], windowMs = 1000): ReplayRecord[] {
    const records: ReplayRecord[] = [];
    const guard = new ReplayGuard({ windowMs, onRecord: (record) => records.push(record) });
    for (const [index, callId] of callIds.entries()) {
      guard.check(invite, aliceBound(callId, index), new Date(index));
    }
    return records;
  }

  it('hands out each accepted request once', () => {
    const records: ReplayRecord[] = [];
    const guard = new ReplayGuard({ onRecord: (record) => records.push(record) });
    const returned = guard.check(invite, aliceBound('c1', 0), new Date(0));
    expectReplayed(() => guard.check(invite, aliceBound('c1', 0), new Date(1)));

    expect(records).toHaveLength(1);
    expect(returned).toEqual(records[0]);
    expect(guard.check(invite, { ...aliceBound('c2', 0), protectedHeaders: [] }, new Date(2))).toBe(
      undefined,
    );
    expect(records[0]).toMatchObject({ signer: alice, signedAt: 0, expiry: 300_000, arrivedAt: 0 });
    expect(records[0]?.key).toHaveLength(32);
  });

  it('reject a replay after a restore', () => {
    const guard = new ReplayGuard({ windowMs: 1000 });
    expect(guard.restore(recordedBy(['c1', 'c2']), new Date(10))).toBe(2);

    expectReplayed(
      () => guard.check(invite, aliceBound('c2', 1), new Date(20)),
      'request already received',
    );
    expect(() => guard.check(invite, aliceBound('c3', 2), new Date(20))).not.toThrow();
  });

  it('skip expired and malformed records', () => {
    const [first, second] = recordedBy(['c1', 'c2']);
    if (first === undefined || second === undefined) throw new Error('records missing');
    const malformed = [
      null,
      'c1',
      { ...second, key: 'short' },
      { ...second, signer: 42 },
      { ...second, expiry: Number.NaN },
      { ...second, signedAt: '1' },
      { ...second, arrivedAt: undefined },
      { ...second, arrivedAt: Infinity },
    ] as unknown as ReplayRecord[];
    const guard = new ReplayGuard({ windowMs: 1000 });

    // At 1001 ms the first record, which expired at 1000 ms, is over and the second is not.
    expect(guard.restore([...malformed, first, second, second], new Date(1001))).toBe(1);
    expect(guard.size).toBe(1);
    expect(() => guard.check(invite, aliceBound('c1', 0), new Date(1001))).not.toThrow();
  });

  it('keep the limits when restoring', () => {
    const callIds = Array.from({ length: 20 }, (_, index) => `c${index}`);
    const guard = new ReplayGuard({ windowMs: 1000, maxEntriesPerSigner: 5 });

    expect(guard.restore(recordedBy(callIds), new Date(20))).toBe(20);
    expect(guard.size).toBe(5);
    // The oldest records made room and left their mark, as for requests that arrive.
    expectReplayed(
      () => guard.check(invite, aliceBound('c0', 0), new Date(20)),
      'request too old to check for a replay',
    );
  });

  it('rejects an onRecord that is no function', () => {
    expect(() => new ReplayGuard({ onRecord: 'store' as unknown as () => void })).toThrow(
      new TypeError('ReplayGuard: onRecord must be a function'),
    );
  });

  // A window of Infinity gives every record one expiry, so only the arrival orders them.
  it('restore records in the order they arrived', () => {
    const callIds = Array.from({ length: 20 }, (_, index) => `c${index}`);
    const records = recordedBy(callIds, Infinity).reverse();
    const guard = new ReplayGuard({ windowMs: Infinity, maxEntriesPerSigner: 10 });

    expect(guard.restore(records, new Date(20))).toBe(20);
    // The ten oldest made room, so the mark is at the tenth, and a late request signed after it
    // passes, as it would have before the restore.
    expectReplayed(
      () => guard.check(invite, aliceBound('c9', 9), new Date(21)),
      'request too old to check for a replay',
    );
    expectReplayed(
      () => guard.check(invite, aliceBound('c10', 10), new Date(21)),
      'request already received',
    );
    expect(() => guard.check(invite, aliceBound('late', 15), new Date(21))).not.toThrow();
  });

  it('drops the oldest marks past maxEntries', () => {
    const guard = new ReplayGuard({ windowMs: Infinity, maxEntriesPerSigner: 1, maxEntries: 3 });
    // Each signer's second request drops the first and marks the signer, for signers 0 to 5.
    for (let signer = 0; signer < 6; signer++) {
      for (const time of [1, 2]) {
        guard.check(
          invite,
          boundBy(`sip:u${signer}@x`, `c${signer}-${time}`, time),
          new Date(time),
        );
      }
    }

    // Marks of signers 3 to 5 remain; those of 0 to 2 were dropped, the oldest first.
    expectReplayed(
      () => guard.check(invite, boundBy('sip:u5@x', 'old5', 1), new Date(3)),
      'request too old to check for a replay',
    );
    expect(() => guard.check(invite, boundBy('sip:u0@x', 'old0', 1), new Date(3))).not.toThrow();
  });
});

describe('compactReplayRecords', () => {
  const invite = request('INVITE', mcpttInfo(), 'application/vnd.3gpp.mcptt-info+xml');
  const signers = ['sip:alice@example.org', 'sip:bob@example.org', 'sip:carol@example.org'];

  /** Records of requests from three signers, some without signingTime, as a guard reports them. */
  function recordsOf(count: number, windowMs: number): ReplayRecord[] {
    const records: ReplayRecord[] = [];
    const guard = new ReplayGuard({
      windowMs,
      maxEntriesPerSigner: count,
      onRecord: (record) => records.push(record),
    });
    for (let index = 0; index < count; index++) {
      const security = boundBy(signers[index % 3] as string, `c${index}`, index * 10);
      const unsigned =
        index % 7 === 3
          ? ({ ...security, signingTime: undefined } as unknown as SecurityInfo)
          : security;
      guard.check(invite, unsigned, new Date(index * 10));
    }
    return records;
  }

  /** Returns the outcome of each probe request at `now`, to a guard restored from `records`. */
  function verdicts(records: readonly ReplayRecord[], now: number): string[] {
    const guard = new ReplayGuard({ windowMs: Infinity, maxEntriesPerSigner: 5 });
    guard.restore(records, new Date(now));
    return Array.from({ length: 64 }, (_, index) => {
      const signer = signers[index % 3] as string;
      try {
        // Requests seen before, and later ones signed before and after the last mark.
        guard.check(invite, boundBy(signer, `c${index}`, index * 10), new Date(now));
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    });
  }

  it('keeps the newest records of each signer and one summary', () => {
    const records = recordsOf(60, Infinity);
    const compacted = compactReplayRecords(records, { maxEntriesPerSigner: 5 });

    for (const signer of signers) {
      const own = compacted.filter((record) => record.signer === signer);
      const newest = records.filter((record) => record.signer === signer).slice(-5);
      expect(own).toHaveLength(6);
      expect(own.slice(-5)).toEqual(newest);
    }
    expect(compacted.map((record) => record.arrivedAt)).toEqual(
      compacted.map((record) => record.arrivedAt).sort((a, b) => a - b),
    );
  });

  it('gives a guard the verdicts of all records', () => {
    const records = recordsOf(60, Infinity);
    const compacted = compactReplayRecords(records, { maxEntriesPerSigner: 5 });

    expect(verdicts(compacted, 1000)).toEqual(verdicts(records, 1000));
    expect(verdicts(compacted, 1000)).toContain('request too old to check for a replay');
    expect(verdicts(compacted, 1000)).toContain('request already received');
    expect(verdicts(compacted, 1000)).toContain('accepted');
  });

  it('compacts its own result to the same records', () => {
    const once = compactReplayRecords(recordsOf(60, Infinity), { maxEntriesPerSigner: 5 });
    const more = recordsOf(90, Infinity).slice(60);
    const twice = compactReplayRecords([...once, ...more], { maxEntriesPerSigner: 5 });

    expect(compactReplayRecords(once, { maxEntriesPerSigner: 5 })).toEqual(once);
    expect(twice).toEqual(
      compactReplayRecords(recordsOf(90, Infinity), { maxEntriesPerSigner: 5 }),
    );
  });

  it('keeps a mark after the newest records expire', () => {
    const template = recordsOf(1, Infinity)[0] as ReplayRecord;
    // The first request was signed ahead of the receiver's clock, so it outlives later ones.
    const records = Array.from({ length: 7 }, (_, index) => ({
      ...template,
      key: `${index}`.padStart(32, '0'),
      signedAt: index === 0 ? 5000 : index * 10,
      expiry: index === 0 ? 6000 : 1000 + index * 10,
      arrivedAt: index * 10,
    }));
    const compacted = compactReplayRecords(records, { maxEntriesPerSigner: 5 });
    const guard = new ReplayGuard({ windowMs: 1000, maxEntriesPerSigner: 5 });

    expect(compacted).toHaveLength(6);
    // At 2000 ms only the summary is live, and it still marks the signer up to 5000 ms.
    expect(guard.restore(compacted, new Date(2000))).toBe(1);
    expect(guard.size).toBe(0);
    expectReplayed(
      () => guard.check(invite, boundBy(template.signer, 'c1', 100), new Date(2000)),
      'request too old to check for a replay',
    );
    expect(() =>
      guard.check(invite, boundBy(template.signer, 'c9', 5001), new Date(2000)),
    ).not.toThrow();
  });

  it('keeps an earlier summary however it sorts', () => {
    const template = recordsOf(1, Infinity)[0] as ReplayRecord;
    // Two requests in one millisecond, the one stored second signed ten seconds earlier.
    const first = { ...template, key: 'a'.repeat(32), signedAt: 90_000, arrivedAt: 100 };
    const second = { ...template, key: 'b'.repeat(32), signedAt: 80_000, arrivedAt: 100 };
    const once = compactReplayRecords([first, second], { maxEntriesPerSigner: 1 });
    const summary = once.find((record) => record.key !== first.key && record.key !== second.key);
    // A store may hand the summary back after the request, as key order puts it.
    const twice = compactReplayRecords([second, summary as ReplayRecord], {
      maxEntriesPerSigner: 1,
    });

    expect(summary?.signedAt).toBe(90_000);
    expect(new Set(twice.map((record) => record.key)).size).toBe(twice.length);
    expect(twice).toContainEqual(summary);
    const guard = new ReplayGuard({ windowMs: Infinity, maxEntriesPerSigner: 1 });
    guard.restore(twice, new Date(200));
    expectReplayed(
      () => guard.check(invite, boundBy(template.signer, 'first', 90_000), new Date(200)),
      'request too old to check for a replay',
    );
  });

  it('leaves fewer records alone and drops malformed ones', () => {
    const records = recordsOf(12, Infinity);
    const malformed = { ...records[0], key: 'short' } as ReplayRecord;

    expect(compactReplayRecords([...records, malformed])).toEqual(records);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => compactReplayRecords([], { maxEntriesPerSigner: 0 })).toThrow(TypeError);
    expect(() => compactReplayRecords([], { maxEntriesPerSigner: 1.5 })).toThrow(TypeError);
  });

  it('handles a million records of one signer', () => {
    const template = recordsOf(1, Infinity)[0] as ReplayRecord;
    const records = Array.from({ length: 1_000_000 }, (_, index) => ({
      ...template,
      key: `${index}`.padStart(32, '0'),
      signedAt: index,
      arrivedAt: index,
    }));
    const compacted = compactReplayRecords(records);

    expect(compacted).toHaveLength(1001);
    expect(compacted[0]?.signedAt).toBe(998_999);
  });
});
