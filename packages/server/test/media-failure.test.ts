/**
 * A media leg reports its failure once ICE consent expires (RFC 7675), as when the participant's
 * browser crashed. This takes werift's fixed 30 s, so the file has one real case.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MediaLeg } from '../src/media-leg.js';
import { MediaPeer } from './helpers/media-peer.js';

const logger = pino({ level: 'silent' });

describe('MediaLeg.onFailed', () => {
  it('fires once consent expires', async () => {
    const client = await MediaPeer.offer('alice');
    const leg = await MediaLeg.answer(client.sdp, logger);
    await client.accept(leg.localSdp);
    await client.connected();
    let failures = 0;
    leg.onFailed = () => (failures += 1);
    const closedAt = Date.now();

    await client.close();

    await expect.poll(() => failures, { timeout: 45_000, interval: 500 }).toBe(1);
    expect(Date.now() - closedAt).toBeGreaterThan(20_000);
    await leg.close();
  }, 60_000);
});
