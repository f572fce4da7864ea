import { describe, expect, it } from 'vitest';
import { talkTarget } from '../src/talk-target.js';
import { describeTarget, pttHintText } from '../src/views/talk-view.js';
import { BOB, GROUP, testCall, testState } from './app-state.js';

const groups = [{ id: GROUP, name: 'Fire 1', affiliated: true }];
const peers = [{ id: BOB, name: 'Bob' }];

describe('describeTarget', () => {
  const user = { kind: 'user', id: BOB } as const;
  it.each([
    ['registered', undefined, 'Idle. Hold the button to start a group call.'],
    [
      'reconnecting',
      undefined,
      'Connection lost: talk and calls come back once the app has reconnected.',
    ],
    [
      'failed',
      user,
      'Not registered: talk and calls are unavailable. The app tries again by itself.',
    ],
    ['registering', undefined, 'Registering: talk and calls are available once registered.'],
  ] as const)('describes the %s state', (registration, selected, text) => {
    const state = testState([], { groups, peers, registration, selected });
    expect(describeTarget(state, talkTarget(state))).toBe(text);
  });

  it('keeps showing a live call offline', () => {
    const state = testState([testCall('c1')], { groups, peers, registration: 'reconnecting' });
    expect(describeTarget(state, talkTarget(state))).toBe('Group call · connected');
  });
});

describe('pttHintText', () => {
  it('says hold when registered', () => {
    const state = testState([], { groups, peers });
    expect(pttHintText(state, talkTarget(state), false)).toBe('hold · space bar');
  });

  it('says not registered offline', () => {
    const state = testState([], { groups, peers, registration: 'reconnecting' });
    expect(pttHintText(state, talkTarget(state), false)).toBe('not registered');
  });

  it('asks for a call with a user', () => {
    const state = testState([], { groups, peers, selected: { kind: 'user', id: BOB } });
    expect(pttHintText(state, talkTarget(state), false)).toBe('Call or Auto to talk');
  });
});
