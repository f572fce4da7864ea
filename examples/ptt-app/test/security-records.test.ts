import { describe, expect, it } from 'vitest';
import { buildMcpttInfo, type CallPartsEvent, type IncomingCallEvent } from '@mcptt-smime/sdk';
import type { SecurityRecord } from '../src/client.js';
import {
  describeCallUpdate,
  describeEmergencyEnd,
  describeIncomingCall,
  SecurityRecorder,
} from '../src/security-records.js';
import type { WireMessage } from '../src/wire-socket.js';
import { ALICE, BOB, GROUP, testCall } from './app-state.js';

const SERVER = 'sip:mcptt-server@mcptt.example';

function wire(method: string, callId: string): WireMessage {
  return { direction: 'out', method, callId, protected: true, hasBody: true };
}

function recorder(): { records: SecurityRecord[]; recorder: SecurityRecorder } {
  const records: SecurityRecord[] = [];
  return { records, recorder: new SecurityRecorder(ALICE, (record) => records.push(record)) };
}

describe('SecurityRecorder', () => {
  it('records a sent request with its plaintext', () => {
    const { records, recorder: security } = recorder();
    security.expect('PUBLISH', 'Affiliation', `Affiliated groups:\n${GROUP}`);
    security.sent(wire('PUBLISH', 'c1'));
    expect(records).toHaveLength(1);
    expect(records[0]?.summary).toBe('Affiliation');
    expect(records[0]?.callId).toBe('c1');
    expect(records[0]?.failure).toBeUndefined();
  });

  it('marks a sent request that failed', () => {
    const { records, recorder: security } = recorder();
    const publish = security.expect('PUBLISH', 'Affiliation', '');
    security.sent(wire('PUBLISH', 'c1'));
    security.fail(publish, '408 Request Timeout');
    expect(records).toHaveLength(2);
    expect(records[1]?.id).toBe(records[0]?.id);
    expect(records[1]?.failure).toBe('408 Request Timeout');
  });

  it('forgets a request that was never sent', () => {
    const { records, recorder: security } = recorder();
    const lost = security.expect('MESSAGE', 'Short data to first', 'first');
    security.expect('MESSAGE', 'Short data to second', 'second');
    security.fail(lost, '503 Service Unavailable');
    security.sent(wire('MESSAGE', 'c2'));
    expect(records.map((record) => record.summary)).toEqual(['Short data to second']);
  });

  it('forgets a request whose start threw', () => {
    const { records, recorder: security } = recorder();
    const lost = security.expect('INVITE', 'Group call to first', 'first');
    const start = () =>
      security.attempt(lost, () => {
        throw new Error('503 Service Unavailable');
      });

    expect(start).toThrow('503 Service Unavailable');
    security.expect('INVITE', 'Private call to second', 'second');
    security.sent(wire('INVITE', 'c2'));
    expect(records.map((record) => record.summary)).toEqual(['Private call to second']);
  });

  it('keeps a request whose start returned', () => {
    const { records, recorder: security } = recorder();
    const invite = security.expect('INVITE', 'Group call to first', 'first');

    expect(security.attempt(invite, () => 'call')).toBe('call');
    security.sent(wire('INVITE', 'c1'));
    expect(records.map((record) => record.summary)).toEqual(['Group call to first']);
  });

  it('skips messages in clear and received ones', () => {
    const { records, recorder: security } = recorder();
    security.expect('MESSAGE', 'Short data', 'text');
    security.sent({ ...wire('MESSAGE', 'c1'), protected: false });
    security.sent({ ...wire('MESSAGE', 'c2'), direction: 'in' });
    expect(records).toEqual([]);
  });
});

describe('describeIncomingCall', () => {
  /** Returns an incoming call from the server, with the fields that the summary reads. */
  function event(fields: Partial<IncomingCallEvent>): IncomingCallEvent {
    return { from: SERVER, kind: 'private', info: undefined, ...fields } as IncomingCallEvent;
  }

  it('names the caller that mcptt-info gives', () => {
    const call = event({ info: { sessionType: 'private', callingUserId: BOB } });
    expect(describeIncomingCall(call)).toBe(`Private call from ${BOB}`);
  });

  it('names the group and the emergency', () => {
    const call = event({
      kind: 'group',
      info: { callingUserId: BOB, callingGroupId: GROUP, emergency: true },
    });
    expect(describeIncomingCall(call)).toBe(`Emergency group call to ${GROUP} from ${BOB}`);
  });

  it('falls back to the From header', () => {
    expect(describeIncomingCall(event({}))).toBe(`Private call from ${SERVER}`);
  });
});

describe('describeCallUpdate', () => {
  function update(parts: CallPartsEvent['parts']): CallPartsEvent {
    return { method: 'UPDATE', status: undefined, parts } as unknown as CallPartsEvent;
  }
  const mcpttInfo = 'application/vnd.3gpp.mcptt-info+xml';

  it('names the end of an emergency', () => {
    const body = buildMcpttInfo({ emergency: false });
    const call = testCall('c1', { emergency: false, direction: 'incoming' });
    expect(describeCallUpdate(call, update([{ contentType: mcpttInfo, body }]))).toEqual({
      summary: `Emergency ended in the group call to ${GROUP}`,
      plaintext: 'emergency: false',
    });
  });

  it('names an emergency upgrade', () => {
    const body = buildMcpttInfo({ emergency: true });
    const call = testCall('c1', { direction: 'incoming' });
    expect(describeCallUpdate(call, update([{ contentType: mcpttInfo, body }])).summary).toBe(
      `Emergency upgrade of the group call to ${GROUP}`,
    );
  });

  it('names the method of another update', () => {
    const call = testCall('c1', { kind: 'private', groupId: undefined, peerId: BOB });
    const parts = [{ contentType: 'text/plain', body: 'press' }];
    expect(describeCallUpdate(call, update(parts))).toEqual({
      summary: 'UPDATE in the private call',
      plaintext: 'press',
    });
  });

  it('shows unreadable mcptt-info as it came', () => {
    const call = testCall('c1');
    const parts = [{ contentType: mcpttInfo, body: '<mcpttinfo' }];
    expect(describeCallUpdate(call, update(parts))).toEqual({
      summary: `UPDATE in the group call to ${GROUP}`,
      plaintext: '<mcpttinfo',
    });
  });
});

describe('describeEmergencyEnd', () => {
  it('names the group of a call that the user joined', () => {
    // The server's INVITE names the group as the calling group, so the call's own mcptt-info
    // has no request URI, and only the app's record of the call contains the group.
    const call = testCall('c1', { emergency: true, direction: 'incoming', peerId: BOB });
    expect(describeEmergencyEnd(call)).toBe(`End of the emergency in the group call to ${GROUP}`);
  });

  it('names the group of a call that the user started', () => {
    const call = testCall('c1', { emergency: true, emergencyCaller: true });
    expect(describeEmergencyEnd(call)).toBe(`End of the emergency in the group call to ${GROUP}`);
  });
});
