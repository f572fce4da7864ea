import { describe, expect, it } from 'vitest';
import type { CallInfo, SecurityRecord, ShortDataMessage } from '../src/client.js';
import {
  activeGroupCall,
  appendRecord,
  inConversation,
  liveCalls,
  MAX_SECURITY_RECORDS,
  ringingCalls,
  selectionAfter,
  type AppState,
} from '../src/store.js';

const group = 'sip:fire-1@mcptt.example';
const alice = 'sip:alice@mcptt.example';
const bob = 'sip:bob@mcptt.example';

function call(id: string, fields: Partial<CallInfo>): CallInfo {
  return {
    id,
    kind: 'group',
    direction: 'outgoing',
    groupId: group,
    peerId: undefined,
    emergency: false,
    state: 'confirmed',
    reason: undefined,
    ...fields,
  };
}

function stateWith(calls: CallInfo[]): AppState {
  return {
    userId: alice,
    displayName: 'Alice',
    registration: 'registered',
    registrationReason: undefined,
    groups: [],
    peers: [],
    selected: undefined,
    calls: new Map(calls.map((c) => [c.id, c])),
    talkers: new Map(),
    talking: false,
    messages: [],
    records: [],
    notice: undefined,
  };
}

function message(fields: Partial<ShortDataMessage>): ShortDataMessage {
  return {
    id: '1',
    direction: 'in',
    from: bob,
    conversation: { kind: 'user', id: alice },
    text: 'hi',
    at: new Date(0),
    ...fields,
  };
}

describe('activeGroupCall', () => {
  it('skips ended calls of the group', () => {
    const state = stateWith([call('a', { state: 'ended' }), call('b', { state: 'calling' })]);
    expect(activeGroupCall(state, group)?.id).toBe('b');
  });

  it('returns undefined for another group', () => {
    expect(activeGroupCall(stateWith([call('a', {})]), 'sip:other@mcptt.example')).toBeUndefined();
  });

  it('ignores private calls', () => {
    const state = stateWith([call('a', { kind: 'private', groupId: undefined, peerId: bob })]);
    expect(activeGroupCall(state, group)).toBeUndefined();
  });
});

describe('ringingCalls and liveCalls', () => {
  it('lists only incoming ringing calls as ringing', () => {
    const state = stateWith([
      call('in', { direction: 'incoming', state: 'ringing', kind: 'private' }),
      call('out', { state: 'calling' }),
    ]);
    expect(ringingCalls(state).map((c) => c.id)).toEqual(['in']);
  });

  it('leaves failed and ended calls out of live calls', () => {
    const state = stateWith([
      call('a', { state: 'failed' }),
      call('b', { state: 'ended' }),
      call('c', { state: 'ringing' }),
    ]);
    expect(liveCalls(state).map((c) => c.id)).toEqual(['c']);
  });
});

describe('inConversation', () => {
  it('puts a received private message in the sender conversation', () => {
    expect(inConversation(message({}), { kind: 'user', id: bob })).toBe(true);
    expect(inConversation(message({}), { kind: 'user', id: alice })).toBe(false);
  });

  it('puts a sent private message in the recipient conversation', () => {
    const sent = message({
      direction: 'out',
      from: alice,
      conversation: { kind: 'user', id: bob },
    });
    expect(inConversation(sent, { kind: 'user', id: bob })).toBe(true);
  });

  it('keeps group messages out of private conversations', () => {
    const toGroup = message({ conversation: { kind: 'group', id: group } });
    expect(inConversation(toGroup, { kind: 'group', id: group })).toBe(true);
    expect(inConversation(toGroup, { kind: 'user', id: bob })).toBe(false);
  });
});

describe('selectionAfter', () => {
  it('opens the sender chat for a received private message', () => {
    expect(selectionAfter({ kind: 'group', id: group }, message({}))).toEqual({
      kind: 'user',
      id: bob,
    });
  });

  it('keeps an open private chat and the group of a group message', () => {
    const other = { kind: 'user', id: 'sip:carol@mcptt.example' } as const;
    expect(selectionAfter(other, message({}))).toBe(other);
    const toGroup = message({ conversation: { kind: 'group', id: group } });
    expect(selectionAfter({ kind: 'group', id: group }, toGroup)).toEqual({
      kind: 'group',
      id: group,
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
  });
});
