/** Reconnection of the core link, with a fake connection and a fake schedule. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CoreConnectionDelegate } from '../src/core-connection.js';
import {
  CoreLink,
  RECONNECT_INITIAL_DELAY_MS,
  RECONNECT_MAX_DELAY_MS,
  reconnectDelay,
  type CoreConnectionState,
  type CoreSocket,
} from '../src/core-link.js';

/** A connection that the test closes as the core would. */
class FakeSocket implements CoreSocket {
  readonly sent: Uint8Array[] = [];
  closed = false;
  readonly #delegate: CoreConnectionDelegate;

  constructor(delegate: CoreConnectionDelegate) {
    this.#delegate = delegate;
  }

  send(bytes: Uint8Array): void {
    this.sent.push(bytes);
  }

  /** Delivers a frame from the core. */
  receive(data: Uint8Array): void {
    this.#delegate.onFrame(data);
  }

  /** Closes the connection from the core's side, as a restart does with code 1006. */
  drop(code = 1006): void {
    this.closed = true;
    this.#delegate.onClose(code);
  }

  async close(): Promise<void> {
    if (!this.closed) this.drop(1000);
    return Promise.resolve();
  }
}

/** A schedule whose timers run only on {@link FakeSchedule.runNext}. */
class FakeSchedule {
  readonly delays: number[] = [];
  cancelled = 0;
  #pending: (() => void) | undefined;
  #waiter: (() => void) | undefined;
  #scheduleWaiters: (() => void)[] = [];

  readonly schedule = (delayMs: number, callback: () => void): (() => void) => {
    this.delays.push(delayMs);
    this.#pending = callback;
    this.#waiter?.();
    for (const resolve of this.#scheduleWaiters.splice(0)) resolve();
    return () => {
      this.cancelled += 1;
      this.#pending = undefined;
    };
  };

  /** Resolves once a timer is pending, and runs it. */
  async runNext(): Promise<void> {
    if (this.#pending === undefined) {
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
    const callback = this.#pending;
    this.#pending = undefined;
    callback?.();
  }

  /** Resolves when the next timer is scheduled. */
  async nextTimer(): Promise<void> {
    return new Promise((resolve) => this.#scheduleWaiters.push(resolve));
  }

  get pending(): boolean {
    return this.#pending !== undefined;
  }
}

interface Harness {
  readonly link: CoreLink;
  readonly schedule: FakeSchedule;
  readonly sockets: FakeSocket[];
  readonly states: CoreConnectionState[];
  readonly logs: { msg: string; level: number; attempt?: number; delayMs?: number }[];
  /**
   * Outcome of each connection attempt after the first, in order: true opens it, false fails it,
   * and `hang` leaves it pending until its signal aborts.
   */
  readonly outcomes: (boolean | 'hang')[];
  /** Signal of each connection attempt, the first included. */
  readonly signals: AbortSignal[];
  /** Outcome of each `onReconnect`, in order: true resolves it. Default true. */
  readonly registrations: boolean[];
  /** Steps that each new connection takes, in order, before the link receives it. */
  readonly beforeOpen: ((socket: FakeSocket) => void)[];
  lost: number;
  /** When true, the state callback throws after recording the state, as a faulty one may. */
  failingCallback: boolean;
  /** Resolves on the next state change. */
  nextState(): Promise<CoreConnectionState>;
}

/**
 * Opens a link on fake connections. Its delegate sends every frame straight back through the
 * link, as the server responds to a request.
 */
async function openLink(beforeOpen: Harness['beforeOpen'] = []): Promise<Harness> {
  const schedule = new FakeSchedule();
  const sockets: FakeSocket[] = [];
  const states: CoreConnectionState[] = [];
  const logs: Harness['logs'] = [];
  const outcomes: Harness['outcomes'] = [];
  const signals: AbortSignal[] = [];
  const registrations: boolean[] = [];
  let stateWaiter: ((state: CoreConnectionState) => void) | undefined;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(JSON.parse(chunk.toString('utf8')) as Harness['logs'][number]);
      callback();
    },
  });

