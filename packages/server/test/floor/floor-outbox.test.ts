import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { decodeFloorMessage } from '@mcptt-smime/floor';
import {
  CallFloor,
  MAX_FLOOR_OUTBOX_MESSAGES,
  type FloorDataChannel,
} from '../../src/floor/call-floor.js';

const ALICE = 'sip:alice@mcptt.example';
const BOB = 'sip:bob@mcptt.example';

/** A floor channel that stays in `connecting` until {@link ClosedChannel.open} is called. */
class ClosedChannel implements FloorDataChannel {
  readyState = 'connecting';
  readonly sent: string[] = [];
  readonly #stateListeners: ((state: string) => void)[] = [];
  readonly onMessage = { subscribe: () => undefined };
  readonly stateChanged = {
    subscribe: (callback: (state: string) => void) => this.#stateListeners.push(callback),
  };

  send(data: string): void {
    this.sent.push(data);
  }

  open(): void {
    this.readyState = 'open';
    for (const listener of this.#stateListeners) listener('open');
  }
}

describe('floor messages to a channel not open yet', () => {
  it('keeps only the newest', () => {
    const floor = new CallFloor({ logger: pino({ level: 'silent' }) });
    const channel = new ClosedChannel();
    floor.attach(BOB, channel);
    // alice presses and releases by INFO, without a floor channel of her own.
    floor.attach(ALICE, undefined);
    for (let press = 0; press < 200; press++) {
      floor.request(ALICE);
      floor.release(ALICE);
    }

    channel.open();
    floor.close();

    expect(channel.sent).toHaveLength(MAX_FLOOR_OUTBOX_MESSAGES);
    expect(decodeFloorMessage(channel.sent.at(-1))?.type).toBe('floor-idle');
    expect(decodeFloorMessage(channel.sent.at(-2))?.type).toBe('floor-taken');
  });
});
