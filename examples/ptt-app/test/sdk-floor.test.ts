import { describe, expect, it } from 'vitest';
import { FloorControl, type FloorChannel } from '@mcptt-smime/sdk';
import type { FloorStatus } from '../src/floor-status.js';
import { releaseFloor, requestFloor, watchFloor } from '../src/sdk-floor.js';

const alice = 'sip:alice@mcptt.example';
const bob = 'sip:bob@mcptt.example';

/** An open floor channel that records what the client sends and delivers server messages. */
class FakeChannel implements FloorChannel {
  readyState = 'open';
  readonly sent: unknown[] = [];
  readonly #listeners = new Map<string, Set<(event: Event) => void>>();

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  addEventListener(type: string, listener: (event: Event) => void): void {
    const set = this.#listeners.get(type) ?? new Set();
    set.add(listener);
    this.#listeners.set(type, set);
  }

  removeEventListener(type: string, listener: (event: Event) => void): void {
    this.#listeners.get(type)?.delete(listener);
  }

  receive(message: Record<string, unknown>): void {
    const event = new MessageEvent('message', { data: JSON.stringify(message) });
    for (const listener of this.#listeners.get('message') ?? []) listener(event);
  }
}

interface Harness {
  readonly channel: FakeChannel;
  readonly floor: FloorControl;
  readonly statuses: FloorStatus[];
  readonly talkers: (string | undefined)[];
}

/** Creates a floor whose timers never fire and follows it with `watchFloor`. */
function harness(options: { implicitRequest?: boolean } = {}): Harness {
  const channel = new FakeChannel();
  const floor = new FloorControl(channel, { ...options, schedule: () => () => undefined });
  const statuses: FloorStatus[] = [];
  const talkers: (string | undefined)[] = [];
  watchFloor(floor, alice, {
    onStatus: (status) => statuses.push(status),
    onTalker: (talkerId) => talkers.push(talkerId),
  });
  return { channel, floor, statuses, talkers };
}

const taken = {
  type: 'floor-taken',
  grantedParty: bob,
  permissionToRequest: true,
  emergency: false,
};

describe('watchFloor', () => {
  it('reports the current status at once', () => {
    const { statuses } = harness({ implicitRequest: true });
    expect(statuses).toEqual([{ phase: 'requesting' }]);
  });

  it('reports a grant with its talk time', () => {
    const { channel, floor, statuses, talkers } = harness();
    floor.request();
    channel.receive({ type: 'floor-granted', duration: 30, priority: 5, emergency: false });
    expect(statuses.at(-1)).toEqual({ phase: 'granted', maxTalkSeconds: 30, emergency: false });
    expect(talkers).toEqual([alice]);
  });

  it('names the holder of a taken floor', () => {
    const { channel, statuses, talkers } = harness();
    channel.receive({ ...taken, emergency: true });
    expect(statuses.at(-1)).toEqual({ phase: 'taken', holder: bob, emergency: true });
    expect(talkers).toEqual([bob]);
  });

  it('reports the queue position and the holder', () => {
    const { channel, floor, statuses } = harness();
    channel.receive(taken);
    floor.request();
    channel.receive({ type: 'floor-queue-position-info', position: 2, priority: 5 });
    expect(statuses.at(-1)).toEqual({ phase: 'queued', position: 2, holder: bob });
  });

  it('keeps a denial until the floor changes', () => {
    const { channel, floor, statuses } = harness();
    channel.receive(taken);
    floor.request();
    const before = statuses.length;
    channel.receive({ type: 'floor-deny', cause: 7 });
    // One report, so that the indicator never flashes Taken before Denied.
    expect(statuses.slice(before)).toEqual([{ phase: 'denied', cause: 7, holder: bob }]);

    channel.receive({ type: 'floor-idle' });
    expect(statuses.at(-1)).toEqual({ phase: 'idle' });
  });

  it('reports a revoke, then the new holder', () => {
    const { channel, floor, statuses, talkers } = harness();
    floor.request();
    channel.receive({ type: 'floor-granted', duration: 30, priority: 5, emergency: false });
    channel.receive({ type: 'floor-revoke', cause: 4 });
    expect(statuses.at(-1)).toEqual({ phase: 'revoked', cause: 4 });
    expect(channel.sent.at(-1)).toEqual({ type: 'floor-release' });

    channel.receive({ ...taken, emergency: true });
    expect(statuses.at(-1)).toEqual({ phase: 'taken', holder: bob, emergency: true });
    expect(talkers).toEqual([alice, undefined, bob]);
  });

  it('reports a closed channel', () => {
    const { floor, statuses } = harness();
    floor.close();
    expect(statuses.at(-1)).toEqual({ phase: 'closed' });
  });
});

describe('requestFloor and releaseFloor', () => {
  it('sends one request while held', () => {
    const { channel, floor } = harness();
    requestFloor(floor);
    requestFloor(floor);
    expect(channel.sent).toEqual([{ type: 'floor-request', priority: 0 }]);
    expect(floor.state).toBe('pending-request');
  });

  it('releases a queued request', () => {
    const { channel, floor } = harness();
    channel.receive(taken);
    requestFloor(floor);
    channel.receive({ type: 'floor-queue-position-info', position: 1, priority: 5 });
    releaseFloor(floor);
    expect(channel.sent.at(-1)).toEqual({ type: 'floor-release' });
    expect(floor.state).toBe('releasing');
  });

  it('sends nothing after a denial', () => {
    const { channel, floor } = harness();
    requestFloor(floor);
    channel.receive({ type: 'floor-deny', cause: 1 });
    releaseFloor(floor);
    expect(channel.sent).toEqual([{ type: 'floor-request', priority: 0 }]);
    expect(floor.state).toBe('idle');
  });

  it('waits for the release before requesting', () => {
    const { channel, floor } = harness();
    requestFloor(floor);
    channel.receive({ type: 'floor-granted', duration: 0, priority: 5, emergency: false });
    releaseFloor(floor);
    requestFloor(floor);
    expect(channel.sent).toEqual([
      { type: 'floor-request', priority: 0 },
      { type: 'floor-release' },
    ]);
  });
});
