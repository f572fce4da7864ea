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

/** Maximum delay of setTimeout: Node runs a longer one after 1 ms. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * The process clock: `performance.now()` and `setTimeout`, whose timers keep no process alive.
 * A delay past the range of setTimeout waits in steps of at most that range.
 */
export const systemFloorClock: FloorClock = {
  now: () => performance.now(),
  schedule: (delayMs, callback) => {
    let timer: ReturnType<typeof setTimeout>;
    const wait = (remainingMs: number) => {
      const stepMs = Math.min(remainingMs, MAX_TIMEOUT_MS);
      timer = setTimeout(() => {
        if (remainingMs > stepMs) wait(remainingMs - stepMs);
        else callback();
      }, stepMs);
      timer.unref();
    };
    wait(delayMs);
    return () => clearTimeout(timer);
  },
};
