/**
 * Detection of replayed requests whose signature covers their Call-ID.
 *
 * @module
 */

import { sha256 } from '@noble/hashes/sha2.js';

import { bytesKey, utf8Encode } from '../bytes.js';
import { checkedDate } from '../option-checks.js';
import { HeaderMismatchError, ReplayedError } from '../errors.js';
import type { SipMessage } from '../sip/message.js';
import { protectedHeaderValues } from './protected-headers.js';
import type { SecurityInfo } from './security.js';

/**
 * Header fields whose signed copies bind a message to its transaction and its receiver: give them
 * as `bindHeaders` when protecting. With Call-ID and CSeq, a {@link ReplayGuard} of the receiver
 * recognises the request when it is sent again. With To, a receiver that passes its own URI as
 * `recipientUri` of `unprotectMessage` rejects a request that another recipient decrypted and
 * passed on to it, encrypted again, with the sender's signature intact.
 */
export const BOUND_HEADERS: readonly string[] = ['Call-ID', 'CSeq', 'To'];

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
  /**
   * Called with each request the guard starts to remember, so that the application can store it
   * and give it to {@link ReplayGuard.restore} after a restart. An exception it raises propagates
   * from `check`, after the request was recorded.
   */
  readonly onRecord?: (record: ReplayRecord) => void;
}

/** A request that a {@link ReplayGuard} remembers, in a form to store and restore. */
export interface ReplayRecord {
  /** Digest of the signer, Call-ID, method and CSeq, 32 characters from U+0000 to U+00FF. */
  readonly key: string;
  /** SIP URI of the signer. */
  readonly signer: string;
  /** Time in milliseconds since 1970 after which the request is forgotten. */
  readonly expiry: number;
  /** The signingTime in milliseconds, when the signature has one. */
  readonly signedAt: number | undefined;
  /** Time in milliseconds when the request arrived: restore keeps the arrival order with it. */
  readonly arrivedAt: number;
}

/**
 * Storage of a receiver's {@link ReplayRecord}s across restarts, such as a keystore's. A client
 * gives the records it loads to {@link ReplayGuard.restore} before it receives anything, and adds
 * each record that the guard's `onRecord` reports.
 */
export interface ReplayStore {
  /** Returns the stored records. Expired ones may be among them or left out. */
  load(): Promise<readonly ReplayRecord[]>;
  /** Stores one more record. */
  add(record: ReplayRecord): Promise<void>;
}

type Entry = ReplayRecord;

/** Length of {@link ReplayRecord.key}: a SHA-256 digest, one character per byte. */
const KEY_LENGTH = 32;

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
 * the dropped request again. Honest requests are signed later. The exceptions are a signer
 * whose clock moves back that far, requests that arrive more than `maxEntriesPerSigner` out of
 * order, and more than `maxEntriesPerSigner` requests signed within one second, because
 * signingTime has whole seconds. Two devices of one user whose clocks differ by more than the
 * time in which that user sends `maxEntriesPerSigner` requests are one too. A request without
 * signingTime is not compared.
 *
 * Call it after the transaction layer has matched retransmissions (RFC 3261 §17.2.3): a
 * retransmission is the same request and would be rejected too.
 *
 * @example
 * ```ts
 * // context: request: SipMessage, options: UnprotectOptions
 * const replayGuard = new ReplayGuard({ windowMs: 5 * 60_000 });
 * await unprotectMessage(request, { ...options, maxSignatureAge: 5 * 60_000, replayGuard });
 * ```
 */
export class ReplayGuard {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #maxEntriesPerSigner: number;
  readonly #onRecord: ((record: ReplayRecord) => void) | undefined;
  /** Entries by key (a digest, so that a long Call-ID costs no memory). */
  readonly #seen = new Map<string, Entry>();
  /** All entries in arrival order. */
  readonly #arrivals = new EntryQueue();
  /** The entries of each signer in arrival order, and how many of them are remembered. */
  readonly #bySigner = new Map<string, { readonly queue: EntryQueue; live: number }>();
  readonly #isLive = (entry: Entry): boolean => this.#seen.get(entry.key) === entry;
  /**
   * Latest signingTime among each signer's entries dropped to make room. It keeps at most
   * `maxEntries` signers and drops the least recently raised first.
   */
  readonly #forgottenUntil = new Map<string, number>();
  /** Walks {@link ReplayGuard.#forgottenUntil} from its oldest mark, for {@link ReplayGuard.#oldestMark}. */
  #markOrder: Iterator<string> | undefined;

