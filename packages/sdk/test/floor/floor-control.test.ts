import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_RELEASE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  FloorControl,
  type FloorChannel,
  type FloorControlOptions,
  type FloorStateChange,
} from '../../src/floor/floor-control.js';
import type { ServerFloorMessage } from '@mcptt-smime/floor';
import { FLOOR_TRANSITIONS, type FloorState } from '../../src/floor/floor-state.js';
import type { LogContext, SdkLogger } from '../../src/core/logger.js';
import { ManualTimers } from '../helpers/manual-timers.js';
import { FakeFloorChannel } from './fake-floor-channel.js';

const BOB = 'sip:bob@mcptt.example';

const GRANTED: ServerFloorMessage = {
  type: 'floor-granted',
  duration: 30,
  priority: 2,
  emergency: false,
};
const TAKEN: ServerFloorMessage = {
  type: 'floor-taken',
  grantedParty: BOB,
  permissionToRequest: true,
  emergency: false,
};
const IDLE: ServerFloorMessage = { type: 'floor-idle' };
const DENY: ServerFloorMessage = { type: 'floor-deny', cause: 1 };
const REVOKE: ServerFloorMessage = { type: 'floor-revoke', cause: 4 };
const QUEUED: ServerFloorMessage = { type: 'floor-queue-position-info', position: 2, priority: 1 };

interface Harness {
  readonly channel: FakeFloorChannel;
  readonly timers: ManualTimers;
  readonly floor: FloorControl;
  readonly changes: FloorStateChange[];
  readonly events: string[];
}

function harness(options: FloorControlOptions = {}, channel = new FakeFloorChannel()): Harness {
  const timers = new ManualTimers();
  const changes: FloorStateChange[] = [];
  const events: string[] = [];
  const floor = new FloorControl(channel, {
    schedule: timers.schedule,
    delegate: {
      onStateChange: (change) => changes.push(change),
      onGranted: (event) => events.push(`granted ${event.duration}`),
      onTaken: (event) => events.push(`taken ${event.holder}`),
      onDenied: (event) => events.push(`denied ${event.cause}`),
      onRevoked: (event) => events.push(`revoked ${event.cause}`),
      onQueued: (event) => events.push(`queued ${event.position}`),
    },
    ...options,
  });
  return { channel, timers, floor, changes, events };
}

/** Brings a new floor control to `state` along the ordinary path. */
function reach(state: FloorState): Harness {
  const h = harness();
  const steps: Record<FloorState, () => void> = {
    idle: () => undefined,
    taken: () => h.channel.deliver(TAKEN),
    'pending-request': () => h.floor.request(),
    queued: () => {
      h.floor.request();
      h.channel.deliver(QUEUED);
    },
    granted: () => {
      h.floor.request();
      h.channel.deliver(GRANTED);
    },
    releasing: () => {
      h.floor.request();
      h.channel.deliver(GRANTED);
      h.floor.release();
    },
    closed: () => h.floor.close(),
  };
  steps[state]();
  expect(h.floor.state).toBe(state);
  return h;
}

type Input =
  | 'request'
  | 'release'
  | 'granted'
  | 'deny'
  | 'idle'
  | 'taken'
  | 'revoke'
  | 'queued'
  | 'timeout'
  | 'close';

const INPUTS: Record<Input, (h: Harness) => void> = {
  request: (h) => h.floor.request(),
  release: (h) => h.floor.release(),
  granted: (h) => h.channel.deliver(GRANTED),
  deny: (h) => h.channel.deliver(DENY),
  idle: (h) => h.channel.deliver(IDLE),
  taken: (h) => h.channel.deliver(TAKEN),
  revoke: (h) => h.channel.deliver(REVOKE),
  queued: (h) => h.channel.deliver(QUEUED),
  timeout: (h) => h.timers.fire(),
  close: (h) => h.channel.close(),
};

