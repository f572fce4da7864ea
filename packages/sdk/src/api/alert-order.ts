/**
 * Order of emergency alerts and their cancellations. The SIP core can hold an alert back and
 * deliver it after its cancellation, or a cancellation after a new alert. So each is compared by
 * its signingTime with the last one received from the same sender for the same group.
 *
 * @module
 */

import { addressOfRecord, type SecurityInfo } from '@mcptt-smime/smime';

/**
 * Maximum number of sender and group pairs whose last alert time is kept. Past it the oldest
 * pair is forgotten, and an alert held back for that pair is delivered again.
 */
export const MAX_ALERT_ORDER_ENTRIES = 1024;

/** Latest signingTime of the alerts and cancellations received, by sender and group. */
export class AlertOrder {
  readonly #latest = new Map<string, number>();

  /**
   * Returns true when the alert or cancellation was signed before the last one accepted from
   * `from` for `groupId`, both compared as addresses of record, and otherwise records its
   * signingTime. signingTime has whole seconds, so alerts signed within the same second are
   * taken in the order they arrive. An unsigned alert, or one without signingTime, is never
   * superseded.
   */
  isSuperseded(from: string, groupId: string | undefined, security: SecurityInfo): boolean {
    const signedAt = security.signingTime?.getTime();
    if (signedAt === undefined) return false;
    // A sender may spell the same group in many ways, such as with the host in capitals.
    const key = JSON.stringify([addressOfRecord(from), addressOfRecord(groupId ?? '')]);
    const latest = this.#latest.get(key);
    if (latest !== undefined && signedAt < latest) return true;
    this.#latest.delete(key);
    if (this.#latest.size >= MAX_ALERT_ORDER_ENTRIES) {
      const oldest = this.#latest.keys().next().value;
      if (oldest !== undefined) this.#latest.delete(oldest);
    }
    this.#latest.set(key, signedAt);
    return false;
  }
}
