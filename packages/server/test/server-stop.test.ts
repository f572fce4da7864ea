/** A stop that the application requests closes the connection to the SIP core without a warning. */
import { describe, expect, it } from 'vitest';
import { startFixture } from './helpers/server-fixture.js';

describe('McpttServer.stop', () => {
  it('logs the closed core connection as info', async () => {
    const fixture = await startFixture('relay');

    await fixture.stop();
    const closed = fixture.logLines
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((entry) => entry.msg === 'connection to the SIP core closed');

    expect(closed).toHaveLength(1);
    expect(closed[0]?.level).toBe(30);
  });
});
