/**
 * Detection of replayed requests whose signature covers their Call-ID and CSeq.
 *
 * @module
 */

import { ReplayedError } from '../errors.js';
import type { SipMessage } from '../sip/message.js';
import { protectedHeaderValues } from './protected-headers.js';
import type { SecurityInfo } from './security.js';

/** Default of {@link ReplayGuardOptions.windowMs}: five minutes. */
export const DEFAULT_REPLAY_WINDOW_MS = 5 * 60_000;

/** Default of {@link ReplayGuardOptions.maxEntries}. */
export const DEFAULT_REPLAY_GUARD_ENTRIES = 10_000;

/** Options of {@link ReplayGuard}. */
export interface ReplayGuardOptions {
  /**
   * How long in milliseconds after its signingTime a request is remembered. Give the
   * `maxSignatureAge` of `unprotectMessage`: a request signed longer ago is rejected as too old,
   * so it needs no entry. Default {@link DEFAULT_REPLAY_WINDOW_MS}.
   */
  readonly windowMs?: number;
  /**
   * Largest number of requests remembered. Past it the oldest entry is dropped first, and a
   * replay of that request within its window is no longer detected. Default
   * {@link DEFAULT_REPLAY_GUARD_ENTRIES}.
   */
  readonly maxEntries?: number;
}

/**
 * Accepts each signed request once. Pass one instance as the `replayGuard` of every
 * `unprotectMessage` call of a receiver. A request whose verified signature covers its Call-ID
 * and CSeq (with `protectHeaders: ['Call-ID', 'CSeq']` at the sender) is remembered by signer,
 * Call-ID and CSeq, and the same request again raises `ReplayedError` (403). A request without
 * that binding passes, because its body could belong to any message.
 *
 * Call it after the transaction layer has matched retransmissions (RFC 3261 §17.2.3): a
 * retransmission is the same request and would be rejected too.
 *
 * @example
 * ```ts
 * const replayGuard = new ReplayGuard({ windowMs: 5 * 60_000 });
 * await unprotectMessage(request, { ...options, maxSignatureAge: 5 * 60_000, replayGuard });
 * ```
 */
export class ReplayGuard {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  /** Expiry time in milliseconds by key, in the order the requests arrived. */
  readonly #seen = new Map<string, number>();

  constructor(options: ReplayGuardOptions = {}) {
    const { windowMs = DEFAULT_REPLAY_WINDOW_MS, maxEntries = DEFAULT_REPLAY_GUARD_ENTRIES } =
      options;
    if (!(Number.isFinite(windowMs) && windowMs >= 0)) {
      throw new TypeError('ReplayGuard: windowMs must be milliseconds >= 0');
    }
    if (!(Number.isInteger(maxEntries) && maxEntries >= 1)) {
      throw new TypeError('ReplayGuard: maxEntries must be a positive integer');
    }
    this.#windowMs = windowMs;
    this.#maxEntries = maxEntries;
  }

  /** Number of requests remembered. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records a verified request, or raises `ReplayedError` when the same signer sent the same
   * Call-ID and CSeq before, within the window. Responses and requests whose signature does not
   * cover both fields are not recorded.
   */
  check(message: SipMessage, security: SecurityInfo, now: Date): void {
    if (!message.isRequest || !security.signed || security.signerUri === undefined) return;
    const callId = protectedHeaderValues(security, 'Call-ID')[0];
    const cseq = protectedHeaderValues(security, 'CSeq')[0];
    if (callId === undefined || cseq === undefined) return;

    const time = now.getTime();
    this.#forgetExpired(time);
    const key = JSON.stringify([security.signerUri, callId, cseq.replace(/\s+/g, ' ')]);
    const expiry = this.#seen.get(key);
    if (expiry !== undefined && expiry >= time) {
      throw new ReplayedError('request already received');
    }
    this.#seen.delete(key);
    const signed = security.signingTime?.getTime() ?? time;
    this.#seen.set(key, Math.max(signed, time) + this.#windowMs);
    if (this.#seen.size > this.#maxEntries) {
      const [oldest] = this.#seen.keys();
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }

  /** Drops entries from the oldest on while they have expired. */
  #forgetExpired(time: number): void {
    for (const [key, expiry] of this.#seen) {
      if (expiry >= time) return;
      this.#seen.delete(key);
    }
  }
}
