/**
 * Detection of replayed requests whose signature covers their Call-ID.
 *
 * @module
 */

import { sha256 } from '@noble/hashes/sha2.js';

import { bytesKey, utf8Encode } from '../bytes.js';
import { HeaderMismatchError, ReplayedError } from '../errors.js';
import type { SipMessage } from '../sip/message.js';
import { protectedHeaderValues } from './protected-headers.js';
import type { SecurityInfo } from './security.js';

/**
 * Header fields whose signed copies bind a message to its transaction: give them as
 * `bindHeaders` when protecting, so that a {@link ReplayGuard} of the receiver can recognise
 * the request when it is sent again.
 */
export const BOUND_HEADERS: readonly string[] = ['Call-ID', 'CSeq'];

/** Default of {@link ReplayGuardOptions.windowMs}: five minutes. */
export const DEFAULT_REPLAY_WINDOW_MS = 5 * 60_000;

/** Default of {@link ReplayGuardOptions.maxEntries}. */
export const DEFAULT_REPLAY_GUARD_ENTRIES = 100_000;

/** Default of {@link ReplayGuardOptions.maxEntriesPerSigner}. */
export const DEFAULT_REPLAY_GUARD_ENTRIES_PER_SIGNER = 1_000;

/** Options of {@link ReplayGuard}. */
export interface ReplayGuardOptions {
  /**
   * How long in milliseconds a request is remembered, counted from its arrival, or from its
   * signingTime when that is later. Give the `maxSignatureAge` of `unprotectMessage`: a request
   * signed longer ago is rejected as too old, so it needs no entry. Without a `maxSignatureAge`,
   * give `Infinity`, so that requests are forgotten only to make room. Default
   * {@link DEFAULT_REPLAY_WINDOW_MS}.
   */
  readonly windowMs?: number;
  /**
   * Largest number of requests remembered from one signer. Past it that signer's oldest entry is
   * dropped, so a signer who floods the guard can only make it forget their own requests. Default
   * {@link DEFAULT_REPLAY_GUARD_ENTRIES_PER_SIGNER}.
   */
  readonly maxEntriesPerSigner?: number;
  /**
   * Largest number of requests remembered in all. Past it the oldest entry is dropped first.
   * Default {@link DEFAULT_REPLAY_GUARD_ENTRIES}.
   */
  readonly maxEntries?: number;
}

interface Entry {
  readonly signer: string;
  readonly expiry: number;
  /** The signingTime in milliseconds, when the signature has one. */
  readonly signedAt: number | undefined;
}

