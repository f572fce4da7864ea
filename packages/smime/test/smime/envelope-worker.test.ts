import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { derEncode } from '../../src/cms/der-writer.js';
import { prepareEnvelope } from '../../src/cms/encrypt-content.js';
import { EnvelopePool } from '../../src/smime/envelope-pool.js';
import {
  ENVELOPE_MESSAGE_TYPE,
  ENVELOPE_REQUEST_TIMEOUT_MS,
  serveEnvelopes,
  workerEnvelopePreparer,
  type EnvelopeMessageEvent,
  type EnvelopePort,
} from '../../src/smime/envelope-worker.js';
import { protectAsAlice, unprotectAtServer } from './alice-to-server.js';
import { mcpttInfoMessage } from './messages.js';
import { getTestPki, testCrypto, type TestPki } from './test-pki.js';

let pki: TestPki;
let server: Uint8Array;
let bob: Uint8Array;
beforeAll(async () => {
  pki = await getTestPki();
  server = pki.certificate('server');
  bob = pki.certificate('bob');
});

const channels: MessageChannel[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const channel of channels.splice(0)) {
    channel.port1.close();
    channel.port2.close();
  }
});

/**
 * Opens a channel whose messages are structured-cloned, as between a page and its worker. `port1` is
 * the page's end and `port2` the worker's.
 */
function channel(): { page: MessagePort; worker: MessagePort } {
  const created = new MessageChannel();
  channels.push(created);
  created.port1.start();
  created.port2.start();
  return { page: created.port1, worker: created.port2 };
}

/** Resolves with the next message that arrives on `port`. */
function nextMessage(port: MessagePort): Promise<unknown> {
  return new Promise((resolve) => {
    port.addEventListener('message', (event) => resolve(event.data), { once: true });
  });
}

/** Wraps a page end so that a test can report a worker error to its error listeners. */
function portWithErrors(port: MessagePort): { port: EnvelopePort; fail: () => void } {
  const errorListeners: ((event: EnvelopeMessageEvent) => void)[] = [];
  return {
    port: {
      postMessage: (message) => port.postMessage(message),
      addEventListener: (type, listener) => {
        if (type === 'error') errorListeners.push(listener);
        else port.addEventListener('message', listener);
      },
    },
    fail: () => {
      for (const listener of errorListeners) listener({ data: undefined });
    },
  };
}

