/**
 * A bounded cache of protected wire text keyed by the exact outgoing text.
 *
 * JsSIP retransmits a request or a final response by sending the same text again. A fresh
 * protection would produce new ciphertext (new content-encryption key, new signingTime), so that
 * a retransmission would no longer be the same message. The cache returns the first result
 * instead. It holds plaintext keys in memory only and evicts the oldest entry first.
 *
 * @module
 */

/** Default number of entries, several times the number of transactions that overlap in a call. */
export const DEFAULT_RETRANSMISSION_CACHE_SIZE = 64;

/** A least-recently-inserted cache of pending or finished protections. */
export class RetransmissionCache {
  readonly #entries = new Map<string, Promise<string>>();
  readonly #maxEntries: number;

  constructor(maxEntries = DEFAULT_RETRANSMISSION_CACHE_SIZE) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError('maxEntries must be a positive integer');
    }
    this.#maxEntries = maxEntries;
  }

  /** Number of cached entries. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Returns the cached protection of `text`, or starts `protect` and caches its promise. A
   * rejected protection is removed, so that a retransmission tries again.
   */
  getOrProtect(text: string, protect: (text: string) => Promise<string>): Promise<string> {
    const cached = this.#entries.get(text);
    if (cached !== undefined) return cached;

    const pending = protect(text);
    this.#entries.set(text, pending);
    pending.catch(() => {
      if (this.#entries.get(text) === pending) this.#entries.delete(text);
    });

    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return pending;
  }

  /** Drops every entry, for example when the connection closes. */
  clear(): void {
    this.#entries.clear();
  }
}
