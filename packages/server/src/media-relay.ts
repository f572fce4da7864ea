/**
 * The audio of one call: the media legs of its participants, and the forwarding of the talker's
 * RTP to every other leg. The talker is the floor holder that the call's floor arbitrator
 * decides (floor/call-floor.ts). Packets from any other participant are dropped, not mixed: a
 * participant without the floor can still send, and the server refuses to forward it.
 *
 * @module
 */
import type { RtpPacket } from 'werift';
import type { MediaLeg } from './media-leg.js';

interface RelayedLeg {
  readonly uri: string;
  readonly media: MediaLeg;
}

/** Forwards the talker's audio between the legs of one call. */
export class MediaRelay {
  readonly #legs = new Map<string, RelayedLeg>();
  readonly #talker: () => string | undefined;
  readonly #onFailed: ((callId: string) => void) | undefined;

  /**
   * `talker` returns the address-of-record of the current talker, read on every packet: the
   * floor holder of the call. `onFailed` is called with the SIP Call-ID of a leg whose media
   * connection failed (see {@link MediaLeg.onFailed}).
   */
  constructor(talker: () => string | undefined, onFailed?: (callId: string) => void) {
    this.#talker = talker;
    this.#onFailed = onFailed;
  }

  /** Adds the media of a leg, keyed by the leg's SIP Call-ID. */
  add(callId: string, uri: string, media: MediaLeg): void {
    const leg = { uri, media };
    this.#legs.set(callId, leg);
    media.onRtp = (packet) => this.#forward(leg, packet);
    media.onFailed = () => this.#onFailed?.(callId);
  }

  /** Removes the media of a leg and closes it. */
  async remove(callId: string): Promise<void> {
    const leg = this.#legs.get(callId);
    this.#legs.delete(callId);
    await leg?.media.close();
  }

  /** Returns the media of a leg. */
  media(callId: string): MediaLeg | undefined {
    return this.#legs.get(callId)?.media;
  }

  /** Closes the media of every leg. */
  async close(): Promise<void> {
    const legs = [...this.#legs.values()];
    this.#legs.clear();
    await Promise.all(legs.map((leg) => leg.media.close()));
  }

  #forward(source: RelayedLeg, packet: RtpPacket): void {
    if (source.uri !== this.#talker()) {
      return;
    }
    for (const leg of this.#legs.values()) {
      if (leg !== source) {
        leg.media.forward(packet, source.media);
      }
    }
  }
}
