/**
 * The floor participant of an MCPTT client (3GPP TS 24.380) on the floor control data channel
 * of a call: it sends Floor Request and Floor Release, follows the server's answers through the
 * states of {@link FloorState}, and reports every change through a typed delegate.
 *
 * The channel is reliable and ordered (SCTP), so the client sends each request once instead of
 * retransmitting it on timer T101 as it would over RTCP. It still gives up waiting after
 * {@link DEFAULT_REQUEST_TIMEOUT_MS}, the time TS 24.380's default T101 and C101 (0.5 s,
 * 3 attempts) allow, and after {@link DEFAULT_RELEASE_TIMEOUT_MS} for a release (T100, C100).
 *
 * @module
 */
import {
  decodeFloorMessage,
  encodeFloorMessage,
  MAX_FLOOR_PRIORITY,
  type ClientFloorMessage,
  type FloorDenyCause,
  type FloorMessage,
  type FloorRevokeCause,
  type ServerFloorMessage,
} from '@mcptt-smime/floor';
import { silentLogger, type SdkLogger } from '../core/logger.js';
import { systemSchedule, type Schedule } from '../core/schedule.js';
import { isFloorTransition, type FloorState } from './floor-state.js';

const CATEGORY = 'mcptt:sdk:floor';

/** How long the client waits for the answer to a Floor Request, in ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 1500;

/** How long the client waits for Floor Idle or Floor Taken after a Floor Release, in ms. */
export const DEFAULT_RELEASE_TIMEOUT_MS = 1500;

/**
 * The part of an RTCDataChannel that floor control uses, so that tests can pass a fake. The
 * channel must be reliable and ordered.
 */
export interface FloorChannel {
  readonly readyState: string;
  send(data: string): void;
  addEventListener(type: 'open' | 'close' | 'message', listener: (event: Event) => void): void;
  removeEventListener(type: 'open' | 'close' | 'message', listener: (event: Event) => void): void;
}

/** Cause of a change of floor state. */
export type FloorChangeCause =
  | 'request'
  | 'release'
  | 'granted'
  | 'denied'
  | 'queued'
  | 'revoked'
  | 'idle'
  | 'taken'
  | 'timeout'
  | 'closed';

/** A change of floor state. */
export interface FloorStateChange {
  readonly previous: FloorState;
  readonly state: FloorState;
  readonly cause: FloorChangeCause;
}

/** Floor Granted: the user may talk. */
export interface FloorGrantedEvent {
  /** Maximum talk time in seconds; 0 means no limit. */
  readonly duration: number;
  readonly priority: number;
  readonly emergency: boolean;
}

/** Floor Taken: another user talks. */
export interface FloorTakenEvent {
  /** MCPTT ID of the talker. */
  readonly holder: string;
  readonly emergency: boolean;
  /** False when a request would be denied anyway. */
  readonly permissionToRequest: boolean;
}

/** Callbacks of floor control; each one is optional and must not throw. */
export interface FloorControlDelegate {
  onStateChange?(change: FloorStateChange): void;
  onGranted?(event: FloorGrantedEvent): void;
  onTaken?(event: FloorTakenEvent): void;
  onDenied?(event: { readonly cause: FloorDenyCause }): void;
  onRevoked?(event: { readonly cause: FloorRevokeCause }): void;
  onQueued?(event: { readonly position: number; readonly priority: number }): void;
}

/** Options of a {@link FloorControl}. */
export interface FloorControlOptions {
  readonly delegate?: FloorControlDelegate;
  /** The call's INVITE carried an implicit Floor Request, so the floor starts pending. */
  readonly implicitRequest?: boolean;
  /** Floor priority of requests, 0 to 255; default 0. The server caps it. */
  readonly priority?: number;
  readonly requestTimeoutMs?: number;
  readonly releaseTimeoutMs?: number;
  /** Timer function; default `setTimeout`. Returns a function that cancels the timer. */
  readonly schedule?: Schedule;
  readonly logger?: SdkLogger;
}

/**
 * Floor control of one call.
 *
 * @example
 * ```ts
 * // context: channel: RTCDataChannel, playTone: () => void, button: HTMLButtonElement
 * const floor = new FloorControl(channel, { delegate: { onGranted: () => playTone() } });
 * button.onpointerdown = () => {
 *   if (floor.state === 'idle' || floor.state === 'taken') floor.request();
 * };
 * button.onpointerup = () => {
 *   if (['pending-request', 'queued', 'granted'].includes(floor.state)) floor.release();
 * };
 * ```
 */
