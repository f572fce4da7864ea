/**
 * The server's link to the SIP core: one WebSocket connection at a time, opened again with an
 * exponential backoff whenever it closes before {@link CoreLink.close}, such as when the core
 * restarts.
 *
 * @module
 */
import type { Logger } from 'pino';
import { CoreConnection, type CoreConnectionDelegate } from './core-connection.js';

/** Delay before the first reconnection attempt after a loss, in milliseconds. */
export const RECONNECT_INITIAL_DELAY_MS = 500;

/** Maximum delay between two reconnection attempts, in milliseconds. */
export const RECONNECT_MAX_DELAY_MS = 30_000;

/**
 * State of the server's connection to the SIP core.
 *
 * ```
 *  connected ──(closed by the core)──> reconnecting ──(open and registered)──> connected
 *      │                                    │
 *      └──────────(close())──> closed <─────┘
 * ```
 */
export type CoreConnectionState = 'connected' | 'reconnecting' | 'closed';

/**
 * Calls `callback` once after `delayMs` milliseconds, and returns a function that cancels it.
 * Injected so that tests drive the backoff without waiting.
 */
export type Schedule = (delayMs: number, callback: () => void) => () => void;

/**
 * `setTimeout`. Its timer keeps the process alive on purpose: while the core is down, the
 * pending attempt may be the only thing that a server process waits for.
 */
export const systemSchedule: Schedule = (delayMs, callback) => {
  const timer = setTimeout(callback, delayMs);
  return () => clearTimeout(timer);
};

/**
 * Returns the delay before reconnection attempt `attempt` (from 1): RECONNECT_INITIAL_DELAY_MS,
 * doubled for each attempt, up to RECONNECT_MAX_DELAY_MS.
 */
export function reconnectDelay(attempt: number): number {
  return Math.min(RECONNECT_INITIAL_DELAY_MS * 2 ** (attempt - 1), RECONNECT_MAX_DELAY_MS);
}

/** An open connection as the link uses it. {@link CoreConnection} is one. */
export interface CoreSocket {
  send(bytes: Uint8Array): void;
  close(): Promise<void>;
}

/** Receives the frames and the changes of a {@link CoreLink}. */
export interface CoreLinkDelegate {
  /** Called with each frame of the current connection. */
  onFrame(data: Uint8Array): void;
  /** Called when the connection closed before `close()`, before the first attempt to reopen it. */
  onLost(code: number): void;
  /**
   * Called on each new connection, which counts as connected once the returned promise resolves.
   * A rejection closes that connection, and the link tries again.
   */
  onReconnect(): Promise<void>;
  /**
   * Called on every change of state once {@link CoreLink.open} resolved, so neither for the first
   * `connected` nor for a link whose first connection never opened.
   */
  onStateChange(state: CoreConnectionState): void;
}

/** Options of the {@link CoreLink} constructor. */
export interface CoreLinkOptions {
  /** WebSocket URL of the SIP core. */
  readonly url: string;
  readonly delegate: CoreLinkDelegate;
  readonly logger: Logger;
  /** Default {@link systemSchedule}. */
  readonly schedule?: Schedule;
  /**
   * Opens one connection, and rejects at once when `signal` aborts before it is open. The
   * connection may pass frames and its close to `delegate` before the promise resolves. Default
   * {@link CoreConnection.open}.
   */
  readonly connect?: (
    url: string,
    delegate: CoreConnectionDelegate,
    signal: AbortSignal,
  ) => Promise<CoreSocket>;
}

/** A connection that {@link CoreLink} is opening, and what it passed before the link stored it. */
interface OpeningConnection {
  connection?: CoreSocket;
  readonly early: Uint8Array[];
  closeCode?: number;
}

/** A connection to the core that is opened again after each loss, until {@link close}. */
export class CoreLink {
  readonly #url: string;
  readonly #delegate: CoreLinkDelegate;
  readonly #logger: Logger;
  readonly #schedule: Schedule;
  readonly #connect: NonNullable<CoreLinkOptions['connect']>;
  #connection: CoreSocket | undefined;
  #state: CoreConnectionState = 'connected';
  /**
   * True once {@link open} resolved. Changes before are not reported, because no connection
   * existed yet.
   */
  #opened = false;
  /** Number of the last attempt since the connection was lost, 0 while connected. */
  #attempt = 0;
  #cancelAttempt: (() => void) | undefined;
  #attemptRunning: Promise<void> | undefined;
  /** Aborts the connection that is being opened, if any. */
  #abortOpening: AbortController | undefined;

  /** Creates a link that connects on {@link open}. */
  constructor(options: CoreLinkOptions) {
    this.#url = options.url;
    this.#delegate = options.delegate;
    this.#logger = options.logger;
    this.#schedule = options.schedule ?? systemSchedule;
    this.#connect =
      options.connect ?? ((url, delegate, signal) => CoreConnection.open(url, delegate, signal));
  }

