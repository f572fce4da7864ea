/**
 * The emergency state of a group call: the originator cancels it with a signed UPDATE, the
 * server's signed UPDATE cancels it at every participant, and a joining caller learns it from
 * the signed 2xx response.
 */
import { describe, expect, it } from 'vitest';
import { SipMessage, unprotectMessage, utf8Decode, utf8Encode } from '@mcptt-smime/smime';

import { attachParts } from '../src/core/multipart-bridge.js';
import { buildMcpttInfo, parseMcpttInfo } from '../src/mcptt/mcptt-info.js';
import { MCPTT_INFO_TYPE } from '../src/mcptt/media-types.js';
import { useCallHooks } from './helpers/call-hooks.js';
import {
  ALICE,
  MALLORY,
  SERVER,
  SERVER_FINGERPRINT,
  answer,
  requestInDialog,
  establishedCall,
  sent,
  startCall,
} from './helpers/group-call.js';
import { testCrypto } from './helpers/pki.js';
import { responseTo } from './helpers/sip-samples.js';
import { until } from './helpers/until.js';

const stops = useCallHooks();

const cancellation = [{ contentType: MCPTT_INFO_TYPE, body: buildMcpttInfo({ emergency: false }) }];

/** Builds an UPDATE without SDP from `uri` inside the dialog of `invite`, with `emergency-ind` false. */
function updateFrom(invite: SipMessage, uri: string): SipMessage {
  return attachParts(requestInDialog(invite, uri, 'UPDATE', 8), cancellation, testCrypto);
}

/** Returns the server's signed 200 OK to `update` that confirms the end of the emergency. */
async function confirmation(
  update: string,
  sign: (name: string, message: SipMessage) => Promise<string>,
): Promise<string> {
  const ok = SipMessage.parse(utf8Encode(responseTo(update, '200 OK')));
  return sign('bob', attachParts(ok, cancellation, testCrypto));
}

/** Starts an emergency call, accepts it as the server and records the emergency changes. */
async function emergencyCall() {
  const started = await establishedCall(stops, { emergency: true });
  const changes: boolean[] = [];
  started.call.delegate = { onEmergencyChange: (emergency) => changes.push(emergency) };
  return { ...started, changes };
}

describe('cancelEmergency', () => {
  it('sends a signed UPDATE with emergency-ind false', async () => {
    const { socket, call, changes, stores, sign } = await emergencyCall();

    const cancelled = call.cancelEmergency();
    await until(() => sent(socket, 'UPDATE ').length === 1);
    const update = sent(socket, 'UPDATE ')[0] ?? '';
    const opened = await unprotectMessage(SipMessage.parse(utf8Encode(update)), {
      crypto: testCrypto,
      identity: await stores.pki.identity('bob'),
      trustAnchors: [stores.pki.caCertificate],
      now: stores.now,
    });
    socket.receive(await confirmation(update, sign));
    await cancelled;

    expect(opened.security.signerUri).toBe(ALICE);
    expect(opened.security.encrypted).toBe(true);
    expect(parseMcpttInfo(utf8Decode(opened.parts[0]?.decodedBody() ?? new Uint8Array()))).toEqual({
      emergency: false,
    });
    expect(call.emergency).toBe(false);
    expect(changes).toEqual([false]);
  });

  it('keeps the emergency on a 200 OK in clear', async () => {
    const { socket, call, changes } = await emergencyCall();

    const cancelled = call.cancelEmergency();
    await until(() => sent(socket, 'UPDATE ').length === 1);
    socket.receive(responseTo(sent(socket, 'UPDATE ')[0] ?? '', '200 OK'));

    await expect(cancelled).rejects.toMatchObject({ code: 'ERR_DOWNGRADE', sipStatus: 403 });
    expect(call.emergency).toBe(true);
    expect(changes).toEqual([]);
  });

  it('sends nothing later for a cancellation that never left', async () => {
    const { socket, call } = await emergencyCall();
    socket.disconnect();

    await expect(call.cancelEmergency()).rejects.toMatchObject({ sipStatus: 503 });
    socket.connect();
    expect(call.sendParts([{ contentType: 'text/plain', body: 'later' }])).toBe(true);
    await until(() => sent(socket, 'UPDATE ').length === 1);

    expect(sent(socket, 'UPDATE ')[0]).not.toContain(MCPTT_INFO_TYPE);
  });

  it('rejects while another UPDATE waits to leave', async () => {
    const { call } = await emergencyCall();

    expect(call.sendParts([{ contentType: 'text/plain', body: 'first' }])).toBe(true);

    await expect(call.cancelEmergency()).rejects.toThrow('another UPDATE of the call is pending');
    expect(call.emergency).toBe(true);
  });

  it('keeps the emergency when the server rejects it', async () => {
    const { socket, call, changes } = await emergencyCall();

    const cancelled = call.cancelEmergency();
    await until(() => sent(socket, 'UPDATE ').length === 1);
    socket.receive(responseTo(sent(socket, 'UPDATE ')[0] ?? '', '403 Forbidden'));

    await expect(cancelled).rejects.toMatchObject({ code: 'ERR_REQUEST_FAILED', sipStatus: 403 });
    expect(call.emergency).toBe(true);
    expect(call.state).toBe('established');
    expect(changes).toEqual([]);
  });

  it('rejects for an ordinary call', async () => {
    const { socket, call } = await establishedCall(stops);

    await expect(call.cancelEmergency()).rejects.toThrow(
      new TypeError('the call is not an emergency call'),
    );
    expect(sent(socket, 'UPDATE ')).toEqual([]);
  });

  it('rejects before the call is established', async () => {
    const { call } = await startCall(stops, { emergency: true });

    await expect(call.cancelEmergency()).rejects.toThrow('the call is not established');
  });
});

