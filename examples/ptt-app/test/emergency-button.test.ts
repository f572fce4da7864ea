import { describe, expect, it } from 'vitest';
import type { CallInfo, GroupInfo } from '../src/client.js';
import { emergencyButton } from '../src/emergency-button.js';
import type { AppState } from '../src/store.js';
import { BOB, GROUP, testCall, testState } from './app-state.js';

const groups: GroupInfo[] = [{ id: GROUP, name: 'Fire 1', affiliated: true }];
const none: ReadonlySet<string> = new Set();

/** Returns the state of the open group {@link GROUP} with `calls`, and `fields` over it. */
function groupState(calls: CallInfo[], fields: Partial<AppState> = {}): AppState {
  return testState(calls, { groups, selected: { kind: 'group', id: GROUP }, ...fields });
}

const ownEmergency = testCall('e', { emergency: true, emergencyCaller: true });

describe('emergencyButton', () => {
  it('starts in an affiliated group', () => {
    expect(emergencyButton(groupState([]), none)).toEqual({
      hidden: false,
      text: 'EMERGENCY',
      active: false,
      disabled: false,
      label: 'Emergency group call to Fire 1',
      action: { kind: 'start', groupId: GROUP },
    });
  });

  it('starts over an ordinary call', () => {
    const button = emergencyButton(groupState([testCall('g')]), none);
    expect(button.action).toEqual({ kind: 'start', groupId: GROUP });
  });

  it('ends the own emergency', () => {
    expect(emergencyButton(groupState([ownEmergency]), none)).toEqual({
      hidden: false,
      text: 'END EMERGENCY',
      active: true,
      disabled: false,
      label: 'End emergency, keep the group call to Fire 1',
      action: { kind: 'end', callId: 'e' },
    });
  });

  it('waits for the pending end', () => {
    const button = emergencyButton(groupState([ownEmergency]), new Set(['e']));
    expect(button).toMatchObject({ text: 'END EMERGENCY', disabled: true, action: undefined });
    expect(button.label).toBe(
      'End emergency, keep the group call to Fire 1 (waiting for the server)',
    );
  });

  it('needs a registration to end', () => {
    const state = groupState([ownEmergency], { registration: 'reconnecting' });
    expect(emergencyButton(state, none)).toMatchObject({ disabled: true, action: undefined });
  });

  it('turns back after the end', () => {
    const ended = { ...ownEmergency, emergency: false };
    expect(emergencyButton(groupState([ended]), none)).toMatchObject({
      text: 'EMERGENCY',
      active: false,
      disabled: false,
      action: { kind: 'start', groupId: GROUP },
    });
  });

  it("is disabled in another user's emergency", () => {
    const call = testCall('e', { emergency: true, direction: 'incoming', peerId: BOB });
    expect(emergencyButton(groupState([call]), none)).toMatchObject({
      text: 'EMERGENCY',
      disabled: true,
      label: 'Emergency group call to Fire 1 in progress',
      action: undefined,
    });
  });

  it("lets a dispatcher end another's emergency", () => {
    const call = testCall('e', { emergency: true, direction: 'incoming', peerId: BOB });
    const state = groupState([call], { mayCancelEmergencies: true });
    // The same button as the one of the user who started the emergency.
    expect(emergencyButton(state, none)).toEqual(emergencyButton(groupState([ownEmergency]), none));
    expect(emergencyButton(state, none).action).toEqual({ kind: 'end', callId: 'e' });
  });

  // cancelEmergency() needs an established call, so a press before that would only fail.
  it.each([
    ['own, calling', { emergencyCaller: true, state: 'calling' }, {}],
    [
      'ringing, dispatcher',
      { direction: 'incoming', state: 'ringing' },
      { mayCancelEmergencies: true },
    ],
  ] as const)('waits for the call to end it: %s', (_, fields, stateFields) => {
    const call = testCall('e', { emergency: true, peerId: BOB, ...fields });
    const button = emergencyButton(groupState([call], stateFields), none);

    expect(button.text).toBe('END EMERGENCY');
    expect(button.disabled).toBe(true);
    expect(button.action).toBeUndefined();
  });

  it('cannot end a joined emergency', () => {
    const joined = testCall('e', { emergency: true });
    expect(emergencyButton(groupState([joined]), none)).toMatchObject({
      text: 'EMERGENCY',
      disabled: true,
      action: undefined,
    });
  });

  it('is hidden for a user', () => {
    const state = testState([ownEmergency], { groups, selected: { kind: 'user', id: BOB } });
    expect(emergencyButton(state, none)).toMatchObject({ hidden: true, action: undefined });
  });

  it('is disabled in a group off', () => {
    const off = [{ id: GROUP, name: 'Fire 1', affiliated: false }];
    const state = groupState([], { groups: off });
    expect(emergencyButton(state, none)).toMatchObject({ disabled: true, action: undefined });
  });

  // A user who speaks the visible words, or a script that looks them up, must reach this button
  // and not the End button of the call list (label in name).
  it.each([
    ['none', groupState([])],
    ['own', groupState([ownEmergency])],
    ['another', groupState([testCall('o', { emergency: true, direction: 'incoming' })])],
  ])('names itself with its visible text, emergency %s', (_, state) => {
    for (const ending of [none, new Set(['e'])]) {
      const button = emergencyButton(state, ending);
      expect(button.label.toLowerCase()).toContain(button.text.toLowerCase());
    }
  });
});
