import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { indexOfBytes } from '../../src/bytes.js';
import { derEncode, type DerInput } from '../../src/cms/der-writer.js';
import {
  prepareEnvelope,
  sealEnvelope,
  type PreparedEnvelope,
} from '../../src/cms/encrypt-content.js';
import type { ContentEncryptionAlgorithm } from '../../src/cms/content-encryption.js';
import type { SipMessage } from '../../src/sip/message.js';
import {
  EnvelopePool,
  MAX_POOL_DEPTH,
  MAX_POOLED_RECIPIENT_SETS,
  type EnvelopePreparer,
  type EnvelopeRequest,
} from '../../src/smime/envelope-pool.js';
import { messageBodyEntity } from '../../src/smime/sip-body.js';
import { protectAsAlice, unprotectAtServer } from './alice-to-server.js';
import { MCPTT_INFO, SECRET_TOKEN, bodyParts, mcpttInfoMessage } from './messages.js';
import { getTestPki, testCrypto, type TestPki } from './test-pki.js';

const GCM: ContentEncryptionAlgorithm = 'aes-256-gcm';

let pki: TestPki;
let server: Uint8Array;
let bob: Uint8Array;
beforeAll(async () => {
  pki = await getTestPki();
  server = pki.certificate('server');
  bob = pki.certificate('bob');
});

afterEach(() => {
  vi.useRealTimers();
});

/** Creates a preparer in this thread that records each request. */
function recordingPreparer(): { prepare: EnvelopePreparer; calls: { count: number }[] } {
  const calls: { count: number }[] = [];
  const prepare: EnvelopePreparer = (request, count) => {
    calls.push({ count });
    return Promise.all(
      Array.from({ length: count }, () => prepareEnvelope({ crypto: testCrypto, ...request })),
    );
  };
  return { prepare, calls };
}

/** Returns the envelope DER of a protected message whose only body is application/pkcs7-mime. */
function envelopeDer(message: SipMessage): Uint8Array {
  const entity = messageBodyEntity(message);
  if (entity === undefined) throw new Error('no body');
  return entity.decodedBody();
}

/** Checks that the message's envelope carries the recipient infos of `envelope`. */
function sealedWith(message: SipMessage, envelope: PreparedEnvelope): boolean {
  const der = envelopeDer(message);
  return envelope.recipientInfos.every((info) => indexOfBytes(der, derEncode(info)) >= 0);
}

