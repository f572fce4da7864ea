/**
 * A bounded map for the caches of parsed certificates, imported keys and validated chains.
 *
 * @module
 */

/** Bounded map that forgets its oldest entry when full; the caches of this folder use it. */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Returns the value for `key`, or undefined. */
  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  /** Stores `value`, evicting the oldest entry past the capacity. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  /** Removes the entry for `key`. */
  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** Removes every entry. */
  clear(): void {
    this.#entries.clear();
  }
}
