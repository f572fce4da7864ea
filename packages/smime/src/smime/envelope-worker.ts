/**
 * Envelopes made in a worker, so that their key agreement runs on another core.
 *
 * In Chromium a WebCrypto call does its work in the calling thread before it returns its promise,
 * so calls made in the page add up, however they overlap. A dedicated worker has its own thread:
 * {@link serveEnvelopes} runs in it, and {@link workerEnvelopePreparer} requests envelopes from
 * it in the page. Their messages carry the content key as a `CryptoKey`, which structured cloning copies
 * without exposing its bytes to script, and the recipient infos as DER.
 *
 * @module
 */

import { isContentEncryptionAlgorithm } from '../cms/content-encryption.js';
import { derEncode } from '../cms/der-writer.js';
import { prepareEnvelope, type PreparedEnvelope } from '../cms/encrypt-content.js';
import { McpttError } from '../errors.js';
import { MAX_RECIPIENTS } from '../limits.js';
import type { EnvelopePreparer, EnvelopeRequest } from './envelope-pool.js';
import { envelopeMatches, MAX_POOL_DEPTH } from './envelope-pool.js';

/** The `type` of every message between the page and the envelope worker. */
export const ENVELOPE_MESSAGE_TYPE = 'mcptt-smime/envelope';

/** A message event as both ends need it: browsers' and Node's `MessageEvent` fit. */
export interface EnvelopeMessageEvent {
  readonly data: unknown;
}

/**
 * One end of the channel: a `Worker` on the page's side, the worker's global scope or a
 * `MessagePort` on the other.
 */
export interface EnvelopePort {
  postMessage(message: unknown): void;
  /**
   * Listens for `message` events, and on a `Worker` also for `error` events, which report that
   * its script failed to load or threw.
   */
  addEventListener(
    type: 'message' | 'error',
    listener: (event: EnvelopeMessageEvent) => void,
  ): void;
}

interface EnvelopeReply {
  readonly type: typeof ENVELOPE_MESSAGE_TYPE;
  readonly id: number;
  readonly envelopes?: readonly Omit<PreparedEnvelope, 'recipients'>[];
  /** The error code, or `ERR_INTERNAL` for an error of another kind. */
  readonly error?: string;
}

/**
 * Serves the envelope requests that arrive on `port`, with `prepareEnvelope` and `crypto`. Call it
 * once in the worker's script: `serveEnvelopes(self, self.crypto)`. Messages of another `type`
 * are left to the worker's other listeners, and malformed requests are answered with an error.
 */
export function serveEnvelopes(port: EnvelopePort, crypto: Crypto): void {
  port.addEventListener('message', (event) => {
    const { data } = event;
    if (!isRecord(data) || data['type'] !== ENVELOPE_MESSAGE_TYPE) return;
    const id = data['id'];
    if (typeof id !== 'number') return;
    const request = readRequest(data);
    if (request === undefined) {
      port.postMessage(reply(id, { error: 'ERR_INVALID_REQUEST' }));
      return;
    }
    const { recipients, algorithm, count } = request;
    const making = Array.from({ length: count }, () =>
      prepareEnvelope({ crypto, recipients, algorithm }),
    );
    Promise.all(making).then(
      (envelopes) => {
        // Recipient infos may still be lazy DER elements, which structured cloning would flatten.
        // The recipients stay out: the page has them, and every byte costs it time to read.
        const encoded = envelopes.map((envelope) => ({
          algorithm: envelope.algorithm,
          contentKey: envelope.contentKey,
          recipientInfos: envelope.recipientInfos.map(derEncode),
          hasKeyAgreement: envelope.hasKeyAgreement,
        }));
        port.postMessage(reply(id, { envelopes: encoded }));
      },
      (error: unknown) => {
        port.postMessage(
          reply(id, { error: error instanceof McpttError ? error.code : 'ERR_INTERNAL' }),
        );
      },
    );
  });
}

