/**
 * The time source of the floor arbitrator, injected so that tests drive the maximum talk time
 * without waiting.
 *
 * @module
 */

/** A clock with one-shot timers. */
export interface FloorClock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Calls `callback` once after `delayMs` milliseconds; the returned function cancels it. */
  schedule(delayMs: number, callback: () => void): () => void;
}

/** The process clock: `performance.now()` and `setTimeout`, whose timers keep no process alive. */
export const systemFloorClock: FloorClock = {
  now: () => performance.now(),
  schedule: (delayMs, callback) => {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