export class FloorControl {
  /** Callbacks; may be replaced at any time. */
  delegate: FloorControlDelegate | undefined;
  readonly #channel: FloorChannel;
  readonly #priority: number;
  readonly #requestTimeoutMs: number;
  readonly #releaseTimeoutMs: number;
  readonly #schedule: Schedule;
  readonly #logger: SdkLogger;
  readonly #outbox: string[] = [];
  #state: FloorState;
  #holder: string | undefined;
  #queuePosition: number | undefined;
  #cancelTimer: (() => void) | undefined;

  /**
   * Starts floor control on a call's data channel, in state `idle`, or `pending-request` with
   * `implicitRequest`. A channel that is closed already moves it to `closed` at once.
   *
   * @param channel - The floor control data channel, open or still opening.
   * @param options - The delegate, the priority of the user's requests, and the timers.
   * @throws TypeError for a priority that is not an integer from 0 to MAX_FLOOR_PRIORITY.
   */
  constructor(channel: FloorChannel, options: FloorControlOptions = {}) {
    this.#channel = channel;
    this.delegate = options.delegate;
    this.#priority = checkedPriority(options.priority ?? 0);
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#releaseTimeoutMs = options.releaseTimeoutMs ?? DEFAULT_RELEASE_TIMEOUT_MS;
    this.#schedule = options.schedule ?? systemSchedule;
    this.#logger = options.logger ?? silentLogger;
    this.#state = options.implicitRequest === true ? 'pending-request' : 'idle';
    channel.addEventListener('message', this.#onMessage);
    channel.addEventListener('close', this.#onClose);
    channel.addEventListener('open', this.#onOpen);
    if (channel.readyState === 'open') {
      this.#onOpen();
    } else if (channel.readyState === 'closed') {
      this.#onClose();
    }
  }

  /** Current floor state. */
  get state(): FloorState {
    return this.#state;
  }

  /** MCPTT ID of the user who talks while the state is `taken` (also known while queued). */
  get holder(): string | undefined {
    return this.#holder;
  }

  /** Place in the queue while the state is `queued`, 1 for the next to talk. */
  get queuePosition(): number | undefined {
    return this.#state === 'queued' ? this.#queuePosition : undefined;
  }

  /**
   * Sends Floor Request at `options.priority`, by default the priority of the options given at
   * creation (0 for a call's floor). The server caps it by its own policy and reports the one it
   * applied in `onGranted` and `onQueued`. Raises TypeError unless the state is `idle` or `taken`,
   * and for a priority that is not an integer from 0 to 255.
   */
  request(options: { readonly priority?: number } = {}): void {
    const priority = checkedPriority(options.priority ?? this.#priority);
    this.#transition('pending-request', 'request');
    this.#send({ type: 'floor-request', priority });
  }

  /**
   * Sends Floor Release: the user stops talking, withdraws a queued request, or cancels a
   * pending one. Raises TypeError unless the state is `granted`, `queued` or `pending-request`.
   */
  release(): void {
    this.#transition('releasing', 'release');
    this.#send({ type: 'floor-release' });
  }

  /**
   * Sends Floor Queue Position Request; the answer comes through `onQueued`.
   *
   * @throws TypeError once floor control is closed.
   */
  requestQueuePosition(): void {
    if (this.#state === 'closed') throw new TypeError('floor control is closed');
    this.#send({ type: 'floor-queue-position-request' });
  }

  /** Stops listening to the channel and moves to `closed`. Safe to call twice. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#channel.removeEventListener('message', this.#onMessage);
    this.#channel.removeEventListener('close', this.#onClose);
    this.#channel.removeEventListener('open', this.#onOpen);
    this.#outbox.length = 0;
    this.#transition('closed', 'closed');
  }

  /**
   * Moves to `next`, the one place where the state changes: it rejects an illegal edge with
   * TypeError, restarts the timer of the new state, logs the edge without any identity, and
   * reports it.
   */
  #transition(next: FloorState, cause: FloorChangeCause): void {
    const previous = this.#state;
    if (!isFloorTransition(previous, next)) {
      throw new TypeError(`floor cannot move from ${previous} to ${next}`);
    }
    this.#state = next;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (next === 'pending-request' && this.#channel.readyState === 'open') {
      this.#startTimer(this.#requestTimeoutMs);
    } else if (next === 'releasing') {
      this.#startTimer(this.#releaseTimeoutMs);
    }
    this.#logger.debug(CATEGORY, 'floor state changed', { previous, state: next, cause });
    this.delegate?.onStateChange?.({ previous, state: next, cause });
  }

  #startTimer(delayMs: number): void {
    const state = this.#state;
    this.#cancelTimer = this.#schedule(delayMs, () => {
      if (this.#state === state) {
        this.#logger.warn(CATEGORY, 'floor control server did not answer', { state });
        this.#transition(this.#restingState(), 'timeout');
      }
    });
  }

