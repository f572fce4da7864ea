import { describe, expect, it } from 'vitest';
import type { SecurityRecord, ShortDataMessage } from '../src/client.js';
import {
  activeGroupCall,
  appendRecord,
  callConversation,
  droppedCallNotice,
  resolveNotice,
  inConversation,
  liveCalls,
  MAX_SECURITY_RECORDS,
  ringingCalls,
  selectionAfter,
  shownFloor,
  withCall,
} from '../src/store.js';
import { ALICE, BOB, GROUP, testCall, testState } from './app-state.js';

function message(fields: Partial<ShortDataMessage>): ShortDataMessage {
  return {
    id: '1',
    direction: 'in',
    from: BOB,
    conversation: { kind: 'user', id: ALICE },
    text: 'hi',
    at: new Date(0),
    ...fields,
  };
}

describe('activeGroupCall', () => {
  it('skips ended calls of the group', () => {
    const state = testState([
      testCall('a', { state: 'ended' }),
      testCall('b', { state: 'calling' }),
    ]);
    expect(activeGroupCall(state, GROUP)?.id).toBe('b');
  });

  it('returns undefined for another group', () => {
    expect(
      activeGroupCall(testState([testCall('a', {})]), 'sip:other@mcptt.example'),
    ).toBeUndefined();
  });

  it('ignores private calls', () => {
    const state = testState([testCall('a', { kind: 'private', groupId: undefined, peerId: BOB })]);
    expect(activeGroupCall(state, GROUP)).toBeUndefined();
  });
});

describe('ringingCalls and liveCalls', () => {
  it('lists only incoming ringing calls as ringing', () => {
    const state = testState([
      testCall('in', { direction: 'incoming', state: 'ringing', kind: 'private' }),
      testCall('out', { state: 'calling' }),
    ]);
    expect(ringingCalls(state).map((c) => c.id)).toEqual(['in']);
  });

  it('leaves failed and ended calls out of live calls', () => {
    const state = testState([
      testCall('a', { state: 'failed' }),
      testCall('b', { state: 'ended' }),
      testCall('c', { state: 'ringing' }),
    ]);
    expect(liveCalls(state).map((c) => c.id)).toEqual(['c']);
  });
});

describe('inConversation', () => {
  it('puts a received private message in the sender conversation', () => {
    expect(inConversation(message({}), { kind: 'user', id: BOB })).toBe(true);
    expect(inConversation(message({}), { kind: 'user', id: ALICE })).toBe(false);
  });

  it('puts a sent private message in the recipient conversation', () => {
    const sent = message({
      direction: 'out',
      from: ALICE,
      conversation: { kind: 'user', id: BOB },
    });
    expect(inConversation(sent, { kind: 'user', id: BOB })).toBe(true);
  });

  it('keeps group messages out of private conversations', () => {
    const toGroup = message({ conversation: { kind: 'group', id: GROUP } });
    expect(inConversation(toGroup, { kind: 'group', id: GROUP })).toBe(true);
    expect(inConversation(toGroup, { kind: 'user', id: BOB })).toBe(false);
  });
});

describe('selectionAfter', () => {
  it('opens the sender chat for a received private message', () => {
    expect(selectionAfter({ kind: 'group', id: GROUP }, message({}))).toEqual({
      kind: 'user',
      id: BOB,
    });
  });

  it('keeps an open private chat and the group of a group message', () => {
    const other = { kind: 'user', id: 'sip:carol@mcptt.example' } as const;
    expect(selectionAfter(other, message({}))).toBe(other);
    const toGroup = message({ conversation: { kind: 'group', id: GROUP } });
    expect(selectionAfter({ kind: 'group', id: GROUP }, toGroup)).toEqual({
      kind: 'group',
      id: GROUP,
    });
  });
});

