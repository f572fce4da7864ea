import { describe, expect, it } from 'vitest';
import type { GroupInfo } from '../src/client.js';
import { mayPressTalk, talkTarget } from '../src/talk-target.js';
import { BOB, GROUP, testCall, testState } from './app-state.js';

const CAROL = 'sip:carol@mcptt.example';
const groups: GroupInfo[] = [
  { id: 'sip:ems@mcptt.example', name: 'EMS', affiliated: false },
  { id: GROUP, name: 'Fire 1', affiliated: true },
];

const privateCall = testCall('p', {
  kind: 'private',
  groupId: undefined,
  peerId: BOB,
  direction: 'incoming',
});

describe('talkTarget', () => {
  it('takes the private call of an open user', () => {
    const state = testState([testCall('g'), privateCall], {
      groups,
      selected: { kind: 'user', id: BOB },
    });
    const target = talkTarget(state);
    expect(target.kind).toBe('user');
    expect(target.call?.id).toBe('p');
    expect(mayPressTalk(state, target)).toBe(true);
  });

  it('has no call for a user without one', () => {
    const state = testState([testCall('g'), privateCall], {
      groups,
      selected: { kind: 'user', id: CAROL },
    });
    const target = talkTarget(state);
    expect(target).toEqual({ kind: 'user', peerId: CAROL, call: undefined });
    expect(mayPressTalk(state, target)).toBe(false);
  });

  it('skips ended private calls', () => {
    const ended = { ...privateCall, state: 'ended' as const };
    const state = testState([ended], { groups, selected: { kind: 'user', id: BOB } });
    expect(talkTarget(state).call).toBeUndefined();
  });

  it('waits for a ringing private call', () => {
    const ringing = { ...privateCall, state: 'ringing' as const };
    const state = testState([ringing], { groups, selected: { kind: 'user', id: BOB } });
    expect(talkTarget(state).call?.id).toBe('p');
    expect(mayPressTalk(state, talkTarget(state))).toBe(false);
  });

  it('takes the call of an open group', () => {
    const state = testState([privateCall, testCall('g')], {
      groups,
      selected: { kind: 'group', id: GROUP },
    });
    const target = talkTarget(state);
    expect(target.kind).toBe('group');
    expect(target.call?.id).toBe('g');
    expect(mayPressTalk(state, target)).toBe(true);
  });

  it('falls back to the first affiliated group', () => {
    const state = testState([], { groups });
    const target = talkTarget(state);
    expect(target.kind === 'group' ? target.groupId : undefined).toBe(GROUP);
  });

  it('needs an affiliated group and a registration', () => {
    const ems = testState([], { groups, selected: { kind: 'group', id: 'sip:ems@mcptt.example' } });
    expect(mayPressTalk(ems, talkTarget(ems))).toBe(false);
    const offline = testState([], { groups, registration: 'reconnecting' });
    expect(mayPressTalk(offline, talkTarget(offline))).toBe(false);
  });

  it('talks in a joined call of a group off', () => {
    const joined = testCall('g', { groupId: 'sip:ems@mcptt.example', direction: 'incoming' });
    const state = testState([joined], {
      groups,
      selected: { kind: 'group', id: 'sip:ems@mcptt.example' },
    });
    expect(mayPressTalk(state, talkTarget(state))).toBe(true);
  });
});
