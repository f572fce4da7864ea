/**
 * Starts asynchronous work at once and delivers the results in submission order.
 *
 * WebCrypto calls finish in any order: a short CANCEL is protected sooner than the INVITE before
 * it. Delivering in submission order keeps one FIFO per direction, so that a CANCEL never
 * overtakes its INVITE, while the crypto of consecutive messages still overlaps.
 *
 * @module
 */

/** One FIFO of asynchronous results. */
export class OrderedPipeline {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;

  /** Number of submitted items whose delivery has not run yet. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Submits `work`, which is already running, and calls `deliver` with its outcome after every
   * earlier item was delivered. `deliver` must not throw; an exception it raises is dropped so
   * that one bad item does not stop the queue.
   */
  submit<T>(work: Promise<T>, deliver: (outcome: PromiseSettledResult<T>) => void): void {
    this.#pending += 1;

    const settled: Promise<PromiseSettledResult<T>> = work.then(
      (value) => ({ status: 'fulfilled', value }),
      (reason: unknown) => ({ status: 'rejected', reason }),
    );

    this.#tail = this.#tail.then(async () => {
      const outcome = await settled;
      this.#pending -= 1;
      try {
        deliver(outcome);
      } catch {
        // The delivery callbacks report their own errors; the queue keeps going.
      }
    });
  }

  /** Resolves after every item submitted so far was delivered. */
  drain(): Promise<void> {
    return this.#tail;
  }
}