  /**
   * Opens the first connection. Call it once, after everything that handles frames exists,
   * because frames may arrive before it resolves. Rejects when it fails, and the link is then
   * closed and tries no more.
   */
  async open(): Promise<void> {
    try {
      await this.#openConnection();
    } catch (error) {
      this.#setState('closed');
      throw error;
    }
    if (this.#isClosed()) {
      await this.#connection?.close();
      throw new Error('the link to the SIP core was closed before its first connection opened');
    }
    this.#opened = true;
  }

  /** State of the connection: `closed` once {@link open} failed or {@link close} began. */
  get state(): CoreConnectionState {
    return this.#state;
  }

  /**
   * Sends one message on the current connection, or drops it while no connection is open. The
   * link passes a frame to `onFrame` only while its connection is the current one, so a reply
   * goes out on the connection of its request unless that connection has closed.
   */
  send(bytes: Uint8Array): void {
    this.#connection?.send(bytes);
  }

  /**
   * Stops reconnecting and closes the connection, and resolves when it is closed. A connection
   * still in its handshake is aborted, so close() does not wait for HANDSHAKE_TIMEOUT_MS.
   */
  async close(): Promise<void> {
    this.#setState('closed');
    this.#cancelAttempt?.();
    this.#cancelAttempt = undefined;
    this.#abortOpening?.abort();
    await this.#connection?.close();
    // An attempt that was opening a connection closes it once it finds the link closed.
    await this.#attemptRunning;
  }

  /**
   * Opens a connection and makes it the current one. Frames that the connection passes before
   * `connect` resolves wait until then, so that the replies to them go out on it. When it closes
   * before that, the attempt fails.
   */
  async #openConnection(): Promise<void> {
    const opening: OpeningConnection = { early: [] };
    const abort = new AbortController();
    this.#abortOpening = abort;
    const delegate: CoreConnectionDelegate = {
      onFrame: (data) => {
        if (opening.connection === undefined) {
          opening.early.push(data);
        } else if (opening.connection === this.#connection) {
          this.#delegate.onFrame(data);
        }
      },
      onClose: (code) => {
        if (opening.connection === undefined) {
          opening.closeCode = code;
        } else {
          this.#closed(opening.connection, code);
        }
      },
    };
    const connection = await this.#connect(this.#url, delegate, abort.signal).finally(() => {
      this.#abortOpening = undefined;
    });
    if (opening.closeCode !== undefined) {
      const code = String(opening.closeCode);
      throw new Error(
        `connection to the SIP core closed with code ${code} before it could be used`,
      );
    }

    opening.connection = connection;
    this.#connection = connection;
    // Frames of a connection that closes meanwhile, or of a link that close() ends, are dropped.
    for (const data of opening.early) {
      if (this.#isClosed() || this.#connection !== connection) break;
      this.#delegate.onFrame(data);
    }
  }

  #closed(connection: CoreSocket, code: number): void {
    if (connection !== this.#connection) {
      return;
    }
    this.#connection = undefined;
    // Closing is expected once close() has begun, so only an unexpected close is a warning.
    if (this.#state === 'closed') {
      this.#logger.info({ code }, 'connection to the SIP core closed');
      return;
    }

    this.#logger.warn({ code }, 'connection to the SIP core closed');
    this.#delegate.onLost(code);
    this.#setState('reconnecting');
    this.#scheduleAttempt();
  }

  #scheduleAttempt(): void {
    this.#attempt += 1;
    const attempt = this.#attempt;
    const delayMs = reconnectDelay(attempt);
    this.#logger.info({ attempt, delayMs }, 'reconnecting to the SIP core');
    this.#cancelAttempt = this.#schedule(delayMs, () => {
      this.#cancelAttempt = undefined;
      this.#attemptRunning = this.#reconnect(attempt)
        .catch((error: unknown) => {
          this.#logger.error({ attempt, err: error }, 'reconnection to the SIP core stopped');
        })
        .finally(() => {
          this.#attemptRunning = undefined;
        });
    });
  }

  async #reconnect(attempt: number): Promise<void> {
    try {
      await this.#openConnection();
    } catch (error) {
      if (this.#isClosed()) return;
      this.#logger.warn({ attempt, err: error }, 'reconnection to the SIP core failed');
      this.#scheduleAttempt();
      return;
    }
    if (this.#isClosed()) {
      await this.#connection?.close();
      return;
    }

    try {
      await this.#delegate.onReconnect();
    } catch (error) {
      if (this.#isClosed()) return;
      // Closing the connection schedules the next attempt, as for any loss.
      this.#logger.warn({ attempt, err: error }, 'reconnection to the SIP core failed');
      await this.#connection?.close();
      return;
    }
    if (this.#isClosed()) return;
    this.#attempt = 0;
    this.#logger.info({ attempt }, 'reconnected to the SIP core');
    this.#setState('connected');
  }

  // A method, so that TypeScript does not narrow the state across the awaits above.
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #setState(state: CoreConnectionState): void {
    if (this.#state === state || this.#state === 'closed') {
      return;
    }
    this.#state = state;
    if (!this.#opened) {
      return;
    }
    // The callback is the application's: a fault in it must not stop the reconnection loop, nor
    // escape from the socket's close listener.
    try {
      this.#delegate.onStateChange(state);
    } catch (error) {
      this.#logger.error({ state, err: error }, 'core connection state callback failed');
    }
  }
}
