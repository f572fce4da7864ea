/**
 * The floor control server of one call (3GPP TS 24.380): it decides who may send media,
 * queues the others by floor priority, lets an emergency participant pre-empt, and revokes the
 * floor after the maximum talk time.
 *
 * The arbitrator does no I/O: it reports the messages to send and every change of holder
 * through its delegate, and it takes time from an injected clock. The media layer forwards
 * audio only from {@link FloorArbitrator.holder}.
 *
 * Simplifications of TS 24.380, chosen because the channel is reliable and ordered and the
 * server enforces the floor on the media itself:
 * - After Floor Revoke the server does not wait in "G: pending Floor Revoke" for the client's
 *   Floor Release (timer T8): it stops forwarding the revoked participant at once and grants
 *   the floor to the next one.
 * - A request from the only participant is granted, not denied with cause 3, because the
 *   originator of a group call is alone while the members' devices ring.
 * - No retry-after timer (T9) after a revoke.
 *
 * @module
 */
import type { FloorClock } from './floor-clock.js';
import {
  MAX_FLOOR_PRIORITY,
  type FloorDenyCause,
  type FloorRevokeCause,
  type ServerFloorMessage,
} from '@mcptt-smime/floor';
import { FloorQueue } from './floor-queue.js';

/** Floor priority of an emergency participant, the highest, and the only pre-emptive one. */
export const EMERGENCY_FLOOR_PRIORITY = MAX_FLOOR_PRIORITY;

/** Default maximum talk time (the "stop talking" timer T2 of TS 24.380), in ms. */
export const DEFAULT_MAX_TALK_TIME_MS = 30_000;

/** Default number of requests the queue takes. */
export const DEFAULT_QUEUE_CAPACITY = 8;

/** Default highest floor priority of an ordinary participant. */
export const DEFAULT_MAX_ORDINARY_PRIORITY = 7;

/** Receiver of the arbitrator's output. Callbacks must not throw. */
export interface FloorArbitratorDelegate {
  /** Sends `message` to `participant`'s floor channel. */
  onMessage(participant: string, message: ServerFloorMessage): void;
  /** The holder changed; `holder` is undefined when the floor became idle. */
  onHolderChange?(holder: string | undefined, previous: string | undefined): void;
}

/** Options of a {@link FloorArbitrator}. */
export interface FloorArbitratorOptions {
  readonly clock: FloorClock;
  readonly delegate: FloorArbitratorDelegate;
  /** Maximum talk time in ms, after which the holder gets Floor Revoke; 0 for no limit. */
  readonly maxTalkTimeMs?: number;
  /** Number of requests that can wait; 0 disables queueing, so a busy floor is denied. */
  readonly queueCapacity?: number;
  /** Highest floor priority granted to an ordinary participant; requests above it are capped. */
  readonly maxOrdinaryPriority?: number;
}

/** Options of {@link FloorArbitrator.join}. */
export interface JoinOptions {
  /** An emergency participant requests at {@link EMERGENCY_FLOOR_PRIORITY} and pre-empts. */
  readonly emergency?: boolean;
}

/** Outcome of a Floor Request. */
export type FloorDecision = 'granted' | 'preempted' | 'queued' | 'denied' | 'ignored';

interface Participant {
  readonly id: string;
  emergency: boolean;
}

interface Holding {
  readonly participant: Participant;
  readonly priority: number;
  readonly since: number;
  readonly cancelTimer: () => void;
}

/** The floor of one call. */
export class FloorArbitrator {
  readonly #clock: FloorClock;
  readonly #delegate: FloorArbitratorDelegate;
  readonly #maxTalkTimeMs: number;
  readonly #queueCapacity: number;
  readonly #maxOrdinaryPriority: number;
  readonly #participants = new Map<string, Participant>();
  readonly #queue = new FloorQueue();
  /** Last queue position sent to each queued participant, to report only changes. */
  readonly #sentPositions = new Map<string, number>();
  #holding: Holding | undefined;
  #closed = false;

