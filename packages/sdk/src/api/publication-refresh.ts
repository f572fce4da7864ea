/**
 * Keeps a PUBLISH alive (RFC 3903 §4.1): a publication lapses at the end of the lifetime that the
 * server granted, so the client publishes it again before then.
 *
 * A refresh carries the whole signed body again, not a bodyless request with SIP-If-Match. The
 * MCPTT server authorises only on a verified signature, and the entity tag crosses the SIP core in
 * clear, so a refresh by entity tag alone would let the core extend someone's authorisation.
 *
 * @module
 */
import { systemSchedule, type Schedule } from '../core/schedule.js';
import { SipRequestFailedError } from './sip-request-failed-error.js';

/**
 * Seconds before the end of the granted lifetime at which a refresh is sent: twice Timer F, so
 * that a refresh that times out leaves time for a retry.
 */
export const REFRESH_MARGIN_SECONDS = 64;

/** Seconds between retries of a refresh that failed for a reason that may pass. */
export const REFRESH_RETRY_SECONDS = 30;

/**
 * Maximum delay in milliseconds that `setTimeout` keeps (2^31 - 1, about 24.8 days). A longer one
 * fires at once, so a very long lifetime would make the refreshes run in a loop.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Returns the delay in milliseconds before refreshing a publication that lasts `grantedSeconds`:
 * {@link REFRESH_MARGIN_SECONDS} before it lapses, or halfway through a lifetime shorter than
 * twice that margin.
 */
export function refreshDelayMs(grantedSeconds: number): number {
  const delayMs = Math.max(grantedSeconds - REFRESH_MARGIN_SECONDS, grantedSeconds / 2) * 1000;
  return Math.min(delayMs, MAX_TIMER_DELAY_MS);
}

/**
 * Returns true for a failure that a later attempt may not meet: a timeout (408), a server error
 * (5xx) or a transport or protection error. Any other response rejects the publication as such.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof SipRequestFailedError)) return true;
  return error.sipStatus === 408 || error.sipStatus >= 500;
}

/** Sends a publication and resolves with the lifetime granted, in seconds. */
export type Publish = () => Promise<number>;

/** Options of {@link PublicationRefresh}. */
export interface PublicationRefreshOptions {
  /**
   * Receives each failed refresh, and whether it will be retried: a retryable one is tried again
   * after {@link REFRESH_RETRY_SECONDS}.
   */
  readonly onFailure: (error: unknown, retrying: boolean) => void;
  /** Timer function; default `setTimeout`. */
  readonly schedule?: Schedule;
}

/**
 * The refresh timer of one publication. {@link PublicationRefresh.start} arms it with the
 * granted lifetime, and each refresh re-arms it with the lifetime that its response grants.
 *
 * @example
 * ```ts
 * // context: sendPublish: typeof import('./publish-transaction.js').sendPublish,
 * // context: socket: ProtectingSocket, pipeline: SmimePipeline,
 * // context: request: import('./publish-transaction.js').PublishRequest,
 * // context: report: (error: unknown, retrying: boolean) => void
 * const refresh = new PublicationRefresh({ onFailure: (error, retrying) => report(error, retrying) });
 * const publish = () => sendPublish(socket, pipeline, crypto, request);
 * refresh.start(publish, await publish());
 * ```
 */
export class PublicationRefresh {
  readonly #options: PublicationRefreshOptions;
  readonly #schedule: Schedule;
  #cancel: (() => void) | undefined;
  /** Counts starts and stops, so that a refresh in flight when they happen does not re-arm. */
  #generation = 0;
  #closed = false;

  constructor(options: PublicationRefreshOptions) {
    this.#options = options;
    this.#schedule = options.schedule ?? systemSchedule;
  }

  /**
   * Arms the timer for a publication that `publish` sent and that was granted `grantedSeconds`,
   * replacing any earlier one. A lifetime of 0 leaves the timer stopped.
   */
  start(publish: Publish, grantedSeconds: number): void {
    this.stop();
    if (this.#closed) return;
    if (grantedSeconds > 0) this.#arm(publish, refreshDelayMs(grantedSeconds), this.#generation);
  }

  /**
   * Stops for good: like {@link PublicationRefresh.stop}, and a later `start()`, such as one for a
   * PUBLISH that was in flight, arms nothing.
   */
  close(): void {
    this.#closed = true;
    this.stop();
  }

  /** Cancels the timer and any re-arming by a refresh in flight. */
  stop(): void {
    this.#generation += 1;
    this.#cancel?.();
    this.#cancel = undefined;
  }

  #arm(publish: Publish, delayMs: number, generation: number): void {
    this.#cancel = this.#schedule(delayMs, () => {
      this.#cancel = undefined;
      void this.#refresh(publish, generation);
    });
  }

  async #refresh(publish: Publish, generation: number): Promise<void> {
    try {
      const granted = await publish();
      if (generation === this.#generation && granted > 0) {
        this.#arm(publish, refreshDelayMs(granted), generation);
      }
    } catch (error) {
      if (generation !== this.#generation) return;
      const retrying = isRetryable(error);
      this.#options.onFailure(error, retrying);
      if (retrying) this.#arm(publish, REFRESH_RETRY_SECONDS * 1000, generation);
    }
  }
}