describe('envelopes from a worker', () => {
  it('carries content keys as CryptoKeys', async () => {
    const ends = channel();
    serveEnvelopes(ends.worker, testCrypto);
    const prepare = workerEnvelopePreparer(ends.page);

    const envelopes = await prepare({ recipients: [server], algorithm: 'aes-256-gcm' }, 3);

    expect(envelopes).toHaveLength(3);
    for (const envelope of envelopes) {
      expect(envelope.contentKey).toBeInstanceOf(CryptoKey);
      expect(envelope.contentKey.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
      expect(envelope.recipients).toEqual([server]);
      expect(envelope.recipientInfos[0]).toBeInstanceOf(Uint8Array);
    }
  });

  it('feeds a pool for protect', async () => {
    const ends = channel();
    serveEnvelopes(ends.worker, testCrypto);
    const pool = new EnvelopePool({ prepare: workerEnvelopePreparer(ends.page) });
    expect(await pool.fill([server], 'aes-256-gcm')).toBe(true);
    let used = 0;
    const envelopes = {
      take: (recipients: readonly Uint8Array[], algorithm: 'aes-256-gcm') => {
        const envelope = pool.take(recipients, algorithm);
        if (envelope !== undefined) used++;
        return envelope;
      },
    };

    const sent = await protectAsAlice(pki, mcpttInfoMessage(), { envelopes });

    expect(used).toBe(1);
    const opened = await unprotectAtServer(pki, sent);
    expect(opened.security.encrypted).toBe(true);
    expect(opened.security.signerUri).toBe('sip:alice@example.org');
  });

  it('rejects an invalid recipient certificate', async () => {
    const ends = channel();
    serveEnvelopes(ends.worker, testCrypto);
    const prepare = workerEnvelopePreparer(ends.page);

    await expect(
      prepare(
        { recipients: [new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])], algorithm: 'aes-256-gcm' },
        1,
      ),
    ).rejects.toThrow('no valid envelopes');
  });

  it.each([
    ['no recipients', { recipients: [], algorithm: 'aes-256-gcm', count: 1 }],
    ['recipients that are not bytes', { recipients: ['MIIB'], algorithm: 'aes-256-gcm', count: 1 }],
    ['an unknown algorithm', { recipients: [], algorithm: 'des-ede3-cbc', count: 1 }],
    ['a count of 0', { algorithm: 'aes-256-gcm', count: 0 }],
    ['a count above MAX_POOL_DEPTH', { algorithm: 'aes-256-gcm', count: 17 }],
    ['a fractional count', { algorithm: 'aes-256-gcm', count: 1.5 }],
  ])('answers a request with %s with an error', async (_label, fields) => {
    const ends = channel();
    serveEnvelopes(ends.worker, testCrypto);
    const reply = nextMessage(ends.page);

    ends.page.postMessage({
      type: ENVELOPE_MESSAGE_TYPE,
      channel: 'c1',
      id: 7,
      recipients: [server],
      ...fields,
    });

    expect(await reply).toEqual({
      type: ENVELOPE_MESSAGE_TYPE,
      channel: 'c1',
      id: 7,
      error: 'ERR_INVALID_REQUEST',
    });
  });

  it('leaves messages of other types to other listeners', async () => {
    const ends = channel();
    serveEnvelopes(ends.worker, testCrypto);
    ends.worker.addEventListener('message', (event: MessageEvent) => {
      if ((event.data as { type?: unknown }).type === 'ping') ends.worker.postMessage('pong');
    });
    const reply = nextMessage(ends.page);

    ends.page.postMessage({ type: 'ping', id: 1 });

    expect(await reply).toBe('pong');
  });

  it.each([
    ['a content key that is not a CryptoKey', { contentKey: { algorithm: 'AES-GCM' } }],
    ['recipient infos that are not bytes', { recipientInfos: ['a1'] }],
    ['one recipient info too many', { recipientInfos: [new Uint8Array(2), new Uint8Array(2)] }],
    ['another algorithm', { algorithm: 'aes-128-cbc' }],
    ['a content key of another length', { keyLength: 128 }],
    ['a content key for decryption only', { usages: ['decrypt'] }],
  ])('rejects a reply with %s', async (_label, change) => {
    const ends = channel();
    ends.worker.addEventListener('message', (event: MessageEvent) => {
      const { id, channel } = event.data as { id: number; channel: string };
      const {
        keyLength = 256,
        usages = ['encrypt'],
        ...fields
      } = change as {
        keyLength?: number;
        usages?: KeyUsage[];
      };
      void testCrypto.subtle
        .generateKey({ name: 'AES-GCM', length: keyLength }, true, usages)
        .then((contentKey) => {
          const envelope = {
            algorithm: 'aes-256-gcm',
            contentKey,
            recipientInfos: [new Uint8Array(2)],
            hasKeyAgreement: true,
            ...fields,
          };
          ends.worker.postMessage({
            type: ENVELOPE_MESSAGE_TYPE,
            channel,
            id,
            envelopes: [envelope],
          });
        });
    });
    const prepare = workerEnvelopePreparer(ends.page);

    await expect(prepare({ recipients: [server], algorithm: 'aes-256-gcm' }, 1)).rejects.toThrow(
      'no valid envelopes',
    );
  });

  it('rejects a short reply', async () => {
    const ends = channel();
    ends.worker.addEventListener('message', (event: MessageEvent) => {
      const { id, channel } = event.data as { id: number; channel: string };
      ends.worker.postMessage({ type: ENVELOPE_MESSAGE_TYPE, channel, id, envelopes: [] });
    });
    const prepare = workerEnvelopePreparer(ends.page);

    await expect(prepare({ recipients: [server], algorithm: 'aes-256-gcm' }, 2)).rejects.toThrow(
      'no valid envelopes',
    );
  });

  it('rejects a sparse reply', async () => {
    const ends = channel();
    const envelope = await prepareEnvelope({
      crypto: testCrypto,
      recipients: [server],
      algorithm: 'aes-256-gcm',
    });
    ends.worker.addEventListener('message', (event: MessageEvent) => {
      const { id, channel } = event.data as { id: number; channel: string };
      // The length of the request, but one envelope and a hole.
      const envelopes: unknown[] = [];
      envelopes[0] = { ...envelope, recipientInfos: envelope.recipientInfos.map(derEncode) };
      envelopes.length = 2;
      ends.worker.postMessage({ type: ENVELOPE_MESSAGE_TYPE, channel, id, envelopes });
    });
    const prepare = workerEnvelopePreparer(ends.page);

    await expect(prepare({ recipients: [server], algorithm: 'aes-256-gcm' }, 2)).rejects.toThrow(
      'no valid envelopes',
    );
  });

  it('gives up on a worker that did not load', async () => {
    const ends = channel();
    const { port, fail } = portWithErrors(ends.page);
    const prepare = workerEnvelopePreparer(port);
    const pending = prepare({ recipients: [server], algorithm: 'aes-256-gcm' }, 1);

    fail();

    await expect(pending).rejects.toThrow('no valid envelopes');
    await expect(prepare({ recipients: [server], algorithm: 'aes-256-gcm' }, 1)).rejects.toThrow(
      'did not load',
    );
  });

  it('keeps a worker after a later error', async () => {
    const ends = channel();
    serveEnvelopes(ends.worker, testCrypto);
    const { port, fail } = portWithErrors(ends.page);
    const prepare = workerEnvelopePreparer(port);
    await prepare({ recipients: [server], algorithm: 'aes-256-gcm' }, 1);
    const pending = prepare({ recipients: [server], algorithm: 'aes-256-gcm' }, 1);

    fail();

    await expect(pending).rejects.toThrow('no valid envelopes');
    await expect(
      prepare({ recipients: [server], algorithm: 'aes-256-gcm' }, 1),
    ).resolves.toHaveLength(1);
  });

  it('fails a request without reply after the timeout', async () => {
    vi.useFakeTimers();
    const ends = channel();
    const prepare = workerEnvelopePreparer(ends.page);
    const pending = prepare({ recipients: [server], algorithm: 'aes-256-gcm' }, 1);
    const outcome = pending.then(
      () => 'resolved',
      (error: Error) => error.message,
    );

    await vi.advanceTimersByTimeAsync(ENVELOPE_REQUEST_TIMEOUT_MS - 1);
    const early = await Promise.race([outcome, Promise.resolve('pending')]);
    await vi.advanceTimersByTimeAsync(1);

    expect(early).toBe('pending');
    expect(await outcome).toBe('envelope worker timed out');
  });

  it('keeps two preparers on one worker apart', async () => {
    const ends = channel();
    serveEnvelopes(ends.worker, testCrypto);
    const forServer = workerEnvelopePreparer(ends.page);
    const forBob = workerEnvelopePreparer(ends.page);

    const [serverBatch, bobBatch] = await Promise.all([
      forServer({ recipients: [server], algorithm: 'aes-256-gcm' }, 1),
      forBob({ recipients: [bob], algorithm: 'aes-256-gcm' }, 1),
    ]);
    const [serverEnvelope] = serverBatch;
    const [bobEnvelope] = bobBatch;
    if (serverEnvelope === undefined || bobEnvelope === undefined) throw new Error('no envelope');
    const sent = await protectAsAlice(pki, mcpttInfoMessage(), {
      recipients: [bob],
      envelopes: { take: () => bobEnvelope },
    });

    expect(bobEnvelope.contentKey).not.toBe(serverEnvelope.contentKey);
    await expect(unprotectAtServer(pki, sent)).rejects.toMatchObject({
      code: 'ERR_UNDECIPHERABLE',
    });
    const atBob = await unprotectAtServer(pki, sent, { identity: await pki.identity('bob') });
    expect(atBob.security.encrypted).toBe(true);
  });
});