describe('EnvelopePool', () => {
  it('hands out each envelope once', async () => {
    const { prepare } = recordingPreparer();
    const pool = new EnvelopePool({ prepare, depth: 3 });

    expect(await pool.fill([server], GCM)).toBe(true);
    const envelopes = [
      pool.take([server], GCM),
      pool.take([server], GCM),
      pool.take([server], GCM),
    ];

    expect(new Set(envelopes).size).toBe(3);
    for (const envelope of envelopes) {
      expect(envelope?.recipients).toEqual([server]);
      expect(envelope?.algorithm).toBe(GCM);
    }
    expect(pool.take([server], GCM)).toBeUndefined();
  });

  it('keeps the sets of recipients and algorithms apart', async () => {
    const { prepare } = recordingPreparer();
    const pool = new EnvelopePool({ prepare, depth: 2 });

    await pool.fill([server], GCM);

    expect(pool.take([bob], GCM)).toBeUndefined();
    expect(pool.take([server], 'aes-128-gcm')).toBeUndefined();
    expect(pool.take([server, bob], GCM)).toBeUndefined();
    expect(pool.take([server], GCM)?.recipients).toEqual([server]);
  });

  it('refills in one request at half', async () => {
    vi.useFakeTimers();
    const { prepare, calls } = recordingPreparer();
    const pool = new EnvelopePool({ prepare, depth: 4 });
    await pool.fill([server], GCM);
    expect(calls).toEqual([{ count: 4 }]);

    pool.take([server], GCM);
    await vi.runAllTimersAsync();
    expect(calls).toHaveLength(1);

    pool.take([server], GCM);
    expect(calls).toHaveLength(1);
    await vi.runAllTimersAsync();
    expect(calls).toEqual([{ count: 4 }, { count: 2 }]);
  });

  it('stops refilling after a failure', async () => {
    vi.useFakeTimers();
    let fail = true;
    const calls: number[] = [];
    const pool = new EnvelopePool({
      depth: 2,
      prepare: (request, count) => {
        calls.push(count);
        if (fail) return Promise.reject(new Error('worker gone'));
        return recordingPreparer().prepare(request, count);
      },
    });

    expect(await pool.fill([server], GCM)).toBe(false);
    expect(pool.take([server], GCM)).toBeUndefined();
    await vi.runAllTimersAsync();
    expect(calls).toEqual([2]);

    fail = false;
    expect(await pool.fill([server], GCM)).toBe(true);
    expect(pool.take([server], GCM)).toBeDefined();
  });

  it('treats a throwing preparer as failed', async () => {
    const pool = new EnvelopePool({
      prepare: () => {
        throw new Error('not started');
      },
    });

    expect(await pool.fill([server], GCM)).toBe(false);
    expect(pool.take([server], GCM)).toBeUndefined();
  });

  it.each([
    ['for other recipients', (request: EnvelopeRequest) => ({ ...request, recipients: [bob] })],
    [
      'with another algorithm',
      (request: EnvelopeRequest) => ({ ...request, algorithm: 'aes-128-cbc' as const }),
    ],
  ])('never hands out envelopes made %s', async (_label, change) => {
    const pool = new EnvelopePool({
      prepare: (request, count) => recordingPreparer().prepare(change(request), count),
    });

    expect(await pool.fill([server], GCM)).toBe(false);
    expect(pool.take([server], GCM)).toBeUndefined();
  });

  it('makes no envelopes for a set that fill did not start', async () => {
    vi.useFakeTimers();
    const { prepare, calls } = recordingPreparer();
    const pool = new EnvelopePool({ prepare });

    expect(pool.take([server], GCM)).toBeUndefined();
    await vi.runAllTimersAsync();

    expect(calls).toEqual([]);
  });

  it.each([
    ['one envelope object twice', (envelope: PreparedEnvelope) => [envelope, envelope]],
    [
      'two copies of one envelope',
      (envelope: PreparedEnvelope) => [{ ...envelope }, { ...envelope }],
    ],
  ])('rejects a batch with %s', async (_label, repeat) => {
    const pool = new EnvelopePool({
      depth: 2,
      prepare: async (request) => {
        const [envelope] = await recordingPreparer().prepare(request, 1);
        if (envelope === undefined) throw new Error('no envelope');
        return repeat(envelope);
      },
    });

    expect(await pool.fill([server], GCM)).toBe(false);
    expect(pool.take([server], GCM)).toBeUndefined();
  });

  it('rejects envelopes whose recipient infos name another certificate', async () => {
    const pool = new EnvelopePool({
      depth: 2,
      prepare: async (request, count) => {
        const forBob = await recordingPreparer().prepare({ ...request, recipients: [bob] }, count);
        return forBob.map((envelope) => ({ ...envelope, recipients: request.recipients }));
      },
    });

    expect(await pool.fill([server], GCM)).toBe(false);
    expect(pool.take([server], GCM)).toBeUndefined();
  });

  it('rejects envelopes that lack a recipient', async () => {
    const pool = new EnvelopePool({
      depth: 2,
      prepare: async (request, count) => {
        const forServer = await recordingPreparer().prepare(
          { ...request, recipients: [server] },
          count,
        );
        return forServer.map((envelope) => ({ ...envelope, recipients: request.recipients }));
      },
    });

    expect(await pool.fill([server, bob], GCM)).toBe(false);
    expect(pool.take([server, bob], GCM)).toBeUndefined();
  });

  it('accepts a real batch for EC and RSA recipients', async () => {
    const recipients = [server, bob, pki.certificate('server-rsa')];
    const pool = new EnvelopePool({ depth: 2, prepare: recordingPreparer().prepare });

    expect(await pool.fill(recipients, GCM)).toBe(true);
    expect(await pool.fill([pki.certificate('server-rsa')], 'aes-128-cbc')).toBe(true);
    expect(pool.take(recipients, GCM)?.hasKeyAgreement).toBe(true);
    expect(pool.take([pki.certificate('server-rsa')], 'aes-128-cbc')?.hasKeyAgreement).toBe(false);
  });

  it('rejects a batch of malformed envelopes', async () => {
    const pool = new EnvelopePool({
      depth: 2,
      prepare: async (request, count) => {
        const prepared = await recordingPreparer().prepare(request, count);
        return prepared.map(
          ({ contentKey, algorithm }) => ({ contentKey, algorithm }) as PreparedEnvelope,
        );
      },
    });

    expect(await pool.fill([server], GCM)).toBe(false);
    expect(pool.take([server], GCM)).toBeUndefined();
  });

  it('never hands out a short batch', async () => {
    const pool = new EnvelopePool({
      depth: 4,
      prepare: (request) => recordingPreparer().prepare(request, 1),
    });

    expect(await pool.fill([server], GCM)).toBe(false);
    expect(pool.take([server], GCM)).toBeUndefined();
  });

  it('rejects a sparse batch', async () => {
    const { prepare } = recordingPreparer();
    const pool = new EnvelopePool({
      depth: 2,
      // The length is two envelopes, but the second is a hole.
      prepare: async (request) => {
        const [envelope] = await prepare(request, 1);
        const sparse: PreparedEnvelope[] = [];
        sparse[0] = envelope as PreparedEnvelope;
        sparse.length = 2;
        return sparse;
      },
    });

    expect(await pool.fill([server], GCM)).toBe(false);
    expect(pool.take([server], GCM)).toBeUndefined();
  });

  it('rejects a batch that repeats an earlier one', async () => {
    const { prepare } = recordingPreparer();
    let first: readonly PreparedEnvelope[] | undefined;
    // A buggy preparer that returns its first batch again for every request.
    const pool = new EnvelopePool({
      depth: 2,
      prepare: async (request, count) => (first ??= await prepare(request, count)),
    });
    expect(await pool.fill([server], GCM)).toBe(true);
    expect(pool.take([server], GCM)).toBeDefined();
    expect(pool.take([server], GCM)).toBeDefined();

    expect(await pool.fill([server], GCM)).toBe(false);
    expect(pool.take([server], GCM)).toBeUndefined();
  });

  it('drops the least recently used set', async () => {
    const { prepare } = recordingPreparer();
    const pool = new EnvelopePool({ prepare, depth: 1 });
    const algorithms: ContentEncryptionAlgorithm[] = [
      'aes-128-gcm',
      'aes-256-gcm',
      'aes-128-cbc',
      'aes-256-cbc',
    ];
    const sets = [[server], [bob], [server, bob], [bob, server]].flatMap((recipients) =>
      algorithms.map((algorithm) => ({ recipients, algorithm })),
    );
    expect(sets.length).toBeGreaterThan(MAX_POOLED_RECIPIENT_SETS);

    for (const { recipients, algorithm } of sets) await pool.fill(recipients, algorithm);

    const first = sets[0];
    const last = sets.at(-1);
    if (first === undefined || last === undefined) throw new Error('no sets');
    expect(pool.take(first.recipients, first.algorithm)).toBeUndefined();
    expect(pool.take(last.recipients, last.algorithm)).toBeDefined();
  });

  it('keeps its own copies of the recipients', async () => {
    const { prepare } = recordingPreparer();
    const pool = new EnvelopePool({ prepare, depth: 1 });
    const reused = server.slice();
    await pool.fill([reused], GCM);

    reused.fill(0);

    expect(pool.take([server], GCM)?.recipients).toEqual([server]);
  });

  it('hands out no list of its own', async () => {
    const { prepare } = recordingPreparer();
    const pool = new EnvelopePool({ prepare, depth: 4 });
    await pool.fill([server], GCM);
    const requested = [server.slice()];
    const envelope = pool.take(requested, GCM);

    // A caller that reuses the bytes it was handed, here for bob's certificate, changes its own
    // list only: the pool still serves the server and nothing for the changed bytes.
    expect(envelope?.recipients).toBe(requested);
    (envelope?.recipients[0] as Uint8Array).set(bob.subarray(0, server.length));
    expect(pool.take([server], GCM)?.recipients).toEqual([server]);
    expect(pool.take(requested, GCM)).toBeUndefined();
  });

  it('hands out nothing after close', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { prepare } = recordingPreparer();
    const pool = new EnvelopePool({
      prepare: async (request, count) => {
        await gate;
        return prepare(request, count);
      },
    });
    const filling = pool.fill([server], GCM);

    pool.close();
    release();

    expect(await filling).toBe(false);
    expect(pool.take([server], GCM)).toBeUndefined();
    expect(await pool.fill([server], GCM)).toBe(false);
  });

  it.each([0, -1, 1.5, MAX_POOL_DEPTH + 1, Number.NaN])('rejects depth %s', (depth) => {
    expect(() => new EnvelopePool({ prepare: recordingPreparer().prepare, depth })).toThrow(
      TypeError,
    );
  });
});

