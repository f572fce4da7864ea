/**
 * Checks whether audio reaches a page, read from the inbound-rtp statistics of its peer
 * connections. These count what the server forwards, whatever the other pages send.
 *
 * @module
 */
import { setTimeout as delay } from 'node:timers/promises';
import { audioPacketsReceived, type AppUser } from './app-driver.js';

/** How often the counts are read while waiting. */
const POLL_MS = 100;

/**
 * Packets past a baseline that count as audio flowing: 10 Opus frames of 20 ms (about 50 packets
 * a second were measured), more than the few packets of a previous talker still in flight.
 */
export const FLOWING_PACKETS = 10;

/**
 * Waits until the page has received `FLOWING_PACKETS` audio packets more than `baseline`, and
 * throws with the last count at the deadline.
 */
export async function waitForAudioFlow(
  app: AppUser,
  baseline: number,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let packets = await audioPacketsReceived(app);
  while (packets < baseline + FLOWING_PACKETS) {
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms: ${app.user.name} received ` +
          `${packets - baseline} audio packets, expected at least ${FLOWING_PACKETS}`,
      );
    }
    await delay(POLL_MS);
    packets = await audioPacketsReceived(app);
  }
}

/**
 * Waits until the page's audio packet count stays the same for `quietMs`, and returns it.
 * Throws with the last two counts if audio still arrives at the deadline.
 */
export async function settledAudioPackets(
  app: AppUser,
  quietMs = 500,
  timeoutMs = 10_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let previous = await audioPacketsReceived(app);
  for (;;) {
    await delay(quietMs);
    const packets = await audioPacketsReceived(app);
    if (packets === previous) return packets;
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms: ${app.user.name} still receives audio ` +
          `(${previous} then ${packets} packets), expected none`,
      );
    }
    previous = packets;
  }
}
