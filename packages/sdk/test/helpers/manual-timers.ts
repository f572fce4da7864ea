import type { Schedule } from '../../src/core/schedule.js';

/** Timers that fire only when the test calls {@link ManualTimers.fire}. */
export class ManualTimers {
  readonly #timers: { delayMs: number; callback: () => void; active: boolean }[] = [];

  readonly schedule: Schedule = (delayMs, callback) => {
    const timer = { delayMs, callback, active: true };
    this.#timers.push(timer);
    return () => {
      timer.active = false;
    };
  };

  /** Delays of the timers still active. */
  get active(): number[] {
    return this.#timers.filter((timer) => timer.active).map((timer) => timer.delayMs);
  }

  /** Fires every active timer. */
  fire(): void {
    for (const timer of this.#timers.filter((entry) => entry.active)) {
      timer.active = false;
      timer.callback();
    }
  }
}
