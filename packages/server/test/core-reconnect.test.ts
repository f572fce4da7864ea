/**
 * A restart of the SIP core: the server connects and registers again, so that clients reach it
 * without a restart of the server.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findKamailio } from '@mcptt-smime/sip-core';
import { runsWithTool } from '../../../tools/required-tool.js';
import type { CoreConnectionState } from '../src/core-link.js';
import { McpttTestClient, SERVER_URI, status } from './helpers/mcptt-test-client.js';
import { startFixture, type ServerFixture } from './helpers/server-fixture.js';

const cores = [
  ['kamailio', runsWithTool(findKamailio() !== undefined)],
  ['relay', true],
] as const;

/** Returns a port in 36000-36999 that is free on 127.0.0.1 now. */
async function freePortInRange(): Promise<number> {
  for (;;) {
    const port = 36_000 + Math.floor(Math.random() * 1000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** Records the states that the server reports, and resolves when one arrives. */
class StateLog {
  readonly states: CoreConnectionState[] = [];
  #waiters: { state: CoreConnectionState; resolve: () => void }[] = [];

  readonly record = (state: CoreConnectionState): void => {
    this.states.push(state);
    for (const waiter of this.#waiters.filter((candidate) => candidate.state === state)) {
      waiter.resolve();
    }
    this.#waiters = this.#waiters.filter((candidate) => candidate.state !== state);
  };

  async next(state: CoreConnectionState): Promise<void> {
    return new Promise((resolve) => this.#waiters.push({ state, resolve }));
  }
}

/** Stops the SIP core and resolves once the server reports the loss. */
async function stopCore(fixture: ServerFixture, log: StateLog): Promise<void> {
  const lost = log.next('reconnecting');
  await fixture.stopCore();
  await lost;
}

describe.each(cores)('restart of %s', (core, available) => {
  let fixture: ServerFixture | undefined;
  let client: McpttTestClient | undefined;

  afterEach(async () => {
    client?.close();
    await fixture?.stop();
  });

  it.runIf(available)('server registers again', async () => {
    const log = new StateLog();
    fixture = await startFixture(core, {
      corePort: await freePortInRange(),
      onCoreConnectionChange: log.record,
    });

    await stopCore(fixture, log);
    expect(fixture.server.coreConnectionState).toBe('reconnecting');
    const connected = log.next('connected');
    await fixture.startCore();
    await connected;
    client = await McpttTestClient.connect(fixture.coreUrl, 'alice', fixture.pki, fixture.pki);
    expect(await client.bind()).toBe(200);
    const options = await client.send(client.request('OPTIONS', SERVER_URI, []));

    expect(status(options)).toBe(200);
    expect(log.states).toEqual(['reconnecting', 'connected']);
    expect(fixture.server.coreConnectionState).toBe('connected');
    const messages = fixture.logLines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toContain('reconnected to the SIP core');
  });

  it.runIf(available)('server stops while reconnecting', async () => {
    const log = new StateLog();
    fixture = await startFixture(core, {
      corePort: await freePortInRange(),
      onCoreConnectionChange: log.record,
    });

    await stopCore(fixture, log);
    await fixture.stop();
    fixture = undefined;

    expect(log.states).toEqual(['reconnecting', 'closed']);
  });
});