describe('appendRecord', () => {
  it('puts the newest record first and caps the list', () => {
    const record = (id: string): SecurityRecord => ({
      id,
      direction: 'in',
      method: 'MESSAGE',
      callId: id,
      summary: '',
      plaintext: '',
      security: undefined,
      at: new Date(0),
    });
    let records: SecurityRecord[] = [];
    for (let i = 0; i <= MAX_SECURITY_RECORDS; i++) {
      records = appendRecord(records, record(String(i)));
    }
    expect(records).toHaveLength(MAX_SECURITY_RECORDS);
    expect(records[0]?.id).toBe(String(MAX_SECURITY_RECORDS));

    // A record with a listed id replaces that one in its place.
    const failed = { ...record('150'), failure: '408 Request Timeout' };
    const replaced = appendRecord(records, failed);
    expect(replaced).toHaveLength(MAX_SECURITY_RECORDS);
    expect(replaced[50]).toBe(failed);
    expect(replaced[0]?.id).toBe(String(MAX_SECURITY_RECORDS));
  });
});

describe('droppedCallNotice', () => {
  const peers = [{ id: BOB, name: 'Bob' }];
  const confirmed = testCall('p', { kind: 'private', groupId: undefined, peerId: BOB });

  it('names a call that failed once set up', () => {
    const state = testState([confirmed], { peers });
    const failed = {
      ...confirmed,
      state: 'failed' as const,
      reason: 'the media connection failed',
    };
    expect(droppedCallNotice(state, failed)?.message).toBe(
      'The private call with Bob ended: the media connection failed.',
    );
  });

  it('leaves set-up failures and hang-ups alone', () => {
    const calling = { ...confirmed, state: 'calling' as const };
    const failed = { ...confirmed, state: 'failed' as const, reason: '480' };
    expect(droppedCallNotice(testState([calling], { peers }), failed)).toBeUndefined();
    const ended = { ...confirmed, state: 'ended' as const };
    expect(droppedCallNotice(testState([confirmed], { peers }), ended)).toBeUndefined();
  });
});

describe('revoked talk burst', () => {
  const revoked = { phase: 'revoked', cause: 2 } as const;
  const granted = testCall('g', {
    floor: { phase: 'granted', maxTalkSeconds: 30, emergency: false },
  });

  it('shows the revoke until the release', () => {
    let state = testState([granted], { talking: true });
    state = { ...state, ...withCall(state, { ...granted, floor: revoked }) };
    const idle = { ...granted, floor: { phase: 'idle' } as const };
    state = { ...state, ...withCall(state, idle) };
    expect(shownFloor(state, idle)).toEqual(revoked);

    state = { ...state, talking: false, revokedTalk: undefined };
    expect(shownFloor(state, idle)).toEqual({ phase: 'idle' });
  });

  it('keeps no revoke without a held button', () => {
    const state = testState([granted]);
    expect(withCall(state, { ...granted, floor: revoked }).revokedTalk).toBeUndefined();
  });

  it('shows the revoke of its own call only', () => {
    let state = testState([granted], { talking: true });
    state = { ...state, ...withCall(state, { ...granted, floor: revoked }) };
    const other = testCall('other', { floor: { phase: 'idle' } });
    expect(shownFloor(state, other)).toEqual({ phase: 'idle' });
  });
});

describe('resolveNotice', () => {
  const notice = {
    message: 'Private call to Bob failed',
    detail: '480',
    source: 'Private call to Bob',
  };

  it('clears the notice of the action', () => {
    expect(resolveNotice(testState([], { notice }), 'Private call to Bob')).toEqual({
      notice: undefined,
    });
  });

  it('keeps the notice of another action', () => {
    expect(resolveNotice(testState([], { notice }), 'Group call')).toEqual({});
  });
});

describe('callConversation', () => {
  it('returns the group of a group call', () => {
    expect(callConversation(testCall('a'))).toEqual({ kind: 'group', id: GROUP });
  });

  it('returns the other user of a private call', () => {
    const call = testCall('a', { kind: 'private', groupId: undefined, peerId: BOB });
    expect(callConversation(call)).toEqual({ kind: 'user', id: BOB });
  });

  it('returns undefined without an ID', () => {
    const call = testCall('a', { kind: 'private', groupId: undefined, peerId: undefined });
    expect(callConversation(call)).toBeUndefined();
  });
});