  /** The state without a request of our own: `taken` when another user is known to talk. */
  #restingState(): 'idle' | 'taken' {
    return this.#holder === undefined ? 'idle' : 'taken';
  }

  #send(message: ClientFloorMessage): void {
    const text = encodeFloorMessage(message);
    if (this.#channel.readyState === 'open') {
      this.#channel.send(text);
    } else {
      this.#outbox.push(text);
    }
  }

  readonly #onOpen = (): void => {
    for (const text of this.#outbox.splice(0)) this.#channel.send(text);
    // The timer of an implicit request starts when the answer can first arrive.
    if (this.#state === 'pending-request' && this.#cancelTimer === undefined) {
      this.#startTimer(this.#requestTimeoutMs);
    }
  };

  readonly #onClose = (): void => {
    this.close();
  };

  readonly #onMessage = (event: Event): void => {
    const message = decodeFloorMessage((event as MessageEvent).data);
    if (message === undefined || !isServerMessage(message)) {
      this.#logger.warn(CATEGORY, 'invalid floor message dropped', { state: this.#state });
      return;
    }
    this.#logger.debug(CATEGORY, 'floor message received', {
      type: message.type,
      state: this.#state,
    });
    this.#receive(message);
  };

  #receive(message: ServerFloorMessage): void {
    switch (message.type) {
      case 'floor-granted':
        return this.#onGranted(message);
      case 'floor-deny':
        return this.#onDeny(message.cause);
      case 'floor-idle':
        return this.#onIdle();
      case 'floor-taken':
        return this.#onTaken(message);
      case 'floor-revoke':
        return this.#onRevoke(message.cause);
      case 'floor-queue-position-info':
        return this.#onQueuePosition(message.position, message.priority);
    }
  }

  #onGranted(message: Extract<ServerFloorMessage, { type: 'floor-granted' }>): void {
    // A grant that crosses our Floor Release is stale: the server ends it when the release arrives.
    if (this.#state === 'releasing' || this.#state === 'closed') return;
    this.#holder = undefined;
    if (this.#state !== 'granted') this.#transition('granted', 'granted');
    const { duration, priority, emergency } = message;
    this.delegate?.onGranted?.({ duration, priority, emergency });
  }

  #onDeny(cause: FloorDenyCause): void {
    if (this.#state !== 'pending-request' && this.#state !== 'queued') return;
    this.#transition(this.#restingState(), 'denied');
    this.delegate?.onDenied?.({ cause });
  }

  #onIdle(): void {
    this.#holder = undefined;
    // A Floor Idle sent before the server saw our request leaves the request pending.
    if (this.#state === 'idle' || this.#state === 'pending-request') return;
    if (this.#state === 'closed') return;
    this.#transition('idle', 'idle');
  }

  #onTaken(message: Extract<ServerFloorMessage, { type: 'floor-taken' }>): void {
    if (this.#state === 'closed') return;
    this.#holder = message.grantedParty;
    if (this.#state === 'idle' || this.#state === 'granted' || this.#state === 'releasing') {
      this.#transition('taken', 'taken');
    }
    this.delegate?.onTaken?.({
      holder: message.grantedParty,
      emergency: message.emergency,
      permissionToRequest: message.permissionToRequest,
    });
  }

  #onRevoke(cause: FloorRevokeCause): void {
    if (this.#state !== 'granted') return;
    // TS 24.380: the client stops sending media and answers a revoke with Floor Release.
    this.#transition('releasing', 'revoked');
    this.#send({ type: 'floor-release' });
    this.delegate?.onRevoked?.({ cause });
  }

  #onQueuePosition(position: number, priority: number): void {
    const state = this.#state;
    // Any state without a grant can be queued: idle or taken ones by an implicit request.
    const queueable = state !== 'granted' && state !== 'releasing' && state !== 'closed';
    if (queueable && position > 0) {
      this.#queuePosition = position;
      if (state !== 'queued') this.#transition('queued', 'queued');
    }
    if (state !== 'closed') this.delegate?.onQueued?.({ position, priority });
  }
}

const CLIENT_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  'floor-request',
  'floor-release',
  'floor-queue-position-request',
]);

function isServerMessage(message: FloorMessage): message is ServerFloorMessage {
  return !CLIENT_MESSAGE_TYPES.has(message.type);
}

/** Returns `priority` when it is a floor priority (TS 24.380: one octet), else raises TypeError. */
function checkedPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < 0 || priority > MAX_FLOOR_PRIORITY) {
    throw new TypeError(`priority must be an integer from 0 to ${String(MAX_FLOOR_PRIORITY)}`);
  }
  return priority;
}