/** Overwrites every byte that a DER value holds, in its elements too, with zeros. */
function wipe(input: DerInput): void {
  if (input instanceof Uint8Array) input.fill(0);
  else for (const item of input.items) wipe(item);
}

describe('prepareEnvelope', () => {
  it('shares no bytes with the caches of later messages', async () => {
    const serverRsa = pki.certificate('server-rsa');
    const prepared = await prepareEnvelope({
      crypto: testCrypto,
      recipients: [server, serverRsa],
      algorithm: GCM,
    });

    // A caller that wipes what it was handed must not change the certificates and OIDs that
    // later envelopes and verifications read.
    for (const info of prepared.recipientInfos) wipe(info);
    const sent = await protectAsAlice(pki, mcpttInfoMessage());
    const opened = await unprotectAtServer(pki, sent);

    expect(bodyParts(opened.message).map((part) => part.mediaType)).toContain(MCPTT_INFO);
    const again = await prepareEnvelope({ crypto: testCrypto, recipients: [bob], algorithm: GCM });
    expect(derEncode(again.recipientInfos[0] as Uint8Array).some((byte) => byte !== 0)).toBe(true);
  });
});

describe('protectMessage with envelopes', () => {
  it('seals with a ready envelope', async () => {
    const { prepare } = recordingPreparer();
    const pool = new EnvelopePool({ prepare, depth: 2 });
    await pool.fill([server], GCM);
    const takenEnvelopes: PreparedEnvelope[] = [];
    const envelopes = {
      take: (recipients: readonly Uint8Array[], algorithm: ContentEncryptionAlgorithm) => {
        const envelope = pool.take(recipients, algorithm);
        if (envelope !== undefined) takenEnvelopes.push(envelope);
        return envelope;
      },
    };

    const first = await protectAsAlice(pki, mcpttInfoMessage(), { envelopes });
    const second = await protectAsAlice(pki, mcpttInfoMessage(), { envelopes });

    const [one, two] = takenEnvelopes;
    if (one === undefined || two === undefined) throw new Error('no envelope taken');
    expect(sealedWith(first, one)).toBe(true);
    expect(sealedWith(second, two)).toBe(true);
    expect(sealedWith(second, one)).toBe(false);
    const opened = await unprotectAtServer(pki, second);
    expect(bodyParts(opened.message)).toEqual([
      { mediaType: MCPTT_INFO, body: expect.stringContaining(SECRET_TOKEN) as unknown },
    ]);
  });

  it('makes its own envelope when none is ready', async () => {
    const empty = { take: () => undefined };

    const sent = await protectAsAlice(pki, mcpttInfoMessage(), { envelopes: empty });

    expect((await unprotectAtServer(pki, sent)).security.signerUri).toBe('sip:alice@example.org');
  });

  it('rejects an envelope for other recipients', async () => {
    const forBob = await prepareEnvelope({ crypto: testCrypto, recipients: [bob], algorithm: GCM });
    const wrong = { take: () => forBob };

    await expect(protectAsAlice(pki, mcpttInfoMessage(), { envelopes: wrong })).rejects.toThrow(
      TypeError,
    );
  });

  it('raises TypeError for a source without take', async () => {
    const envelopes = {} as unknown as { take: () => undefined };

    await expect(protectAsAlice(pki, mcpttInfoMessage(), { envelopes })).rejects.toThrow(
      /envelopes/,
    );
  });

  it('rejects sealing one envelope twice', async () => {
    const envelope = await prepareEnvelope({
      crypto: testCrypto,
      recipients: [server],
      algorithm: GCM,
    });
    const content = new TextEncoder().encode('one content');
    await sealEnvelope(testCrypto, envelope, content);

    await expect(sealEnvelope(testCrypto, envelope, content)).rejects.toThrow(TypeError);
    await expect(sealEnvelope(testCrypto, { ...envelope }, content)).rejects.toThrow(TypeError);
  });
});