/**
 * Accepts each signed request once. Pass one instance as the `replayGuard` of every
 * `unprotectMessage` call of a receiver, or call {@link ReplayGuard.check} after a check of
 * its own, such as whether the signer is a known user. A request whose verified signature covers
 * its Call-ID (with `bindHeaders: ['Call-ID', 'CSeq']` at the sender) is remembered by
 * signer, Call-ID, method and the CSeq when that is covered too, and the same request again
 * raises `ReplayedError` (403). Only an INVITE may bind its Call-ID without its CSeq. Any other
 * request that does raises `HeaderMismatchError` (403). A request that binds no Call-ID passes,
 * because its body could belong to any message.
 *
 * An entry dropped to make room, before its window ends, leaves a mark. From then on, a request
 * of the same signer signed no later than the dropped one is rejected as well, because it may be
 * the dropped request again. Honest requests are signed later. Only a signer whose clock moves
 * back that far, or whose requests arrive more than `maxEntriesPerSigner` out of order, meets
 * this. A request without signingTime is not compared.
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
  readonly #maxEntriesPerSigner: number;
  /** Entries by key (a digest, so that a long Call-ID costs no memory), in arrival order. */
  readonly #seen = new Map<string, Entry>();
  /** Keys of each signer, in arrival order. */
  readonly #bySigner = new Map<string, Set<string>>();
  /**
   * Latest signingTime among each signer's entries dropped to make room. It keeps at most
   * `maxEntries` signers and drops the least recently raised first.
   */
  readonly #forgottenUntil = new Map<string, number>();

  constructor(options: ReplayGuardOptions = {}) {
    const {
      windowMs = DEFAULT_REPLAY_WINDOW_MS,
      maxEntries = DEFAULT_REPLAY_GUARD_ENTRIES,
      maxEntriesPerSigner = DEFAULT_REPLAY_GUARD_ENTRIES_PER_SIGNER,
    } = options;
    if (!(typeof windowMs === 'number' && windowMs >= 0)) {
      throw new TypeError('ReplayGuard: windowMs must be milliseconds >= 0, or Infinity');
    }
    if (!(Number.isInteger(maxEntries) && maxEntries >= 1)) {
      throw new TypeError('ReplayGuard: maxEntries must be a positive integer');
    }
    if (!(Number.isInteger(maxEntriesPerSigner) && maxEntriesPerSigner >= 1)) {
      throw new TypeError('ReplayGuard: maxEntriesPerSigner must be a positive integer');
    }
    this.#windowMs = windowMs;
    this.#maxEntries = maxEntries;
    this.#maxEntriesPerSigner = maxEntriesPerSigner;
  }

  /** Number of requests remembered. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records a verified request, or raises `ReplayedError` when the same signer sent the same
   * request before, within the window, or when it was signed no later than a request of the same
   * signer that was dropped to make room. Responses and requests whose signature does not cover
   * their Call-ID are not recorded.
   */
  check(message: SipMessage, security: SecurityInfo, now: Date): void {
    const signer = security.signerUri;
    if (!message.isRequest || !security.signed || signer === undefined) return;
    const callId = protectedHeaderValues(security, 'Call-ID')[0];
    if (callId === undefined) return;
    // Without a signed CSeq, the method takes its place, because an INVITE signed before its CSeq
    // was known binds its Call-ID only. Its resend after a challenge is signed afresh. Any other
    // request must bind its CSeq, or its body could be moved into a request of another method.
    const cseq = protectedHeaderValues(security, 'CSeq')[0]?.replace(/\s+/g, ' ');
    if (cseq === undefined && message.method !== 'INVITE') {
      throw new HeaderMismatchError(`${message.method} binds its Call-ID but not its CSeq`);
    }
    const key = keyOf([signer, callId, cseq ?? `- ${message.method}`]);

    const time = now.getTime();
    this.#forgetExpired(time);
    const entry = this.#seen.get(key);
    if (entry !== undefined && entry.expiry >= time) {
      throw new ReplayedError('request already received');
    }
    const signedAt = security.signingTime?.getTime();
    const forgottenUntil = this.#forgottenUntil.get(signer);
    if (signedAt !== undefined && forgottenUntil !== undefined && signedAt <= forgottenUntil) {
      throw new ReplayedError('request too old to check for a replay');
    }
    this.#forget(key);
    const expiry = Math.max(signedAt ?? time, time) + this.#windowMs;
    this.#seen.set(key, { signer, expiry, signedAt });
    const keys = this.#bySigner.get(signer) ?? new Set<string>();
    keys.add(key);
    this.#bySigner.set(signer, keys);
    if (keys.size > this.#maxEntriesPerSigner) this.#makeRoom(first(keys));
    if (this.#seen.size > this.#maxEntries) this.#makeRoom(first(this.#seen.keys()));
  }

  /**
   * Drops an entry before its window ends (expired ones are gone by then), and marks its signer's
   * requests up to its signingTime as seen.
   */
  #makeRoom(key: string | undefined): void {
    const entry = key === undefined ? undefined : this.#seen.get(key);
    this.#forget(key);
    if (entry?.signedAt === undefined) return;
    const { signer, signedAt } = entry;
    const until = Math.max(signedAt, this.#forgottenUntil.get(signer) ?? signedAt);
    this.#forgottenUntil.delete(signer);
    this.#forgottenUntil.set(signer, until);
    if (this.#forgottenUntil.size > this.#maxEntries) {
      this.#forgottenUntil.delete(first(this.#forgottenUntil.keys()) ?? signer);
    }
  }

  /** Drops entries from the oldest on while they have expired. */
  #forgetExpired(time: number): void {
    for (const [key, entry] of this.#seen) {
      if (entry.expiry >= time) return;
      this.#forget(key);
    }
  }

  #forget(key: string | undefined): void {
    if (key === undefined) return;
    const entry = this.#seen.get(key);
    if (entry === undefined) return;
    this.#seen.delete(key);
    const keys = this.#bySigner.get(entry.signer);
    keys?.delete(key);
    if (keys?.size === 0) this.#bySigner.delete(entry.signer);
  }
}

/** Returns a fixed-size key for the parts, whatever their length. */
function keyOf(parts: readonly string[]): string {
  return bytesKey(sha256(utf8Encode(JSON.stringify(parts))));
}

function first(keys: Iterable<string>): string | undefined {
  for (const key of keys) return key;
  return undefined;
}