  const harness: { -readonly [K in keyof Harness]?: Harness[K] } & {
    lost: number;
    failingCallback: boolean;
  } = { lost: 0, failingCallback: false };
  const link = new CoreLink({
    url: 'ws://127.0.0.1:1',
    logger: pino({ level: 'debug' }, stream),
    schedule: schedule.schedule,
    connect: (_url, delegate, signal) => {
      signals.push(signal);
      const outcome = sockets.length === 0 ? true : outcomes.shift();
      if (outcome === 'hang') {
        return new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason as Error));
        });
      }
      if (outcome !== true) {
        return Promise.reject(new Error('connect ECONNREFUSED'));
      }
      const socket = new FakeSocket(delegate);
      sockets.push(socket);
      beforeOpen.shift()?.(socket);
      return Promise.resolve(socket);
    },
    delegate: {
      onFrame: (data) => link.send(data),
      onLost: () => {
        harness.lost += 1;
      },
      onReconnect: () =>
        registrations.shift() === false
          ? Promise.reject(new Error('registration failed with status 503'))
          : Promise.resolve(),
      onStateChange: (state) => {
        states.push(state);
        stateWaiter?.(state);
        if (harness.failingCallback) throw new Error('fault in the application callback');
      },
    },
  });
  await link.open();
  return Object.assign(harness, {
    link,
    schedule,
    sockets,
    states,
    logs,
    outcomes,
    signals,
    registrations,
    beforeOpen,
    nextState: () =>
      new Promise<CoreConnectionState>((resolve) => {
        stateWaiter = resolve;
      }),
  });
}

/** Creates a link whose connections `connect` opens, and the states that it reports. */
function unopenedLink(connect: (signal: AbortSignal) => Promise<CoreSocket>): {
  readonly link: CoreLink;
  readonly states: CoreConnectionState[];
} {
  const states: CoreConnectionState[] = [];
  const link = new CoreLink({
    url: 'ws://127.0.0.1:1',
    logger: pino({ level: 'silent' }),
    connect: (_url, _delegate, signal) => connect(signal),
    delegate: {
      onFrame: () => undefined,
      onLost: () => undefined,
      onReconnect: () => Promise.resolve(),
      onStateChange: (state) => states.push(state),
    },
  });
  return { link, states };
}

describe('reconnectDelay', () => {
  it('doubles from 0.5 s up to 30 s', () => {
    const delays = Array.from({ length: 9 }, (_, index) => reconnectDelay(index + 1));

    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(RECONNECT_INITIAL_DELAY_MS).toBe(500);
    expect(RECONNECT_MAX_DELAY_MS).toBe(30_000);
  });
});

