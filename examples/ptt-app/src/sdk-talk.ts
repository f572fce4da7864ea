/**
 * The talk button's side of the SDK client. It keeps the call that the held button talks in,
 * turns the microphone of each call on and off, and sends the floor requests or, without floor
 * control, the talk INFOs.
 *
 * @module
 */

import type { McpttCall } from '@mcptt-smime/sdk';
import type { FloorStatus } from './floor-status.js';
import { setMicrophone } from './sdk-calls.js';
import { releaseFloor, requestFloor, watchFloor } from './sdk-floor.js';

/** Callbacks of a {@link TalkControl}. */
export interface TalkListener {
  /** Receives the floor of a call after each change. */
  readonly onFloor: (callId: string, status: FloorStatus) => void;
  /** Receives the talker of a call, or undefined when nobody talks. */
  readonly onTalker: (callId: string, talkerId: string | undefined) => void;
  /** Called before a talk request goes out in an INFO, for the security panel. */
  readonly onTalkInfo: (action: 'press' | 'release') => void;
}

/** The talk button of one client across its calls. */
export class TalkControl {
  readonly #userId: string;
  readonly #listener: TalkListener;
  /** The call whose talk button is held. */
  #talking: McpttCall | undefined;
  /** Counts the talk requests sent in INFOs, so that only the latest one's failure counts. */
  #talkRequests = 0;

  constructor(userId: string, listener: TalkListener) {
    this.#userId = userId;
    this.#listener = listener;
  }

  /** The call whose talk button is held, if any. */
  get talking(): McpttCall | undefined {
    return this.#talking;
  }

  /** Marks the button held in a call that is still being set up. */
  hold(call: McpttCall): void {
    this.#talking = call;
  }

  /** Talks in a call that is set up. It requests the floor, or sends INFO without floor control. */
  press(call: McpttCall): void {
    this.#talking = call;
    // With floor control, the microphone opens on Floor Granted (see follow).
    this.apply(call);
    this.#talk(call, 'press');
  }

  /** Mutes the held call again and releases its floor. */
  release(): void {
    const call = this.#talking;
    this.#talking = undefined;
    if (call === undefined) return;
    setMicrophone(call, false);
    this.#talk(call, 'release');
  }

  /**
   * Turns the microphone of a call on while the talk button is held in it and, where the call
   * has floor control, the floor is granted. It is off otherwise.
   */
  apply(call: McpttCall): void {
    const granted = call.floor === undefined || call.floor.state === 'granted';
    setMicrophone(call, this.#talking === call && granted);
  }

  /** Shows the floor of a call and its talker, when the call has floor control. */
  follow(call: McpttCall): void {
    if (call.floor === undefined) return;
    watchFloor(call.floor, this.#userId, {
      onStatus: (status) => {
        this.#listener.onFloor(call.callId, status);
        // The server forwards only the holder's audio, so the microphone sends only while the
        // button is held and the floor is granted.
        this.apply(call);
      },
      onTalker: (talkerId) => this.#listener.onTalker(call.callId, talkerId),
    });
  }

  #talk(call: McpttCall, action: 'press' | 'release'): void {
    if (call.state !== 'established') return;
    // Floor control decides the talker where the call has it; the signed INFO is the fallback
    // of a server without it.
    const floor = call.floor;
    if (floor !== undefined) {
      if (action === 'press') requestFloor(floor);
      else releaseFloor(floor);
      return;
    }
    this.#listener.onTalkInfo(action);
    this.#listener.onTalker(call.callId, action === 'press' ? this.#userId : undefined);
    const request = ++this.#talkRequests;
    // A 2xx means only that the server received the request. A press that failed, unless a later
    // request followed it, shows no talker and closes the microphone, as the server drops its audio.
    call.sendTalkRequest(action).catch(() => {
      if (action !== 'press' || request !== this.#talkRequests) return;
      this.#listener.onTalker(call.callId, undefined);
      setMicrophone(call, false);
    });
  }
}
