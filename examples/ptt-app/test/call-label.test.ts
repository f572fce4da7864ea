import { describe, expect, it } from 'vitest';
import { callLabel } from '../src/views/call-list-view.js';
import { BOB, GROUP, testCall, testState } from './app-state.js';

const state = testState([], {
  groups: [{ id: GROUP, name: 'Fire 1', affiliated: true }],
  peers: [{ id: BOB, name: 'Bob' }],
});
const incoming = { direction: 'incoming', peerId: BOB, emergency: true } as const;

describe('callLabel', () => {
  it('names the caller of an emergency call', () => {
    const call = testCall('e', { ...incoming, emergencyAtSetUp: true });
    expect(callLabel(state, call)).toBe('Emergency group call · Fire 1 · started by Bob');
  });

  it('names no one for an upgraded call', () => {
    const call = testCall('e', { ...incoming, emergencyAtSetUp: false });
    expect(callLabel(state, call)).toBe('Emergency group call · Fire 1');
  });
});