describe('an emergency cancellation from the far end', () => {
  it('ends the emergency when the server signed it', async () => {
    const { socket, call, changes, invite, sign } = await emergencyCall();

    socket.receive(await sign('bob', updateFrom(invite, SERVER)));

    await until(() => changes.length === 1);
    expect(call.emergency).toBe(false);
    expect(changes).toEqual([false]);
    await until(() => sent(socket, 'SIP/2.0 ').length === 1);
    expect(sent(socket, 'SIP/2.0 ')[0]?.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
  });

  it('is rejected from another user', async () => {
    const { socket, call, changes, invite, sign } = await emergencyCall();

    socket.receive(await sign('mallory', updateFrom(invite, MALLORY)));

    await until(() => sent(socket, 'SIP/2.0 ').length === 1);
    expect(sent(socket, 'SIP/2.0 ')[0]?.split('\r\n')[0]).toBe('SIP/2.0 403 Forbidden');
    expect(call.emergency).toBe(true);
    expect(changes).toEqual([]);
  });
});

describe('a joined emergency call', () => {
  /** Starts a call that the server's signed 200 OK reports as an emergency call. */
  async function joinedCall() {
    const started = await startCall(stops);
    const changes: boolean[] = [];
    started.call.delegate = { onEmergencyChange: (emergency) => changes.push(emergency) };
    const emergency = [{ contentType: MCPTT_INFO_TYPE, body: buildMcpttInfo({ emergency: true }) }];
    const answered = attachParts(
      answer(started.invite, SERVER, SERVER_FINGERPRINT),
      emergency,
      testCrypto,
    );
    const ok = await started.sign('bob', answered);
    started.socket.receive(ok);
    await started.call.established();
    return { ...started, changes, ok };
  }

  it('is an emergency call from the signed 200 OK', async () => {
    const { call, changes } = await joinedCall();

    expect(call.emergency).toBe(true);
    expect(changes).toEqual([true]);
  });

  it('stays cancelled when the 200 OK comes again', async () => {
    const { socket, call, changes, invite, sign, ok } = await joinedCall();
    socket.receive(await sign('bob', updateFrom(invite, SERVER)));
    await until(() => changes.length === 2);

    socket.receive(ok);
    // JsSIP acknowledges the repeated 2xx, after the SDK has read it.
    await until(() => sent(socket, 'ACK ').length === 2);

    expect(call.emergency).toBe(false);
    expect(changes).toEqual([true, false]);
  });
});
