/**
 * Envelopes made in a worker, so that their key agreement runs on another core.
 *
 * In Chromium a WebCrypto call does its work in the calling thread before it returns its promise,
 * so calls made in the page add up, however they overlap. A dedicated worker has its own thread:
 * {@link serveEnvelopes} runs in it, and {@link workerEnvelopePreparer} requests envelopes from
 * it in the page. Their messages carry the content key as a `CryptoKey` object, which structured
 * cloning copies, and the recipient infos as DER. Each preparer tags its requests with a random
 * channel name, which the worker's replies repeat, so that several preparers can share a worker.
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

/**
 * Time in milliseconds after which a request without reply fails, so that the pool falls back to
 * the page. A terminated worker reports nothing, and a batch of 16 envelopes takes a few ms.
 */
export const ENVELOPE_REQUEST_TIMEOUT_MS = 5000;

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
  /** A browser's `MessagePort` delivers messages only once started. */
  start?(): void;
}

interface EnvelopeReply {
  readonly type: typeof ENVELOPE_MESSAGE_TYPE;
  readonly channel: string;
  readonly id: number;
  readonly envelopes?: readonly Omit<PreparedEnvelope, 'recipients'>[];
  /**
   * The code of the `McpttError` of a failed preparation, `ERR_INTERNAL` for an error of another
   * kind, or `ERR_INVALID_REQUEST` for a request of the wrong shape. The page reads only whether
   * it is present.
   */
  readonly error?: string;
}

/**
 * Serves the envelope requests that arrive on `port`, with `prepareEnvelope` and `crypto`. Call it
 * once in the worker's script: `serveEnvelopes(self, self.crypto)`. Messages of another `type`
 * are left to the worker's other listeners, and a malformed request gets an error reply.
 */
export function serveEnvelopes(port: EnvelopePort, crypto: Crypto): void {
  port.addEventListener('message', (event) => {
    const { data } = event;
    if (!isRecord(data) || data['type'] !== ENVELOPE_MESSAGE_TYPE) return;
    const { id, channel } = data;
    if (typeof id !== 'number' || typeof channel !== 'string') return;
    const reply = (fields: Pick<EnvelopeReply, 'envelopes' | 'error'>): void =>
      port.postMessage({ type: ENVELOPE_MESSAGE_TYPE, channel, id, ...fields });
    const request = readRequest(data);
    if (request === undefined) {
      reply({ error: 'ERR_INVALID_REQUEST' });
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
        reply({ envelopes: encoded });
      },
      (error: unknown) => {
        reply({ error: error instanceof McpttError ? error.code : 'ERR_INTERNAL' });
      },
    );
  });
  port.start?.();
}

/**
 * Returns a preparer for an {@link EnvelopePool} that requests each batch of envelopes from the
 * worker behind `port`. A request fails when its reply is malformed or does not come within
 * ENVELOPE_REQUEST_TIMEOUT_MS, and the pool then falls back to making envelopes in the page. An
 * `error` event before the first reply means that the worker's script did not load, so every
 * later request fails at once. A later `error` event fails only the pending requests. A failed
 * request rejects with a plain `Error` that names the cause (the worker did not load, timed out,
 * or returned no valid envelopes), since the pool only counts it as a failure and no SIP
 * request depends on it.
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
  const channel = randomChannel();
  const pending = new Map<number, PendingRequest>();
  let nextId = 1;
  let replied = false;
  let broken = false;

  const settle = (id: number, envelopes: readonly PreparedEnvelope[] | undefined): void => {
    const waiting = pending.get(id);
    if (waiting === undefined) return;
    pending.delete(id);
    clearTimeout(waiting.timer);
    if (envelopes === undefined) waiting.reject(new Error(waiting.failure));
    else waiting.resolve(envelopes);
  };
  port.addEventListener('error', () => {
    if (!replied) broken = true;
    for (const id of [...pending.keys()]) settle(id, undefined);
  });
  port.addEventListener('message', (event) => {
    const { data } = event;
    if (!isRecord(data) || data['type'] !== ENVELOPE_MESSAGE_TYPE) return;
    const id = data['id'];
    if (data['channel'] !== channel || typeof id !== 'number') return;
    const waiting = pending.get(id);
    if (waiting === undefined) return;
    replied = true;
    const envelopes = data['envelopes'];
    // Array.from reads holes of a sparse array as undefined, which map and every would skip.
    const read = Array.isArray(envelopes)
      ? Array.from(envelopes as unknown[], (envelope) =>
          readEnvelope(envelope, waiting.request.recipients),
        )
      : [];
    const valid =
      read.length === waiting.count &&
      read.every(
        (envelope) => envelope !== undefined && envelopeMatches(envelope, waiting.request),
      );
    settle(id, valid ? (read as PreparedEnvelope[]) : undefined);
  });
  port.start?.();

  return (request, count) => {
    if (broken) {
      return Promise.reject(new Error('envelope worker did not load; start a new worker'));
    }
    const id = nextId++;
    return new Promise<readonly PreparedEnvelope[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        const waiting = pending.get(id);
        if (waiting !== undefined) waiting.failure = 'envelope worker timed out';
        settle(id, undefined);
      }, ENVELOPE_REQUEST_TIMEOUT_MS);
      // In Node, a pending request must not keep the process alive.
      (timer as { unref?: () => void }).unref?.();
      pending.set(id, {
        request,
        count,
        timer,
        resolve,
        reject,
        failure: 'envelope worker returned no valid envelopes',
      });
      port.postMessage({
        type: ENVELOPE_MESSAGE_TYPE,
        channel,
        id,
        recipients: request.recipients,
        algorithm: request.algorithm,
        count,
      });
    });
  };
}

interface PendingRequest {
  readonly request: EnvelopeRequest;
  readonly count: number;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly resolve: (envelopes: readonly PreparedEnvelope[]) => void;
  readonly reject: (error: Error) => void;
  /** The message of the error that a failure raises. */
  failure: string;
}

/** Returns 128 random bits in hex, which tell this preparer's replies from any other's. */
function randomChannel(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
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