  /**
   * @param options - The window, the entry limits and the `onRecord` callback, each with the
   *   default that {@link ReplayGuardOptions} names.
   * @throws TypeError for an option of the wrong type or out of range.
   */
  constructor(options: ReplayGuardOptions = {}) {
    const {
      windowMs = DEFAULT_REPLAY_WINDOW_MS,
      maxEntries = DEFAULT_REPLAY_GUARD_ENTRIES,
      maxEntriesPerSigner = DEFAULT_REPLAY_GUARD_ENTRIES_PER_SIGNER,
      onRecord,
    } = options;
    if (onRecord !== undefined && typeof onRecord !== 'function') {
      throw new TypeError('ReplayGuard: onRecord must be a function');
    }
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
    this.#onRecord = onRecord;
  }

  /** Number of requests remembered. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records a verified request, or raises `ReplayedError` when the same signer sent the same
   * request before, within the window, or when it was signed no later than a request of the same
   * signer that was dropped to make room. Responses and requests whose signature does not cover
   * their Call-ID are not recorded. Returns the record of a request it started to remember, as
   * `onRecord` gets it, or undefined.
   *
   * @param message - The unprotected message, as {@link unprotectMessage} returned it.
   * @param security - Its `security`, which names the signer and the bound header fields.
   * @param now - The time of arrival.
   */
  check(message: SipMessage, security: SecurityInfo, now: Date): ReplayRecord | undefined {
    const time = checkedDate(now, 'ReplayGuard.check', 'now').getTime();
    const signer = security.signerUri;
    if (!message.isRequest || !security.signed || signer === undefined) return undefined;
    const callId = protectedHeaderValues(security, 'Call-ID')[0];
    if (callId === undefined) return undefined;
    // Without a signed CSeq, the method takes its place, because an INVITE signed before its CSeq
    // was known binds its Call-ID only. Its resend after a challenge is signed afresh. Any other
    // request must bind its CSeq, or its body could be moved into a request of another method.
    const cseq = protectedHeaderValues(security, 'CSeq')[0]?.replace(/\s+/g, ' ');
    if (cseq === undefined && message.method !== 'INVITE') {
      throw new HeaderMismatchError(`${message.method} binds its Call-ID but not its CSeq`);
    }
    const key = keyOf([signer, callId, cseq ?? `- ${message.method}`]);

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
    this.#forget(entry);
    const expiry = Math.max(signedAt ?? time, time) + this.#windowMs;
    const added: Entry = { key, signer, expiry, signedAt, arrivedAt: time };
    this.#add(added);
    this.#onRecord?.({ ...added });
    return { ...added };
  }

  /**
   * Remembers requests that an earlier guard recorded, such as those its `onRecord` stored
   * before a page reload, so that the SIP core cannot send them again to the new guard. Expired
   * and malformed records are skipped, and so is a key the guard already has. The records go in
   * in the order they arrived, and the limits apply as to requests that arrive, marks included.
   * A summary record of {@link compactReplayRecords} becomes its signer's mark. Returns how many
   * records were taken.
   *
   * @param records - Records from {@link ReplayGuardOptions.onRecord} or a store.
   * @param now - The current time, which decides what has expired.
   */
  restore(records: Iterable<ReplayRecord>, now: Date): number {
    const time = checkedDate(now, 'ReplayGuard.restore', 'now').getTime();
    this.#forgetExpired(time);
    const valid = [...records].filter(
      (record) => isReplayRecord(record) && record.expiry >= time && !this.#seen.has(record.key),
    );
    // By arrival: the expiries of a window of Infinity do not order anything.
    valid.sort((a, b) => a.arrivedAt - b.arrivedAt);
    let added = 0;
    const summaryKeys = new Map<string, string>();
    for (const { key, signer, expiry, signedAt, arrivedAt } of valid) {
      let summaryKey = summaryKeys.get(signer);
      if (summaryKey === undefined) {
        summaryKey = summaryKeyOf(signer);
        summaryKeys.set(signer, summaryKey);
      }
      // A summary of compactReplayRecords replaces requests that were dropped to make room.
      if (key === summaryKey) {
        if (signedAt !== undefined) this.#mark(signer, signedAt);
      } else if (!this.#seen.has(key)) {
        this.#add({ key, signer, expiry, signedAt, arrivedAt });
      } else {
        continue;
      }
      added++;
    }
    return added;
  }

