/**
 * Timers behind an injectable function, so that tests can run them without waiting.
 *
 * @module
 */

/** Runs `callback` after `delayMs` milliseconds and returns a function that cancels it. */
export type Schedule = (delayMs: number, callback: () => void) => () => void;

/** {@link Schedule} on `setTimeout`. */
export const systemSchedule: Schedule = (delayMs, callback) => {
  const timer = setTimeout(callback, delayMs);
  return () => clearTimeout(timer);
};