/** The state after each input in each state; 'TypeError' marks an illegal call. */
const EXPECTED: Record<FloorState, Record<Input, FloorState | 'TypeError'>> = {
  idle: {
    request: 'pending-request',
    release: 'TypeError',
    granted: 'granted',
    deny: 'idle',
    idle: 'idle',
    taken: 'taken',
    revoke: 'idle',
    queued: 'queued',
    timeout: 'idle',
    close: 'closed',
  },
  taken: {
    request: 'pending-request',
    release: 'TypeError',
    granted: 'granted',
    deny: 'taken',
    idle: 'idle',
    taken: 'taken',
    revoke: 'taken',
    queued: 'queued',
    timeout: 'taken',
    close: 'closed',
  },
  'pending-request': {
    request: 'TypeError',
    release: 'releasing',
    granted: 'granted',
    deny: 'idle',
    idle: 'pending-request',
    taken: 'pending-request',
    revoke: 'pending-request',
    queued: 'queued',
    timeout: 'idle',
    close: 'closed',
  },
  queued: {
    request: 'TypeError',
    release: 'releasing',
    granted: 'granted',
    deny: 'idle',
    idle: 'idle',
    taken: 'queued',
    revoke: 'queued',
    queued: 'queued',
    timeout: 'queued',
    close: 'closed',
  },
  granted: {
    request: 'TypeError',
    release: 'releasing',
    granted: 'granted',
    deny: 'granted',
    idle: 'idle',
    taken: 'taken',
    revoke: 'releasing',
    queued: 'granted',
    timeout: 'granted',
    close: 'closed',
  },
  releasing: {
    request: 'TypeError',
    release: 'TypeError',
    granted: 'releasing',
    deny: 'releasing',
    idle: 'idle',
    taken: 'taken',
    revoke: 'releasing',
    queued: 'releasing',
    timeout: 'idle',
    close: 'closed',
  },
  closed: {
    request: 'TypeError',
    release: 'TypeError',
    granted: 'closed',
    deny: 'closed',
    idle: 'closed',
    taken: 'closed',
    revoke: 'closed',
    queued: 'closed',
    timeout: 'closed',
    close: 'closed',
  },
};

describe('floor control transitions', () => {
  for (const [state, row] of Object.entries(EXPECTED) as [FloorState, typeof EXPECTED.idle][]) {
    for (const [input, expected] of Object.entries(row) as [Input, FloorState | 'TypeError'][]) {
      it(`${state} on ${input}: ${expected}`, () => {
        const h = reach(state);
        const changesBefore = h.changes.length;

        if (expected === 'TypeError') {
          expect(() => INPUTS[input](h)).toThrow(TypeError);
          expect(h.floor.state).toBe(state);
          expect(h.changes).toHaveLength(changesBefore);
          return;
        }
        INPUTS[input](h);

        expect(h.floor.state).toBe(expected);
        const change = h.changes.at(-1);
        if (expected !== state) {
          expect(change?.previous).toBe(state);
          expect(change?.state).toBe(expected);
          expect(FLOOR_TRANSITIONS[state]).toContain(expected);
        } else {
          expect(h.changes).toHaveLength(changesBefore);
        }
      });
    }
  }

  it('lists no edge out of closed', () => {
    expect(FLOOR_TRANSITIONS.closed).toEqual([]);
  });
});

