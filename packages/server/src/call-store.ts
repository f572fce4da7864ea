/**
 * Active calls and their legs. A group call has one leg per participant, the originator
 * included; a private call has two.
 *
 * @module
 */
import { addressOfRecord, type SipMessage } from '@mcptt-smime/smime';
import type { Dialog } from './dialog.js';
import type { CallFloor } from './floor/call-floor.js';
import type { MediaRelay } from './media-relay.js';

/** One participant's dialog with the server. */
export interface CallLeg {
  /** Address-of-record of the participant. */
  readonly uri: string;
  /** SIP Call-ID of the leg. */
  readonly callId: string;
  /** True for the leg of an INVITE that the participant sent, false for one the server sent. */
  readonly fromParticipant: boolean;
  /** Set once the dialog is established. */
  dialog: Dialog | undefined;
  /** The INVITE that the server sent for this leg, kept while it waits for an answer. */
  invite?: SipMessage | undefined;
}

/**
 * Maximum number of call legs that one user may hold or set up at once with INVITEs of its own:
 * legs of calls it started or joined, and its INVITEs still without a final response. Each leg
 * keeps a WebRTC peer connection with a UDP socket, so without this limit a single authorised
 * user could exhaust the server. Legs of the server's INVITEs to the user do not count, so that
 * calling a user cannot use up that user's share.
 */
export const MAX_CALLER_LEGS_PER_USER = 8;

/**
 * Legs beyond {@link MAX_CALLER_LEGS_PER_USER} that a user may set up with emergency INVITEs
 * (`emergency-ind` true), so that a user whose ordinary calls reached the limit can still make an
 * emergency call. The reserve is bounded, because an emergency INVITE costs a leg like any other.
 */
export const EMERGENCY_CALLER_LEGS_RESERVE = 2;

/** Kind of call: a prearranged or chat group call, or a private call. */
export type CallKind = 'prearranged' | 'chat' | 'private';

/** One call. */
export interface Call {
  readonly id: string;
  readonly kind: CallKind;
  /** MCPTT group ID of a group call. */
  readonly groupId: string | undefined;
  readonly originator: string;
  /**
   * Emergency calls have priority and may pre-empt an ordinary call of the same group. A group
   * call becomes one at set-up or when a participant upgrades it, and the participant in
   * {@link Call.emergencyCaller} or an authorised user can end the emergency state. The call then
   * goes on as an ordinary call.
   */
  emergency: boolean;
  /**
   * Address-of-record of the participant who started the current or the last emergency state,
   * and who may cancel it, as may a user configured with `mayCancelEmergencies`: the originator
   * of a call set up as an emergency call, or the participant who upgraded the call. Undefined
   * for a call that was never an emergency call.
   */
  emergencyCaller: string | undefined;
  readonly legs: Map<string, CallLeg>;
  /**
   * Address-of-record of each user whose INVITE from the server is being built or sent, so that
   * a second invitation of the user to this call does not start meanwhile.
   */
  readonly inviting: Set<string>;
  /** The media legs of the participants; it forwards the audio of the floor's holder only. */
  readonly media: MediaRelay;
  /** Floor control, the one place that decides who talks. */
  readonly floor: CallFloor;
}

/** Calls by ID, by group and by leg Call-ID. */
export class CallStore {
  readonly #calls = new Map<string, Call>();
  readonly #byLeg = new Map<string, Call>();

  /** Adds a call. */
  add(call: Call): void {
    this.#calls.set(call.id, call);
    for (const leg of call.legs.values()) {
      this.#byLeg.set(leg.callId, call);
    }
  }

  /** Adds a leg to a call. */
  addLeg(call: Call, leg: CallLeg): void {
    call.legs.set(leg.callId, leg);
    this.#byLeg.set(leg.callId, call);
  }

  /** Removes a leg, and the call when no leg is left. Returns the call. */
  removeLeg(callId: string): Call | undefined {
    const call = this.#byLeg.get(callId);
    this.#byLeg.delete(callId);
    call?.legs.delete(callId);
    if (call !== undefined && call.legs.size === 0) {
      this.#calls.delete(call.id);
    }
    return call;
  }

  /** Removes a call and all its legs. */
  remove(call: Call): void {
    this.#calls.delete(call.id);
    for (const callId of call.legs.keys()) {
      this.#byLeg.delete(callId);
    }
  }

  /** Returns the call of a leg. */
  byLeg(callId: string): Call | undefined {
    return this.#byLeg.get(callId);
  }

  /** Returns the active call of a group. */
  byGroup(groupId: string): Call | undefined {
    return [...this.#calls.values()].find((call) => call.groupId === groupId);
  }

  /** Returns the number of legs of INVITEs from `uri`, an address-of-record, in every call. */
  callerLegsOf(uri: string): number {
    let count = 0;
    for (const call of this.#calls.values()) {
      for (const leg of call.legs.values()) {
        if (leg.fromParticipant && leg.uri === uri) count += 1;
      }
    }
    return count;
  }

  /** Every active call. */
  all(): Call[] {
    return [...this.#calls.values()];
  }
}

/** True when `uri` has a leg in `call` or an invitation to it under way. */
export function isParticipant(call: Call, uri: string): boolean {
  const aor = addressOfRecord(uri);
  if (call.inviting.has(aor)) return true;
  return [...call.legs.values()].some((leg) => addressOfRecord(leg.uri) === aor);
}