  constructor(options: FloorArbitratorOptions) {
    this.#clock = options.clock;
    this.#delegate = options.delegate;
    this.#maxTalkTimeMs = options.maxTalkTimeMs ?? DEFAULT_MAX_TALK_TIME_MS;
    this.#queueCapacity = options.queueCapacity ?? DEFAULT_QUEUE_CAPACITY;
    this.#maxOrdinaryPriority = options.maxOrdinaryPriority ?? DEFAULT_MAX_ORDINARY_PRIORITY;
    if (!(this.#maxTalkTimeMs >= 0) || !(this.#queueCapacity >= 0)) {
      throw new TypeError('maxTalkTimeMs and queueCapacity must not be negative');
    }
  }

  /** Returns the participant who may send media now, or undefined when the floor is idle. */
  holder(): string | undefined {
    return this.#holding?.participant.id;
  }

  /** Milliseconds since the holder was granted the floor, or undefined when idle. */
  holdingTime(): number | undefined {
    return this.#holding === undefined ? undefined : this.#clock.now() - this.#holding.since;
  }

  /** Returns the participants waiting for the floor, in the order they would get it. */
  queue(): readonly { readonly participant: string; readonly priority: number }[] {
    return this.#queue.entries().map(({ participant, priority }) => ({ participant, priority }));
  }

  /**
   * Adds a participant, or updates one, and sends it the floor's state: Floor Taken with the
   * holder, or Floor Idle. This is late entry: a participant who joins a running call learns
   * at once who talks.
   */
  join(participant: string, options: JoinOptions = {}): void {
    if (this.#closed) {
      return;
    }
    const existing = this.#participants.get(participant);
    if (existing === undefined) {
      this.#participants.set(participant, {
        id: participant,
        emergency: options.emergency ?? false,
      });
    } else if (options.emergency === true) {
      // Joining again, such as from a second device, never lowers the priority: only
      // setEmergency does, when the emergency ends.
      existing.emergency = true;
    }
    if (this.holder() !== participant) {
      this.#sendState(participant);
    }
  }

  /**
   * Gives a participant the emergency floor priority, or takes it away, such as when the
   * emergency state of the call ends. A grant or a queued request keeps the priority it got.
   * Unknown participants are ignored.
   */
  setEmergency(participant: string, emergency: boolean): void {
    const existing = this.#participants.get(participant);
    if (existing !== undefined) existing.emergency = emergency;
  }

  /**
   * Removes a participant, such as one whose leg ended. A holder who leaves passes the floor to
   * the next in the queue, or the floor becomes idle; a queued participant leaves the queue.
   */
  leave(participant: string): void {
    if (!this.#participants.delete(participant)) {
      return;
    }
    this.#sentPositions.delete(participant);
    if (this.holder() === participant) {
      this.#passOn();
    } else if (this.#queue.remove(participant)) {
      this.#reportPositions();
    }
  }

  /**
   * Handles a Floor Request from `participant` at `requestedPriority`, which is capped by the
   * participant's allowed priority. The request of a participant who has not joined is ignored.
   */
  request(participant: string, requestedPriority = 0): FloorDecision {
    const requester = this.#participants.get(participant);
    if (this.#closed || requester === undefined) {
      return 'ignored';
    }
    const priority = this.#priorityOf(requester, requestedPriority);
    const holding = this.#holding;
    if (holding === undefined || holding.participant === requester) {
      // TS 24.380 replies to a repeated request from the holder with Floor Granted again.
      if (holding === undefined) {
        this.#grant(requester, priority, undefined);
      } else {
        this.#send(participant, this.#granted(holding));
      }
      return 'granted';
    }
    if (requester.emergency && !holding.participant.emergency && priority > holding.priority) {
      this.#revoke(4);
      this.#grant(requester, priority, holding.participant.id);
      return 'preempted';
    }
    return this.#enqueue(requester, priority);
  }

  /**
   * Handles a Floor Release. The holder's release passes the floor on; a queued participant's
   * release withdraws its request, and it gets the floor's state. A release from anyone else
   * is ignored: it is the late release of a participant whose floor was already revoked.
   */
  release(participant: string): void {
    if (this.#closed) {
      return;
    }
    if (this.holder() === participant) {
      this.#passOn();
    } else if (this.#queue.remove(participant)) {
      this.#sentPositions.delete(participant);
      this.#sendState(participant);
      this.#reportPositions();
    }
  }

  /** Answers a Floor Queue Position Request with Floor Queue Position Info. */
  queuePositionRequest(participant: string): void {
    if (this.#closed || !this.#participants.has(participant)) {
      return;
    }
    const entry = this.#queue.entries().find((queued) => queued.participant === participant);
    const position = this.#queue.position(participant);
    this.#sentPositions.set(participant, position);
    this.#send(participant, {
      type: 'floor-queue-position-info',
      position,
      priority: entry?.priority ?? 0,
    });
  }

  /** Stops the talk-time timer and ignores every later call; sends nothing. */
  close(): void {
    this.#closed = true;
    this.#holding?.cancelTimer();
    this.#holding = undefined;
    this.#queue.clear();
    this.#participants.clear();
  }

  #priorityOf(participant: Participant, requested: number): number {
    if (participant.emergency) {
      return EMERGENCY_FLOOR_PRIORITY;
    }
    const whole = Number.isSafeInteger(requested) && requested > 0 ? requested : 0;
    return Math.min(whole, this.#maxOrdinaryPriority, EMERGENCY_FLOOR_PRIORITY - 1);
  }

  #enqueue(requester: Participant, priority: number): FloorDecision {
    const queued = this.#queue.has(requester.id);
    if (this.#queueCapacity === 0) {
      this.#deny(requester.id, 1);
      return 'denied';
    }
    if (!queued && this.#queue.size >= this.#queueCapacity) {
      this.#deny(requester.id, 7);
      return 'denied';
    }
    this.#queue.put(requester.id, priority);
    // The requester always gets its position in reply, even an unchanged one.
    this.#sentPositions.delete(requester.id);
    this.#reportPositions();
    return 'queued';
  }

  #grant(participant: Participant, priority: number, previous: string | undefined): void {
    this.#queue.remove(participant.id);
    this.#sentPositions.delete(participant.id);
    const cancelTimer =
      this.#maxTalkTimeMs === 0
        ? () => undefined
        : this.#clock.schedule(this.#maxTalkTimeMs, () => this.#talkTimeExpired(participant));
    const holding: Holding = { participant, priority, since: this.#clock.now(), cancelTimer };
    this.#holding = holding;
    this.#send(participant.id, this.#granted(holding));
    for (const other of this.#participants.keys()) {
      if (other !== participant.id) {
        this.#send(other, this.#taken(holding));
      }
    }
    this.#reportPositions();
    this.#delegate.onHolderChange?.(participant.id, previous);
  }

  #passOn(): void {
    const previous = this.#holding;
    previous?.cancelTimer();
    this.#holding = undefined;
    const next = this.#queue.shift();
    const participant = next === undefined ? undefined : this.#participants.get(next.participant);
    if (next !== undefined && participant !== undefined) {
      this.#grant(participant, next.priority, previous?.participant.id);
      return;
    }
    for (const id of this.#participants.keys()) {
      this.#send(id, { type: 'floor-idle' });
    }
    this.#delegate.onHolderChange?.(undefined, previous?.participant.id);
  }

  #revoke(cause: FloorRevokeCause): void {
    const holding = this.#holding;
    if (holding === undefined) {
      return;
    }
    // The caller grants the floor to someone else or passes it on, which replaces the holding.
    holding.cancelTimer();
    this.#send(holding.participant.id, { type: 'floor-revoke', cause });
  }

  #talkTimeExpired(participant: Participant): void {
    if (this.#closed || this.#holding?.participant !== participant) {
      return;
    }
    this.#revoke(2);
    this.#passOn();
  }

  #deny(participant: string, cause: FloorDenyCause): void {
    this.#send(participant, { type: 'floor-deny', cause });
  }

  #sendState(participant: string): void {
    const holding = this.#holding;
    this.#send(participant, holding === undefined ? { type: 'floor-idle' } : this.#taken(holding));
  }

  /** Sends Floor Queue Position Info to every queued participant whose position changed. */
  #reportPositions(): void {
    for (const entry of this.#queue.entries()) {
      const position = this.#queue.position(entry.participant);
      if (this.#sentPositions.get(entry.participant) === position) {
        continue;
      }
      this.#sentPositions.set(entry.participant, position);
      this.#send(entry.participant, {
        type: 'floor-queue-position-info',
        position,
        priority: entry.priority,
      });
    }
  }

  #granted(holding: Holding): ServerFloorMessage {
    return {
      type: 'floor-granted',
      duration: Math.ceil(this.#maxTalkTimeMs / 1000),
      priority: holding.priority,
      emergency: holding.participant.emergency,
    };
  }

  #taken(holding: Holding): ServerFloorMessage {
    return {
      type: 'floor-taken',
      grantedParty: holding.participant.id,
      // Queueing or pre-emption can still give the floor to a listener who requests it.
      permissionToRequest: this.#queueCapacity > 0 || !holding.participant.emergency,
      emergency: holding.participant.emergency,
    };
  }

  #send(participant: string, message: ServerFloorMessage): void {
    this.#delegate.onMessage(participant, message);
  }
}
