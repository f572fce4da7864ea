import type { FloorClock } from '../../src/floor/floor-clock.js';
import type { ServerFloorMessage } from '@mcptt-smime/floor';
import type { FloorArbitratorDelegate } from '../../src/floor/floor-arbitrator.js';

/** A clock that moves only when the test calls {@link FakeFloorClock.advance}. */
export class FakeFloorClock implements FloorClock {
  #now = 0;
  #timers: { at: number; callback: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.#now;
  }

  schedule(delayMs: number, callback: () => void): () => void {
    const timer = { at: this.#now + delayMs, callback, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Number of timers that have neither fired nor been cancelled. */
  get pending(): number {
    return this.#timers.filter((timer) => !timer.cancelled).length;
  }

  /** Moves the clock forward and fires the timers that are due, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = this.#timers
        .filter((timer) => !timer.cancelled && timer.at <= end)
        .sort((a, b) => a.at - b.at)[0];
      if (due === undefined) {
        break;
      }
      due.cancelled = true;
      this.#now = due.at;
      due.callback();
    }
    this.#now = end;
  }
}

/** A delegate that records every message and holder change. */
export class RecordingDelegate implements FloorArbitratorDelegate {
  readonly messages: { to: string; message: ServerFloorMessage }[] = [];
  readonly holders: { holder: string | undefined; previous: string | undefined }[] = [];

  onMessage(participant: string, message: ServerFloorMessage): void {
    this.messages.push({ to: participant, message });
  }

  onHolderChange(holder: string | undefined, previous: string | undefined): void {
    this.holders.push({ holder, previous });
  }

  /** Messages to `participant`, in order. */
  to(participant: string): ServerFloorMessage[] {
    return this.messages.filter((entry) => entry.to === participant).map((entry) => entry.message);
  }

  /** The last message to `participant`. */
  last(participant: string): ServerFloorMessage | undefined {
    return this.to(participant).at(-1);
  }

  /** Forgets what was recorded so far. */
  clear(): void {
    this.messages.length = 0;
    this.holders.length = 0;
  }
}