describe('CoreLink', () => {
  it('reconnects with backoff after a loss', async () => {
    const harness = await openLink();
    harness.outcomes.push(false, false, false, false, false, false, false, true);

    harness.sockets[0]?.drop();
    const connected = harness.nextState();
    for (let attempt = 1; attempt <= 8; attempt++) {
      await harness.schedule.runNext();
    }
    await connected;

    expect(harness.lost).toBe(1);
    expect(harness.schedule.delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(harness.states).toEqual(['reconnecting', 'connected']);
    expect(harness.link.state).toBe('connected');
    expect(harness.sockets).toHaveLength(2);
    await harness.link.close();
  });

  it('reconnects past a throwing state callback', async () => {
    const harness = await openLink();
    harness.failingCallback = true;
    harness.outcomes.push(true);

    const connected = harness.nextState().then(() => harness.nextState());
    expect(() => harness.sockets[0]?.drop()).not.toThrow();
    await harness.schedule.runNext();
    await connected;
    await expect.poll(() => harness.link.state).toBe('connected');

    expect(harness.schedule.delays).toEqual([500]);
    expect(harness.states).toEqual(['reconnecting', 'connected']);
    const faults = harness.logs.filter(
      (line) => line.msg === 'core connection state callback failed',
    );
    expect(faults).toHaveLength(2);
    await harness.link.close();
  });

  it('logs the number of each attempt', async () => {
    const harness = await openLink();
    harness.outcomes.push(false, true);

    harness.sockets[0]?.drop();
    const connected = harness.nextState();
    await harness.schedule.runNext();
    await harness.schedule.runNext();
    await connected;
    await harness.link.close();
    const entries = (msg: string) => harness.logs.filter((entry) => entry.msg === msg);

    expect(entries('connection to the SIP core closed').map((entry) => entry.level)).toEqual([
      40, 30,
    ]);
    expect(entries('reconnecting to the SIP core').map((entry) => entry.attempt)).toEqual([1, 2]);
    expect(entries('reconnection to the SIP core failed').map((entry) => entry.attempt)).toEqual([
      1,
    ]);
    expect(entries('reconnected to the SIP core').map((entry) => entry.attempt)).toEqual([2]);
  });

  it('starts the backoff again after a success', async () => {
    const harness = await openLink();
    harness.outcomes.push(false, true, true);

    harness.sockets[0]?.drop();
    const connected = harness.nextState();
    await harness.schedule.runNext();
    await harness.schedule.runNext();
    await connected;
    harness.sockets[1]?.drop();

    expect(harness.schedule.delays).toEqual([500, 1000, 500]);
    await harness.link.close();
  });

  it('retries when onReconnect rejects', async () => {
    const harness = await openLink();
    harness.outcomes.push(true, true);
    harness.registrations.push(false);

    harness.sockets[0]?.drop();
    const connected = harness.nextState();
    await harness.schedule.runNext();
    await harness.schedule.runNext();
    await connected;

    expect(harness.sockets[1]?.closed).toBe(true);
    expect(harness.schedule.delays).toEqual([500, 1000]);
    expect(harness.states).toEqual(['reconnecting', 'connected']);
    await harness.link.close();
  });

  it('stops retrying on close', async () => {
    const harness = await openLink();

    harness.sockets[0]?.drop();
    await harness.link.close();

    expect(harness.schedule.cancelled).toBe(1);
    expect(harness.schedule.pending).toBe(false);
    expect(harness.states).toEqual(['reconnecting', 'closed']);
    expect(harness.link.state).toBe('closed');
  });

  it('aborts a pending connection on close', async () => {
    const harness = await openLink();
    harness.outcomes.push('hang');

    harness.sockets[0]?.drop();
    await harness.schedule.runNext();
    const closing = harness.link.close();

    expect(harness.signals[1]?.aborted).toBe(true);
    await closing;
    expect(harness.states).toEqual(['reconnecting', 'closed']);
    expect(harness.sockets).toHaveLength(1);
  });

  it('aborts the first connection on close', async () => {
    let signal: AbortSignal | undefined;
    const { link, states } = unopenedLink((abort) => {
      signal = abort;
      return new Promise((_resolve, reject) => {
        abort.addEventListener('abort', () => reject(abort.reason as Error));
      });
    });

    const opening = link.open();
    await link.close();

    expect(signal?.aborted).toBe(true);
    await expect(opening).rejects.toMatchObject({ name: 'AbortError' });
    expect(states).toEqual([]);
  });

  it('reports no state when open fails', async () => {
    const { link, states } = unopenedLink(() => Promise.reject(new Error('connect ECONNREFUSED')));

    await expect(link.open()).rejects.toThrow('connect ECONNREFUSED');
    expect(link.state).toBe('closed');
    expect(states).toEqual([]);
    await link.close();
    expect(states).toEqual([]);
  });

  it('reports no loss on close', async () => {
    const harness = await openLink();

    await harness.link.close();

    expect(harness.lost).toBe(0);
    expect(harness.schedule.delays).toEqual([]);
    expect(harness.states).toEqual(['closed']);
  });

  it('replies on the first connection before it opens', async () => {
    const frame = new Uint8Array([1]);
    const harness = await openLink([(socket) => socket.receive(frame)]);

    expect(harness.sockets[0]?.sent).toEqual([frame]);
    await harness.link.close();
  });

  it('replies on a new connection before it opens', async () => {
    const harness = await openLink();
    const frames = [new Uint8Array([1]), new Uint8Array([2])];
    harness.outcomes.push(true);
    harness.beforeOpen.push((socket) => frames.forEach((frame) => socket.receive(frame)));

    harness.sockets[0]?.drop();
    const connected = harness.nextState();
    await harness.schedule.runNext();
    await connected;

    expect(harness.sockets[0]?.sent).toEqual([]);
    expect(harness.sockets[1]?.sent).toEqual(frames);
    await harness.link.close();
  });

  it('retries when a connection closes before it opens', async () => {
    const harness = await openLink();
    harness.outcomes.push(true, true);
    harness.beforeOpen.push((socket) => {
      socket.receive(new Uint8Array([1]));
      socket.drop();
    });

    harness.sockets[0]?.drop();
    const retried = harness.schedule.nextTimer().then(() => 'retried');
    const reconnected = harness.nextState().then(() => 'reconnected');
    await harness.schedule.runNext();
    const outcome = await Promise.race([retried, reconnected]);
    expect(outcome).toBe('retried');
    const connected = harness.nextState();
    await harness.schedule.runNext();
    await connected;
    harness.link.send(new Uint8Array([2]));

    expect(harness.schedule.delays).toEqual([500, 1000]);
    expect(harness.states).toEqual(['reconnecting', 'connected']);
    expect(harness.sockets[1]?.sent).toEqual([]);
    expect(harness.sockets[2]?.sent).toEqual([new Uint8Array([2])]);
    await harness.link.close();
  });

  it('fails to open when the connection closes first', async () => {
    await expect(openLink([(socket) => socket.drop()])).rejects.toThrow(
      'connection to the SIP core closed with code 1006 before it could be used',
    );
  });

  it('drops messages while reconnecting', async () => {
    const harness = await openLink();

    harness.sockets[0]?.drop();
    harness.link.send(new Uint8Array([1]));

    expect(harness.sockets[0]?.sent).toEqual([]);
    await harness.link.close();
  });
});
