/**
 * The calls of the SDK client as the app shows them: state changes and the microphone.
 *
 * @module
 */

import type { CallPartsEvent, CallState as SdkCallState, McpttCall } from '@mcptt-smime/sdk';
import type { CallInfo, CallState } from './client.js';
import type { FloorStatus } from './floor-status.js';

/**
 * Fields of a call that do not change while it runs. The state, the emergency and who started
 * it come from the SDK's call, and follow it.
 */
export type CallFields = Pick<CallInfo, 'kind' | 'direction' | 'groupId' | 'peerId'>;

/** Receives every change of a tracked call. */
export type CallListener = (call: CallInfo) => void;

/** Receives the MCPTT parts that arrive in the dialog of a tracked call. */
export type CallPartsListener = (call: CallInfo, event: CallPartsEvent) => void;

const STATES: Readonly<Record<SdkCallState, CallState>> = {
  calling: 'calling',
  ringing: 'ringing',
  established: 'confirmed',
  ended: 'ended',
  failed: 'failed',
};

/** The calls of one client, by Call-ID. */
export class CallTracker {
  readonly #calls = new Map<string, { call: McpttCall; info: CallInfo }>();
  readonly #onChange: CallListener;
  readonly #onParts: CallPartsListener | undefined;

  constructor(onChange: CallListener, onParts?: CallPartsListener) {
    this.#onChange = onChange;
    this.#onParts = onParts;
  }

  /** Starts following a call and reports its current state. */
  track(call: McpttCall, fields: CallFields): CallInfo {
    const info: CallInfo = {
      ...fields,
      id: call.callId,
      emergency: call.emergency,
      emergencyCaller: call.emergencyStartedHere,
      emergencyAtSetUp: call.emergency,
      state: STATES[call.state],
      reason: undefined,
    };
    this.#calls.set(call.callId, { call, info });
    // The call has one delegate, so every callback of the SDK's call goes in this object.
    call.delegate = {
      onStateChange: (state) => this.#update(call.callId, { state: STATES[state] }),
      onEmergencyChange: (emergency) =>
        this.#update(call.callId, {
          emergency,
          emergencyCaller: call.emergencyStartedHere,
          emergencyAtSetUp: false,
        }),
      onParts: (event) => {
        // A message can change who started the emergency without a change of the emergency,
        // as when another participant's upgrade arrives after this client's own confirmed one.
        if (this.#calls.get(call.callId)?.info.emergencyCaller !== call.emergencyStartedHere) {
          this.#update(call.callId, { emergencyCaller: call.emergencyStartedHere });
        }
        const entry = this.#calls.get(call.callId);
        if (entry !== undefined) this.#onParts?.(entry.info, event);
      },
    };
    this.#onChange(info);
    return info;
  }

  /** Records why a call failed, such as the status of the final response. */
  fail(callId: string, reason: string): void {
    this.#update(callId, { state: 'failed', reason });
  }

  /** Records the floor of a call, as floor control reports it. */
  setFloor(callId: string, floor: FloorStatus): void {
    this.#update(callId, { floor });
  }

  /** Returns the SDK call of a Call-ID. */
  get(callId: string): McpttCall | undefined {
    return this.#calls.get(callId)?.call;
  }

  /** Returns the app's record of the call of a Call-ID, as the latest change reported it. */
  info(callId: string): CallInfo | undefined {
    return this.#calls.get(callId)?.info;
  }

  /** Returns the newest group call of a group that is neither ended nor failed. */
  liveGroupCall(groupId: string): McpttCall | undefined {
    let found: McpttCall | undefined;
    for (const { call, info } of this.#calls.values()) {
      if (info.groupId === groupId && isLive(info.state)) found = call;
    }
    return found;
  }

  /** Returns every call that is neither ended nor failed. */
  liveCalls(): McpttCall[] {
    return [...this.#calls.values()].filter(({ info }) => isLive(info.state)).map((c) => c.call);
  }

  #update(callId: string, change: Partial<CallInfo>): void {
    const entry = this.#calls.get(callId);
    if (entry === undefined) return;
    entry.info = { ...entry.info, ...change };
    this.#onChange(entry.info);
  }
}

/** The part of an `RTCPeerConnection` that {@link onConnectionFailed} reads. */
export interface ConnectionStateSource {
  readonly connectionState: RTCPeerConnectionState;
  addEventListener(type: 'connectionstatechange', listener: () => void): void;
}

/**
 * Calls `onFailed` once when the connection's state becomes `failed`. Its ICE or DTLS transport
 * has then failed, media no longer flows, and WebRTC does not recover without an ICE restart.
 */
export function onConnectionFailed(connection: ConnectionStateSource, onFailed: () => void): void {
  let reported = false;
  connection.addEventListener('connectionstatechange', () => {
    if (reported || connection.connectionState !== 'failed') return;
    reported = true;
    onFailed();
  });
}

/** Turns the call's outgoing audio on or off without renegotiating. */
export function setMicrophone(call: McpttCall, enabled: boolean): void {
  const connection = call.session.connection as RTCPeerConnection | undefined;
  for (const sender of connection?.getSenders() ?? []) {
    if (sender.track?.kind === 'audio') sender.track.enabled = enabled;
  }
}

function isLive(state: CallState): boolean {
  return state !== 'ended' && state !== 'failed';
}
