/**
 * A WebCrypto whose `verify` calls can be paused, so that a race test decides exactly when a
 * certificate check in progress goes on.
 */
import { testCrypto } from './store.js';

/** Test crypto with a switch that pauses every `subtle.verify` call until the test releases it. */
export class PausableVerify {
  /** The crypto to open a keystore with. */
  readonly crypto: Crypto;
  #paused: { entered: () => void; released: Promise<void>; release: () => void } | undefined;

  constructor() {
    const subtle = new Proxy(testCrypto.subtle, {
      get: (target, name) => {
        const value = Reflect.get(target, name) as unknown;
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => Promise<unknown>;
        if (name !== 'verify') return method.bind(target);
        return async (...args: unknown[]) => {
          const paused = this.#paused;
          if (paused !== undefined) {
            paused.entered();
            await paused.released;
          }
          return method.apply(target, args);
        };
      },
    });
    this.crypto = {
      subtle,
      getRandomValues: testCrypto.getRandomValues.bind(testCrypto),
      randomUUID: testCrypto.randomUUID.bind(testCrypto),
    };
  }

  /** Pauses the following verify calls, and resolves once the first of them has started. */
  hold(): Promise<void> {
    return new Promise((entered) => {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      this.#paused = { entered: () => entered(), released, release };
    });
  }

  /** Lets the paused verify calls, and every later one, go on. */
  release(): void {
    this.#paused?.release();
    this.#paused = undefined;
  }
}