  /** Remembers an entry and drops the oldest ones past the limits. */
  #add(added: Entry): void {
    const { signer } = added;
    this.#seen.set(added.key, added);
    this.#arrivals.push(added, this.#seen.size, this.#isLive);
    let own = this.#bySigner.get(signer);
    if (own === undefined) {
      own = { queue: new EntryQueue(), live: 0 };
      this.#bySigner.set(signer, own);
    }
    own.live++;
    own.queue.push(added, own.live, this.#isLive);
    if (own.live > this.#maxEntriesPerSigner) this.#makeRoom(own.queue.oldest(this.#isLive));
    if (this.#seen.size > this.#maxEntries) this.#makeRoom(this.#arrivals.oldest(this.#isLive));
  }

  /**
   * Drops an entry before its window ends (expired ones are gone by then), and marks its signer's
   * requests up to its signingTime as seen.
   */
  #makeRoom(entry: Entry | undefined): void {
    this.#forget(entry);
    if (entry?.signedAt !== undefined) this.#mark(entry.signer, entry.signedAt);
  }

  /** Marks the signer's requests signed up to `signedAt` as seen. */
  #mark(signer: string, signedAt: number): void {
    const until = Math.max(signedAt, this.#forgottenUntil.get(signer) ?? signedAt);
    this.#forgottenUntil.delete(signer);
    this.#forgottenUntil.set(signer, until);
    if (this.#forgottenUntil.size > this.#maxEntries) {
      this.#forgottenUntil.delete(this.#oldestMark() ?? signer);
    }
  }

  /**
   * Returns the signer whose mark was raised least recently. A Map iterator stays live as keys
   * are deleted and added, so one iterator walks the order once. A new one for each call would
   * step over every deleted slot at the front again, which made a flood of signers quadratic.
   */
  #oldestMark(): string | undefined {
    let next = this.#markOrder?.next();
    if (next === undefined || next.done === true) {
      this.#markOrder = this.#forgottenUntil.keys();
      next = this.#markOrder.next();
    }
    return next.done === true ? undefined : next.value;
  }

  /** Drops entries from the oldest on while they have expired. */
  #forgetExpired(time: number): void {
    for (
      let oldest = this.#arrivals.oldest(this.#isLive);
      oldest !== undefined && oldest.expiry < time;
      oldest = this.#arrivals.oldest(this.#isLive)
    ) {
      this.#forget(oldest);
    }
  }

  #forget(entry: Entry | undefined): void {
    if (entry === undefined || !this.#isLive(entry)) return;
    this.#seen.delete(entry.key);
    const own = this.#bySigner.get(entry.signer);
    if (own !== undefined && --own.live === 0) this.#bySigner.delete(entry.signer);
  }
}

/**
 * Entries in arrival order, forgotten ones included until they reach the front or outnumber the
 * others. A Map used as a queue would cost more per call as entries leave its front, because its
 * iterators step over the deleted slots.
 */
class EntryQueue {
  #items: Entry[] = [];
  #head = 0;

  /** Appends an entry. `live` is how many of the queue's entries are remembered. */
  push(entry: Entry, live: number, isLive: (entry: Entry) => boolean): void {
    this.#items.push(entry);
    if (this.#items.length - this.#head > 2 * live + 32) {
      this.#items = this.#items.slice(this.#head).filter(isLive);
      this.#head = 0;
    }
  }

  /** Returns the oldest remembered entry, dropping the forgotten ones before it. */
  oldest(isLive: (entry: Entry) => boolean): Entry | undefined {
    while (this.#head < this.#items.length) {
      const entry = this.#items[this.#head] as Entry;
      if (isLive(entry)) {
        if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
          this.#items = this.#items.slice(this.#head);
          this.#head = 0;
        }
        return entry;
      }
      this.#head++;
    }
    this.#items = [];
    this.#head = 0;
    return undefined;
  }
}

