/**
 * The parts of the `npm start` demo (the SIP core, the server, the enrolment endpoint and the
 * app's dev server), stopped together on a signal or a failure.
 *
 * @module
 */

/** A part of the demo that runs until it is stopped. */
export interface DemoPart {
  stop(): Promise<void>;
}

/**
 * The parts of the demo that have started. {@link DemoParts.stop} stops them in the reverse order
 * of their start, including one that is still starting, so that no child process outlives the
 * demo.
 */
export class DemoParts {
  readonly #started: DemoPart[] = [];
  readonly #exit: (status: number) => void;
  readonly #report: (text: string) => void;
  /** Settles when its part has started or failed to start, and leaves the set then. */
  readonly #starting = new Set<Promise<unknown>>();
  #stopping = false;

  /**
   * `exit` ends the process once every part has stopped, `process.exit` by default, and `report`
   * receives a line for each part that fails to stop, standard error by default.
   */
  constructor(
    options: {
      readonly exit?: (status: number) => void;
      readonly report?: (text: string) => void;
    } = {},
  ) {
    this.#exit = options.exit ?? ((status) => process.exit(status));
    this.#report = options.report ?? ((text) => process.stderr.write(text));
  }

  /** True once {@link DemoParts.stop} was called. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Resolves to the part that `starting` resolves to, and records it for {@link DemoParts.stop}. */
  add<T extends DemoPart>(starting: Promise<T>): Promise<T> {
    const added = starting.then((part) => {
      this.#started.push(part);
      return part;
    });
    const settled: Promise<unknown> = added.then(
      () => this.#starting.delete(settled),
      () => this.#starting.delete(settled),
    );
    this.#starting.add(settled);
    return added;
  }

  /**
   * Waits for the parts that are starting, also those added meanwhile, stops every part that
   * started, the last one first, and then exits with `status`. A later call does nothing.
   */
  async stop(status: number): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (;;) {
      // The launcher may start its next part before it checks `stopping`. That part depends on
      // the ones before it, so the stop waits for it and stops it first.
      if (this.#starting.size > 0) {
        await Promise.all(this.#starting);
        continue;
      }
      const part = this.#started.pop();
      if (part === undefined) break;
      await part.stop().catch((error: unknown) => {
        this.#report(`stopping the demo failed: ${String(error)}\n`);
      });
    }
    this.#exit(status);
  }
}