/**
 * Returns a preparer for an {@link EnvelopePool} that requests each batch of envelopes from the
 * worker behind `port`. Once the worker reports an error, every pending and later request fails, and the pool
 * falls back to making envelopes in the page.
 *
 * @example
 * ```ts
 * // envelope-worker.ts, the worker's script:
 * serveEnvelopes(self, self.crypto);
 * // the page:
 * const worker = new Worker(new URL('./envelope-worker.ts', import.meta.url), { type: 'module' });
 * const envelopes = new EnvelopePool({ prepare: workerEnvelopePreparer(worker) });
 * ```
 */
export function workerEnvelopePreparer(port: EnvelopePort): EnvelopePreparer {
  const pending = new Map<number, { request: EnvelopeRequest; count: number; settle: Settle }>();
  let nextId = 1;
  let broken = false;

  const failAll = (): void => {
    broken = true;
    for (const { settle } of pending.values()) settle(undefined);
    pending.clear();
  };
  port.addEventListener('error', failAll);
  port.addEventListener('message', (event) => {
    const { data } = event;
    if (!isRecord(data) || data['type'] !== ENVELOPE_MESSAGE_TYPE) return;
    const id = data['id'];
    const waiting = typeof id === 'number' ? pending.get(id) : undefined;
    if (waiting === undefined || typeof id !== 'number') return;
    pending.delete(id);
    const envelopes = data['envelopes'];
    const { request } = waiting;
    const read = Array.isArray(envelopes)
      ? envelopes.map((envelope) => readEnvelope(envelope, request.recipients))
      : [];
    const valid =
      read.length === waiting.count &&
      read.every(
        (envelope) => envelope !== undefined && envelopeMatches(envelope, waiting.request),
      );
    waiting.settle(valid ? (read as PreparedEnvelope[]) : undefined);
  });

  return (request, count) => {
    if (broken) {
      return Promise.reject(new Error('envelope worker failed earlier; start a new worker'));
    }
    const id = nextId++;
    return new Promise<readonly PreparedEnvelope[]>((resolve, reject) => {
      const settle: Settle = (envelopes) => {
        if (envelopes === undefined) {
          reject(new Error('envelope worker returned no valid envelopes'));
        } else resolve(envelopes);
      };
      pending.set(id, { request, count, settle });
      port.postMessage({
        type: ENVELOPE_MESSAGE_TYPE,
        id,
        recipients: request.recipients,
        algorithm: request.algorithm,
        count,
      });
    });
  };
}

type Settle = (envelopes: readonly PreparedEnvelope[] | undefined) => void;

function reply(id: number, fields: Omit<EnvelopeReply, 'type' | 'id'>): EnvelopeReply {
  return { type: ENVELOPE_MESSAGE_TYPE, id, ...fields };
}

function readRequest(
  data: Record<string, unknown>,
): (EnvelopeRequest & { readonly count: number }) | undefined {
  const { recipients, algorithm, count } = data;
  if (!isContentEncryptionAlgorithm(algorithm) || !isByteArrayList(recipients)) return undefined;
  if (recipients.length === 0 || recipients.length > MAX_RECIPIENTS) return undefined;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) return undefined;
  if (count > MAX_POOL_DEPTH) return undefined;
  return { recipients, algorithm, count };
}

/**
 * Checks the shape of a worker's envelope, made for `recipients`: one recipient info each, and a
 * content key that is a real `CryptoKey`.
 */
function readEnvelope(
  value: unknown,
  recipients: readonly Uint8Array[],
): PreparedEnvelope | undefined {
  if (!isRecord(value)) return undefined;
  const { algorithm, contentKey, recipientInfos, hasKeyAgreement } = value;
  if (
    !isContentEncryptionAlgorithm(algorithm) ||
    !isByteArrayList(recipientInfos) ||
    recipientInfos.length !== recipients.length ||
    typeof hasKeyAgreement !== 'boolean' ||
    typeof CryptoKey === 'undefined' ||
    !(contentKey instanceof CryptoKey)
  ) {
    return undefined;
  }
  return { algorithm, recipients, contentKey, recipientInfos, hasKeyAgreement };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isByteArrayList(value: unknown): value is Uint8Array[] {
  return Array.isArray(value) && value.every((item) => item instanceof Uint8Array);
}