/**
 * Returns the records that a {@link ReplayGuard} with this `maxEntriesPerSigner` needs of
 * `records`, for a store to keep in place of them all. Of each signer it keeps the newest records
 * by arrival, and replaces the older ones by one summary record. Restoring the result gives a
 * guard the same entries as restoring all records, and a mark at least as high, until the last of
 * the replaced records expires. Records of another shape are dropped, and the result is in
 * arrival order. A summary is keyed by its signer, so that the next summary of that signer
 * replaces it in a store keyed by {@link ReplayRecord.key}.
 *
 * @example
 * ```ts
 * // context: store: ReplayStore
 * const compacted = compactReplayRecords(await store.load());
 * ```
 *
 * @param records - The stored records, in any order.
 * @param options - `maxEntriesPerSigner` of the guard that will restore them.
 * @returns The records to keep, in arrival order.
 * @throws TypeError for a `maxEntriesPerSigner` that is not a positive integer.
 */
export function compactReplayRecords(
  records: Iterable<ReplayRecord>,
  options: Pick<ReplayGuardOptions, 'maxEntriesPerSigner'> = {},
): ReplayRecord[] {
  const { maxEntriesPerSigner = DEFAULT_REPLAY_GUARD_ENTRIES_PER_SIGNER } = options;
  if (!(Number.isInteger(maxEntriesPerSigner) && maxEntriesPerSigner >= 1)) {
    throw new TypeError('compactReplayRecords: maxEntriesPerSigner must be a positive integer');
  }
  const bySigner = new Map<string, ReplayRecord[]>();
  for (const record of records) {
    if (!isReplayRecord(record)) continue;
    let own = bySigner.get(record.signer);
    if (own === undefined) {
      own = [];
      bySigner.set(record.signer, own);
    }
    own.push(record);
  }

  const compacted: ReplayRecord[] = [];
  for (const [signer, own] of bySigner) {
    // An earlier summary always goes into the new one, wherever its arrival time sorts it, so
    // that its mark never falls. A clock that moved back could sort it among the newest.
    const summaryKey = summaryKeyOf(signer);
    const summaries = own.filter((record) => record.key === summaryKey);
    const requests = own.filter((record) => record.key !== summaryKey);
    // A stable sort keeps the order of records that arrived in the same millisecond.
    requests.sort((a, b) => a.arrivedAt - b.arrivedAt);
    const olderCount = Math.max(0, requests.length - maxEntriesPerSigner);
    const summary = summarise(signer, [...summaries, ...requests.slice(0, olderCount)]);
    if (summary !== undefined) compacted.push(summary);
    compacted.push(...requests.slice(olderCount));
  }
  return compacted.sort((a, b) => a.arrivedAt - b.arrivedAt);
}

/**
 * Returns one record that leaves the mark which dropping `older` leaves in a guard, or undefined
 * when none of them has a signingTime, since the guard marks nothing for those.
 */
function summarise(signer: string, older: readonly ReplayRecord[]): ReplayRecord | undefined {
  let signedAt: number | undefined;
  let expiry = -Infinity;
  let arrivedAt = -Infinity;
  for (const record of older) {
    arrivedAt = Math.max(arrivedAt, record.arrivedAt);
    if (record.signedAt === undefined) continue;
    signedAt = Math.max(signedAt ?? -Infinity, record.signedAt);
    expiry = Math.max(expiry, record.expiry);
  }
  if (signedAt === undefined) return undefined;
  return { key: summaryKeyOf(signer), signer, expiry, signedAt, arrivedAt };
}

/** Returns the key of a signer's summary record. A request's key digests three strings, so a key of two never equals one. */
function summaryKeyOf(signer: string): string {
  return keyOf(['summary', signer]);
}

/** Tells whether a value, such as one read from storage, has the shape of a {@link ReplayRecord}. */
export function isReplayRecord(value: unknown): value is ReplayRecord {
  if (typeof value !== 'object' || value === null) return false;
  const { key, signer, expiry, signedAt, arrivedAt } = value as Partial<
    Record<keyof ReplayRecord, unknown>
  >;
  return (
    typeof key === 'string' &&
    key.length === KEY_LENGTH &&
    typeof signer === 'string' &&
    signer.length > 0 &&
    typeof expiry === 'number' &&
    !Number.isNaN(expiry) &&
    (signedAt === undefined || (typeof signedAt === 'number' && Number.isFinite(signedAt))) &&
    typeof arrivedAt === 'number' &&
    Number.isFinite(arrivedAt)
  );
}

/** Returns a fixed-size key for the parts, whatever their length. */
function keyOf(parts: readonly string[]): string {
  return bytesKey(sha256(utf8Encode(JSON.stringify(parts))));
}
