import { describe, expect, it } from 'vitest';
import type { CallPartsEvent, CallState, McpttCall, McpttCallDelegate } from '@mcptt-smime/sdk';
import type { CallInfo } from '../src/client.js';
import { CallTracker, onConnectionFailed, type CallFields } from '../src/sdk-calls.js';
import { BOB, GROUP } from './app-state.js';

/** A peer connection whose state the test sets, with the event that WebRTC fires. */
class FakeConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = 'new';

  enter(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }
}

describe('onConnectionFailed', () => {
  it('reports a failed connection once', () => {
    const connection = new FakeConnection();
    let failures = 0;
    onConnectionFailed(connection, () => (failures += 1));
    connection.enter('connecting');
    connection.enter('connected');
    connection.enter('disconnected');
    expect(failures).toBe(0);
    connection.enter('failed');
    connection.enter('failed');
    expect(failures).toBe(1);
  });

  it('ignores a connection closed on purpose', () => {
    const connection = new FakeConnection();
    let failures = 0;
    onConnectionFailed(connection, () => (failures += 1));
    connection.enter('connected');
    connection.enter('closed');
    expect(failures).toBe(0);
  });
});

/** An SDK call with the fields that the tracker reads, whose callbacks the test fires. */
interface FakeCall {
  readonly callId: string;
  state: CallState;
  emergency: boolean;
  emergencyStartedHere: boolean;
  delegate: McpttCallDelegate | undefined;
}

function fakeCall(fields: Partial<FakeCall> = {}): FakeCall {
  return {
    callId: 'c1',
    state: 'established',
    emergency: false,
    emergencyStartedHere: false,
    delegate: undefined,
    ...fields,
  };
}

const groupCall: CallFields = {
  kind: 'group',
  direction: 'outgoing',
  groupId: GROUP,
  peerId: undefined,
};

/** Tracks `call` and returns every version of it that the tracker reports. */
function track(call: FakeCall, fields: CallFields = groupCall): CallInfo[] {
  const reported: CallInfo[] = [];
  new CallTracker((info) => reported.push(info)).track(call as unknown as McpttCall, fields);
  return reported;
}

describe('CallTracker', () => {
  it('takes the emergency at the start', () => {
    const reported = track(fakeCall({ emergency: true, emergencyStartedHere: true }));
    expect(reported).toEqual([
      expect.objectContaining({
        id: 'c1',
        emergency: true,
        emergencyCaller: true,
        emergencyAtSetUp: true,
      }),
    ]);
  });

  it('follows the end of the emergency', () => {
    const call = fakeCall({ emergency: true, emergencyStartedHere: true });
    const reported = track(call);
    call.delegate?.onEmergencyChange?.(false);
    expect(reported.at(-1)).toMatchObject({
      emergency: false,
      emergencyCaller: true,
      state: 'confirmed',
    });
  });

  it('shows a joined emergency call', () => {
    const call = fakeCall({ state: 'calling' });
    const reported = track(call);
    call.delegate?.onStateChange?.('established');
    call.delegate?.onEmergencyChange?.(true);
    expect(reported.map((info) => [info.state, info.emergency])).toEqual([
      ['calling', false],
      ['confirmed', false],
      ['confirmed', true],
    ]);
  });

  it('follows an upgrade by the user', () => {
    const call = fakeCall();
    const reported = track(call);
    call.emergency = true;
    call.emergencyStartedHere = true;
    call.delegate?.onEmergencyChange?.(true);
    expect(
      reported.map((info) => [info.emergency, info.emergencyCaller, info.emergencyAtSetUp]),
    ).toEqual([
      [false, false, false],
      [true, true, false],
    ]);
  });

  // Two participants upgraded at once, and the server's UPDATE about the other's upgrade came
  // after this client's own confirmation: the emergency stays, but it is no longer this user's.
  it('follows who started the emergency', () => {
    const call = fakeCall({ emergency: true, emergencyStartedHere: true });
    const reported = track(call);
    call.emergencyStartedHere = false;
    const event = { method: 'UPDATE', status: undefined, parts: [], security: {} };

    call.delegate?.onParts?.(event as unknown as CallPartsEvent);

    expect(reported.at(-1)?.emergency).toBe(true);
    expect(reported.at(-1)?.emergencyCaller).toBe(false);
  });

  it('keeps the emergency across states', () => {
    const call = fakeCall({ emergency: true, state: 'ringing' });
    const reported = track(call, { ...groupCall, direction: 'incoming', peerId: BOB });
    call.delegate?.onEmergencyChange?.(false);
    call.delegate?.onStateChange?.('ended');
    expect(reported.at(-1)).toMatchObject({ emergency: false, state: 'ended' });
  });

  it('passes on parts with the state', () => {
    const call = fakeCall({ emergency: true });
    const received: [CallInfo, CallPartsEvent][] = [];
    const tracker = new CallTracker(
      () => undefined,
      (info, event) => received.push([info, event]),
    );
    tracker.track(call as unknown as McpttCall, groupCall);
    const event = { method: 'UPDATE', status: undefined, parts: [], security: {} };
    call.delegate?.onEmergencyChange?.(false);
    call.delegate?.onParts?.(event as unknown as CallPartsEvent);
    expect(received).toEqual([[expect.objectContaining({ emergency: false }), event]]);
  });

  it('gives the group of a call that the user joined', () => {
    const call = fakeCall({ emergency: true });
    const tracker = new CallTracker(() => undefined);
    tracker.track(call as unknown as McpttCall, { ...groupCall, direction: 'incoming' });
    call.delegate?.onEmergencyChange?.(false);
    expect(tracker.info('c1')).toMatchObject({ groupId: GROUP, emergency: false });
    expect(tracker.info('c2')).toBeUndefined();
  });
});
