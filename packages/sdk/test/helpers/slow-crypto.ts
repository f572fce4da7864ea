/** A WebCrypto whose signing waits first, to test ordering under slow crypto. */
import { delay } from './sip-samples.js';
import { testCrypto } from './pki.js';

/** Returns `testCrypto` with every `subtle.sign` delayed by `ms` milliseconds. */
export function createSlowCrypto(ms: number): Crypto {
  const subtle = testCrypto.subtle;
  const slowSubtle = new Proxy(subtle, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      if (property !== 'sign') return (value as (...a: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        await delay(ms);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    subtle: slowSubtle,
    getRandomValues: testCrypto.getRandomValues.bind(testCrypto),
    randomUUID: () => testCrypto.randomUUID(),
  };
}
