/**
 * The queue of floor requests of TS 24.380, ordered by
 * floor priority, highest first, and by arrival among equal priorities.
 *
 * @module
 */

/** One queued request. */
export interface QueuedRequest {
  readonly participant: string;
  readonly priority: number;
  /** Arrival order; a lower number arrived earlier. */
  readonly arrival: number;
}

/** A priority queue of floor requests, at most one per participant. */
export class FloorQueue {
  #entries: QueuedRequest[] = [];
  #arrivals = 0;

  /** Number of queued requests. */
  get size(): number {
    return this.#entries.length;
  }

  /** True when `participant` has a queued request. */
  has(participant: string): boolean {
    return this.#entries.some((entry) => entry.participant === participant);
  }

  /**
   * Queues a request, or moves an already queued one to its new priority. A request whose
   * priority changes keeps its original arrival, so raising it never loses its turn among
   * equals.
   */
  put(participant: string, priority: number): void {
    const previous = this.#entries.find((entry) => entry.participant === participant);
    const arrival = previous?.arrival ?? this.#arrivals++;
    this.remove(participant);
    this.#entries.push({ participant, priority, arrival });
    this.#entries.sort((a, b) => b.priority - a.priority || a.arrival - b.arrival);
  }

  /** Removes the request of `participant`; returns false when there was none. */
  remove(participant: string): boolean {
    const before = this.#entries.length;
    this.#entries = this.#entries.filter((entry) => entry.participant !== participant);
    return this.#entries.length !== before;
  }

  /** Removes and returns the request to grant next. */
  shift(): QueuedRequest | undefined {
    return this.#entries.shift();
  }

  /** The place of `participant` in the queue, 1 for the head, or 0 when not queued. */
  position(participant: string): number {
    return this.#entries.findIndex((entry) => entry.participant === participant) + 1;
  }

  /** The queued requests in the order they would be granted. */
  entries(): readonly QueuedRequest[] {
    return [...this.#entries];
  }

  /** Removes every request. */
  clear(): void {
    this.#entries = [];
  }
}
