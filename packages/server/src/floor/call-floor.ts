/**
 * Floor control of one call on the server: the {@link FloorArbitrator}, bound to the floor data
 * channel of each participant's media leg. Messages to a participant whose channel is not open
 * yet wait until it opens, so a participant who joins learns the floor's state as soon as it can
 * (late entry), and the caller gets the answer to its implicit request.
 *
 * The arbitrator is the only judge of who talks. Floor Request and Floor Release reach it from
 * the data channel, and from the signed INFO talk request of a participant without one
 * (talk-handler.ts), through the same {@link CallFloor.request} and {@link CallFloor.release}.
 *
 * @module
 */
import type { Logger } from 'pino';
import { systemFloorClock, type FloorClock } from './floor-clock.js';
import {
  FloorArbitrator,
  type FloorArbitratorOptions,
  type FloorDecision,
} from './floor-arbitrator.js';
import {
  decodeFloorMessage,
  encodeFloorMessage,
  type ServerFloorMessage,
} from '@mcptt-smime/floor';

/** The part of werift's RTCDataChannel that floor control uses. */
export interface FloorDataChannel {
  readonly readyState: string;
  send(data: string): void;
  readonly onMessage: { subscribe(callback: (data: string | Uint8Array) => void): unknown };
  readonly stateChanged: { subscribe(callback: (state: string) => void): unknown };
}

/** Options of a {@link CallFloor}. */
export interface CallFloorOptions extends Omit<FloorArbitratorOptions, 'clock' | 'delegate'> {
  readonly logger: Logger;
  /** Called whenever the holder changes. */
  readonly onHolderChange?: (holder: string | undefined) => void;
  readonly clock?: FloorClock;
}

/**
 * Maximum number of floor messages that wait for one participant's channel to open. A channel
 * that never opens, such as one whose DTLS handshake the participant never completes, would
 * otherwise collect a message for every change of the floor while the call lasts. Past the
 * limit the oldest message is dropped, since a newer one describes the floor's state since then.
 */
export const MAX_FLOOR_OUTBOX_MESSAGES = 16;

interface Binding {
  readonly channel: FloorDataChannel | undefined;
  readonly outbox: string[];
}

/** The floor of one call and the floor channels of its participants. */
export class CallFloor {
  readonly arbitrator: FloorArbitrator;
  readonly #logger: Logger;
  readonly #bindings = new Map<string, Binding>();

  constructor(options: CallFloorOptions) {
    const { logger, onHolderChange, clock, ...limits } = options;
    this.#logger = logger;
    this.arbitrator = new FloorArbitrator({
      ...limits,
      clock: clock ?? systemFloorClock,
      delegate: {
        onMessage: (participant, message) => this.#send(participant, message),
        onHolderChange: (holder) => onHolderChange?.(holder),
      },
    });
  }

  /** Returns the participant whose audio the server forwards, or undefined. */
  holder(): string | undefined {
    return this.arbitrator.holder();
  }

  /**
   * Binds `participant`'s floor channel and adds the participant to the floor, which sends it
   * Floor Taken or Floor Idle once the channel opens. The participant leaves the floor when the
   * channel closes. `emergency` marks the participant of an emergency call who pre-empts.
   *
   * A participant whose SDP negotiated no data channel joins with `channel` undefined: it takes
   * part in arbitration through {@link CallFloor.request} and {@link CallFloor.release}, and the
   * messages it cannot receive are dropped instead of waiting for a channel that never opens.
   */
  attach(participant: string, channel: FloorDataChannel | undefined, emergency = false): void {
    if (channel === undefined) {
      this.#bindings.set(participant, { channel, outbox: [] });
      this.arbitrator.join(participant, { emergency });
      return;
    }
    const outbox = this.#bindings.get(participant)?.outbox ?? [];
    this.#bindings.set(participant, { channel, outbox });
    channel.onMessage.subscribe((data) => this.#receive(participant, channel, data));
    channel.stateChanged.subscribe((state) => {
      if (state === 'open') {
        this.#flush(participant);
      } else if (state === 'closed' && this.#bindings.get(participant)?.channel === channel) {
        this.detach(participant);
      }
    });
    this.arbitrator.join(participant, { emergency });
    if (channel.readyState === 'open') {
      this.#flush(participant);
    }
  }

  /** Gives `participant` the emergency floor priority, or takes it away. */
  setEmergency(participant: string, emergency: boolean): void {
    this.arbitrator.setEmergency(participant, emergency);
  }

  /** Handles the implicit Floor Request of a participant's INVITE. */
  implicitRequest(participant: string): FloorDecision {
    return this.request(participant, 0, 'implicit');
  }

  /**
   * Handles a Floor Request of `participant` at `priority`, which the arbitrator caps; `source`
   * names where it came from, for the log. The decision goes to the participant's floor channel.
   */
  request(
    participant: string,
    priority = 0,
    source: 'channel' | 'implicit' | 'info' = 'channel',
  ): FloorDecision {
    const decision = this.arbitrator.request(participant, priority);
    this.#logger.info({ decision, source }, 'floor request');
    return decision;
  }

  /** Handles a Floor Release of `participant`. */
  release(participant: string): void {
    this.arbitrator.release(participant);
  }

  /** Removes a participant, whose floor passes on if it held it. */
  detach(participant: string): void {
    this.#bindings.delete(participant);
    this.arbitrator.leave(participant);
  }

  /** Stops the floor of an ended call. */
  close(): void {
    this.arbitrator.close();
    this.#bindings.clear();
  }

  #receive(participant: string, channel: FloorDataChannel, data: string | Uint8Array): void {
    if (this.#bindings.get(participant)?.channel !== channel) {
      return;
    }
    const message = decodeFloorMessage(typeof data === 'string' ? data : undefined);
    switch (message?.type) {
      case 'floor-request':
        this.request(participant, message.priority);
        return;
      case 'floor-release':
        return this.release(participant);
      case 'floor-queue-position-request':
        return this.arbitrator.queuePositionRequest(participant);
      default:
        // The type alone is logged: a floor message may name a user.
        this.#logger.warn({ type: message?.type }, 'invalid floor message dropped');
    }
  }

  #send(participant: string, message: ServerFloorMessage): void {
    const binding = this.#bindings.get(participant);
    if (binding?.channel === undefined) {
      return;
    }
    binding.outbox.push(encodeFloorMessage(message));
    if (binding.outbox.length > MAX_FLOOR_OUTBOX_MESSAGES) {
      binding.outbox.splice(0, binding.outbox.length - MAX_FLOOR_OUTBOX_MESSAGES);
    }
    if (binding.channel.readyState === 'open') {
      this.#flush(participant);
    }
  }

  #flush(participant: string): void {
    const binding = this.#bindings.get(participant);
    if (binding?.channel === undefined) {
      return;
    }
    for (const text of binding.outbox.splice(0)) {
      try {
        binding.channel.send(text);
      } catch (error) {
        this.#logger.debug({ err: error }, 'floor message not sent');
      }
    }
  }
}
