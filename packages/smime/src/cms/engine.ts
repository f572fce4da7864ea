/**
 * PKIjs crypto engines built from the caller's `Crypto`, never from PKIjs's global engine.
 *
 * @module
 */

import * as pkijs from 'pkijs';

const engines = new WeakMap<Crypto, pkijs.CryptoEngine>();

/** Returns the PKIjs engine for `crypto`, creating it once per `Crypto` object. */
export function engineFor(crypto: Crypto): pkijs.CryptoEngine {
  let engine = engines.get(crypto);
  if (engine === undefined) {
    engine = new pkijs.CryptoEngine({ crypto, name: 'mcptt-smime' });
    engines.set(crypto, engine);
  }
  return engine;
}

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
