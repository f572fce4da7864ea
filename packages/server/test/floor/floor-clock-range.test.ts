// A maximum talk time past the range of setTimeout, 2^31 - 1 ms (about 24.8 days). Node runs
// such a timer after 1 ms instead, so a holder would lose the floor as soon as it was granted.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { systemFloorClock } from '../../src/floor/floor-clock.js';
import { DOMAIN, SERVER_URI } from '../helpers/mcptt-test-client.js';

const THIRTY_DAYS_MS = 30 * 24 * 3_600_000;

describe('floor timers past the setTimeout range', () => {
  it('are accepted in the configuration', () => {
    const config = parseConfig(
      {
        serverUri: SERVER_URI,
        identity: { key: 'k.pem', certificate: 'c.pem', trustAnchors: ['ca.pem'] },
        users: [{ uri: `sip:alice@${DOMAIN}` }],
        groups: [],
        floor: { maxTalkTimeMs: THIRTY_DAYS_MS },
      },
      '/srv/mcptt',
    );

    expect(config.floor?.maxTalkTimeMs).toBe(THIRTY_DAYS_MS);
  });

  it('do not fire early on the system clock', async () => {
    let fired = false;
    const cancel = systemFloorClock.schedule(THIRTY_DAYS_MS, () => {
      fired = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    cancel();

    expect(fired).toBe(false);
  });
});