describe('floor control', () => {
  let h: Harness;

  beforeEach(() => {
    h = harness({ priority: 5 });
  });

  it('sends Floor Request with its priority', () => {
    h.floor.request();

    expect(h.channel.sent).toEqual([{ type: 'floor-request', priority: 5 }]);
    expect(h.changes).toEqual([{ previous: 'idle', state: 'pending-request', cause: 'request' }]);
  });

  it('sends Floor Request with a priority of its own', () => {
    h.floor.request({ priority: 200 });

    expect(h.channel.sent).toEqual([{ type: 'floor-request', priority: 200 }]);
    expect(h.floor.state).toBe('pending-request');
  });

  it.each([256, -1, 1.5, Number.NaN])('rejects a request at priority %s', (priority) => {
    expect(() => h.floor.request({ priority })).toThrow(
      'priority must be an integer from 0 to 255',
    );
    expect(h.channel.sent).toEqual([]);
    expect(h.floor.state).toBe('idle');
  });

  it('reports the grant', () => {
    h.floor.request();
    h.channel.deliver(GRANTED);

    expect(h.events).toEqual(['granted 30']);
    expect(h.changes.at(-1)?.cause).toBe('granted');
    expect(h.timers.active).toEqual([]);
  });

  it('reports a denial with its cause', () => {
    h.floor.request();
    h.channel.deliver({ type: 'floor-deny', cause: 7 });

    expect(h.events).toEqual(['denied 7']);
    expect(h.changes.at(-1)?.cause).toBe('denied');
  });

  it('returns to taken after a denial', () => {
    h.channel.deliver(TAKEN);
    h.floor.request();
    h.channel.deliver(DENY);

    expect(h.floor.state).toBe('taken');
    expect(h.floor.holder).toBe(BOB);
  });

  it('follows the queue position', () => {
    h.floor.request();
    h.channel.deliver(QUEUED);
    h.channel.deliver({ type: 'floor-queue-position-info', position: 1, priority: 1 });

    expect(h.floor.state).toBe('queued');
    expect(h.floor.queuePosition).toBe(1);
    expect(h.events).toEqual(['queued 2', 'queued 1']);
  });

  it('asks for the queue position', () => {
    h.floor.requestQueuePosition();

    expect(h.channel.sent).toEqual([{ type: 'floor-queue-position-request' }]);
  });

  it('tracks the holder', () => {
    h.channel.deliver(TAKEN);
    expect(h.floor.holder).toBe(BOB);
    expect(h.events).toEqual([`taken ${BOB}`]);

    h.channel.deliver(IDLE);
    expect(h.floor.holder).toBeUndefined();
  });

  it('releases the floor', () => {
    h.floor.request();
    h.channel.deliver(GRANTED);
    h.floor.release();
    h.channel.deliver(IDLE);

    expect(h.channel.sent.at(-1)).toEqual({ type: 'floor-release' });
    expect(h.changes.map((change) => change.state)).toEqual([
      'pending-request',
      'granted',
      'releasing',
      'idle',
    ]);
  });

  it('answers a revoke with a release', () => {
    h.floor.request();
    h.channel.deliver(GRANTED);
    h.channel.deliver(REVOKE);
    h.channel.deliver({ ...TAKEN, emergency: true });

    expect(h.channel.sent.at(-1)).toEqual({ type: 'floor-release' });
    expect(h.events).toContain('revoked 4');
    expect(h.changes.at(-2)?.cause).toBe('revoked');
    expect(h.floor.state).toBe('taken');
  });

  it('ignores a grant that crossed the release', () => {
    h.floor.request();
    h.floor.release();
    h.channel.deliver(GRANTED);

    expect(h.floor.state).toBe('releasing');
    expect(h.events).toEqual([]);

    h.channel.deliver(IDLE);
    expect(h.floor.state).toBe('idle');
  });

  it('withdraws a queued request', () => {
    h.floor.request();
    h.channel.deliver(QUEUED);
    h.floor.release();
    h.channel.deliver(TAKEN);

    expect(h.channel.sent.at(-1)).toEqual({ type: 'floor-release' });
    expect(h.floor.state).toBe('taken');
    expect(h.floor.queuePosition).toBeUndefined();
  });

  it('gives up an unanswered request', () => {
    h.floor.request();
    expect(h.timers.active).toEqual([DEFAULT_REQUEST_TIMEOUT_MS]);

    h.timers.fire();

    expect(h.floor.state).toBe('idle');
    expect(h.changes.at(-1)?.cause).toBe('timeout');
  });

  it('gives up an unanswered release', () => {
    h.floor.request();
    h.channel.deliver(GRANTED);
    h.floor.release();
    expect(h.timers.active).toEqual([DEFAULT_RELEASE_TIMEOUT_MS]);

    h.timers.fire();

    expect(h.floor.state).toBe('idle');
  });

  it('rejects an out-of-range priority', () => {
    expect(() => harness({ priority: 256 })).toThrow(TypeError);
    expect(() => harness({ priority: 1.5 })).toThrow(TypeError);
  });

  it('drops invalid messages', () => {
    h.channel.deliverRaw('{"type":"floor-granted"}');
    h.channel.deliverRaw(new Uint8Array([1]));
    h.channel.deliverRaw(JSON.stringify({ type: 'floor-request', priority: 1 }));

    expect(h.floor.state).toBe('idle');
    expect(h.changes).toEqual([]);
  });

  it('closes with the channel', () => {
    h.channel.close();

    expect(h.floor.state).toBe('closed');
    expect(h.channel.listenerCount).toBe(0);
    expect(() => h.floor.requestQueuePosition()).toThrow(TypeError);
  });
});

describe('floor control before the channel opens', () => {
  it('sends the request once open', () => {
    const h = harness({}, new FakeFloorChannel('connecting'));
    h.floor.request();
    expect(h.channel.sent).toEqual([]);
    expect(h.timers.active).toEqual([]);

    h.channel.open();

    expect(h.channel.sent).toEqual([{ type: 'floor-request', priority: 0 }]);
    expect(h.timers.active).toEqual([DEFAULT_REQUEST_TIMEOUT_MS]);
  });

  it('starts pending with an implicit request', () => {
    const h = harness({ implicitRequest: true }, new FakeFloorChannel('connecting'));
    expect(h.floor.state).toBe('pending-request');

    h.channel.open();
    h.channel.deliver(GRANTED);

    expect(h.channel.sent).toEqual([]);
    expect(h.floor.state).toBe('granted');
  });

  it('closes on a closed channel', () => {
    const h = harness({}, new FakeFloorChannel('closed'));

    expect(h.floor.state).toBe('closed');
  });
});

describe('floor control logging', () => {
  it('logs no identity', () => {
    const records: string[] = [];
    const record = (_category: string, message: string, context?: LogContext) => {
      records.push(`${message} ${JSON.stringify(context ?? {})}`);
    };
    const logger: SdkLogger = { debug: record, info: record, warn: record, error: record };
    const h = harness({ logger });

    h.channel.deliver(TAKEN);
    h.floor.request();
    h.channel.deliver(QUEUED);
    h.timers.fire();

    expect(records.length).toBeGreaterThan(3);
    expect(records.join('\n')).not.toContain('bob');
  });
});

describe('floor channel type', () => {
  it('accepts an RTCDataChannel', () => {
    const accepts = (channel: RTCDataChannel): FloorChannel => channel;

    expect(accepts).toBeTypeOf('function');
  });
});
