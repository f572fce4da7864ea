/**
 * The upgrade of a running group call to an emergency call. This client requests it with a signed
 * UPDATE and waits for the server's signed confirmation. The server's signed UPDATE upgrades the
 * call at the other participants, and the upgrader may cancel the emergency later.
 */
import { describe, expect, it } from 'vitest';
import { SipMessage, unprotectMessage, utf8Decode, utf8Encode } from '@mcptt-smime/smime';

import { attachParts } from '../src/core/multipart-bridge.js';
import { buildMcpttInfo, parseMcpttInfo } from '../src/mcptt/mcptt-info.js';
import { MCPTT_INFO_TYPE } from '../src/mcptt/media-types.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { ALICE as PEER_ALICE, BOB, startPair } from './helpers/clients.js';
import {
  ALICE,
  MALLORY,
  SERVER,
  establishedCall,
  requestInDialog,
  sent,
  startCall,
} from './helpers/group-call.js';
import { testCrypto } from './helpers/pki.js';
import { responseTo } from './helpers/sip-samples.js';
import { until } from './helpers/until.js';

const stops = useCallHooks();

/** Returns the mcptt-info part with `emergency-ind` set to `emergency`. */
function emergencyParts(emergency: boolean) {
  return [{ contentType: MCPTT_INFO_TYPE, body: buildMcpttInfo({ emergency }) }];
}

/** Returns the signed 200 OK of the server to `update` whose mcptt-info has `emergency`. */
async function confirmation(
  update: string,
  sign: (name: string, message: SipMessage) => Promise<string>,
  emergency: boolean,
): Promise<string> {
  const ok = SipMessage.parse(utf8Encode(responseTo(update, '200 OK')));
  return sign('bob', attachParts(ok, emergencyParts(emergency), testCrypto));
}

/** Starts an ordinary group call, accepts it as the server and records the emergency changes. */
async function ordinaryCall() {
  const started = await establishedCall(stops);
  const changes: boolean[] = [];
  started.call.delegate = { onEmergencyChange: (emergency) => changes.push(emergency) };
  return { ...started, changes };
}

/** Upgrades the call of `started`, confirms it as the server, and returns the UPDATE sent. */
async function upgraded(started: Awaited<ReturnType<typeof ordinaryCall>>): Promise<string> {
  const { socket, call, sign } = started;
  const before = sent(socket, 'UPDATE ').length;
  const upgrading = call.upgradeToEmergency();
  await until(() => sent(socket, 'UPDATE ').length === before + 1);
  const update = sent(socket, 'UPDATE ')[before] ?? '';
  socket.receive(await confirmation(update, sign, true));
  await upgrading;
  return update;
}

/** Upgrades the call of `started` as the server's signed UPDATE does for another participant. */
async function upgradedElsewhere(started: Awaited<ReturnType<typeof ordinaryCall>>) {
  const { socket, call, invite, sign } = started;
  const update = requestInDialog(invite, SERVER, 'UPDATE', 8);
  socket.receive(await sign('bob', attachParts(update, emergencyParts(true), testCrypto)));
  await until(() => call.emergency);
}

describe('upgradeToEmergency', () => {
  it('sends a signed UPDATE with emergency-ind true', async () => {
    const started = await ordinaryCall();
    const { call, changes, stores } = started;

    const update = await upgraded(started);
    const opened = await unprotectMessage(SipMessage.parse(utf8Encode(update)), {
      crypto: testCrypto,
      identity: await stores.pki.identity('bob'),
      trustAnchors: [stores.pki.caCertificate],
      now: stores.now,
    });

    expect(opened.message.getHeader('Content-Type')).not.toContain('application/sdp');
    expect(opened.security.signerUri).toBe(ALICE);
    expect(opened.security.encrypted).toBe(true);
    expect(parseMcpttInfo(utf8Decode(opened.parts[0]?.decodedBody() ?? new Uint8Array()))).toEqual({
      emergency: true,
    });
    expect(call.emergency).toBe(true);
    expect(call.emergencyStartedHere).toBe(true);
    expect(changes).toEqual([true]);
  });

  it.each([
    ['a 200 OK in clear', '200 OK', 'ERR_DOWNGRADE'],
    ['a rejection', '403 Forbidden', 'ERR_REQUEST_FAILED'],
  ])('keeps the call ordinary after %s', async (_case, status, code) => {
    const { socket, call, changes } = await ordinaryCall();

    const upgrading = call.upgradeToEmergency();
    await until(() => sent(socket, 'UPDATE ').length === 1);
    socket.receive(responseTo(sent(socket, 'UPDATE ')[0] ?? '', status));

    await expect(upgrading).rejects.toMatchObject({ code, sipStatus: 403 });
    expect(call.emergency).toBe(false);
    expect(call.state).toBe('established');
    expect(changes).toEqual([]);
  });

  // The SDK gives JsSIP no digest credentials, so JsSIP does not send the UPDATE again.
  it('rejects with the status of a digest challenge', async () => {
    const { socket, call } = await ordinaryCall();
    const challenge = 'Proxy-Authenticate: Digest realm="mcptt.example", nonce="5f2a", qop="auth"';

    const upgrading = call.upgradeToEmergency();
    await until(() => sent(socket, 'UPDATE ').length === 1);
    const update = sent(socket, 'UPDATE ')[0] ?? '';
    socket.receive(responseTo(update, '407 Proxy Authentication Required', [challenge]));

    await expect(upgrading).rejects.toMatchObject({ code: 'ERR_REQUEST_FAILED', sipStatus: 407 });
    expect(sent(socket, 'UPDATE ')).toHaveLength(1);
    expect(call.emergency).toBe(false);
  });

  it('rejects a signed 200 OK without the emergency', async () => {
    const { socket, call, changes, sign } = await ordinaryCall();

    const upgrading = call.upgradeToEmergency();
    await until(() => sent(socket, 'UPDATE ').length === 1);
    socket.receive(await confirmation(sent(socket, 'UPDATE ')[0] ?? '', sign, false));

    await expect(upgrading).rejects.toMatchObject({ code: 'ERR_DOWNGRADE', sipStatus: 403 });
    expect(call.emergency).toBe(false);
    expect(changes).toEqual([]);
  });

  it('ignores an old confirmation while a new upgrade waits', async () => {
    const started = await ordinaryCall();
    const { socket, call, changes, sign } = started;
    const first = sent(socket, 'UPDATE ').length;
    await upgraded(started);
    const replayed = await confirmation(sent(socket, 'UPDATE ')[first] ?? '', sign, true);
    const cancelled = call.cancelEmergency();
    await until(() => sent(socket, 'UPDATE ').length === first + 2);
    socket.receive(await confirmation(sent(socket, 'UPDATE ')[first + 1] ?? '', sign, false));
    await cancelled;
    const read: (number | undefined)[] = [];
    call.delegate = {
      onEmergencyChange: (emergency) => changes.push(emergency),
      onParts: (event) => read.push(event.status),
    };

    const upgrading = call.upgradeToEmergency();
    await until(() => sent(socket, 'UPDATE ').length === first + 3);
    // The SIP core replays the signed confirmation of the first upgrade.
    socket.receive(replayed);
    await until(() => read.length === 1);
    socket.receive(responseTo(sent(socket, 'UPDATE ')[first + 2] ?? '', '403 Forbidden'));

    await expect(upgrading).rejects.toMatchObject({ code: 'ERR_REQUEST_FAILED', sipStatus: 403 });
    expect(call.emergency).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('sends nothing later for an upgrade that never left', async () => {
    const { socket, call } = await ordinaryCall();
    socket.disconnect();

    await expect(call.upgradeToEmergency()).rejects.toMatchObject({
      code: 'ERR_REQUEST_FAILED',
      sipStatus: 503,
    });
    socket.connect();
    expect(call.sendParts([{ contentType: 'text/plain', body: 'later' }])).toBe(true);
    await until(() => sent(socket, 'UPDATE ').length === 1);

    expect(sent(socket, 'UPDATE ')[0]).not.toContain(MCPTT_INFO_TYPE);
    expect(call.emergency).toBe(false);
  });

  it('rejects while another UPDATE waits to leave', async () => {
    const { call } = await ordinaryCall();

    expect(call.sendParts([{ contentType: 'text/plain', body: 'first' }])).toBe(true);

    await expect(call.upgradeToEmergency()).rejects.toThrow(
      'another UPDATE of the call is pending',
    );
    expect(call.emergency).toBe(false);
  });

  it('rejects while the upgrade waits for its response', async () => {
    const { socket, call } = await ordinaryCall();

    const first = call.upgradeToEmergency();
    await until(() => sent(socket, 'UPDATE ').length === 1);

    await expect(call.upgradeToEmergency()).rejects.toThrow(
      'another UPDATE of the call is pending',
    );
    socket.receive(responseTo(sent(socket, 'UPDATE ')[0] ?? '', '403 Forbidden'));
    await expect(first).rejects.toMatchObject({ sipStatus: 403 });
    expect(sent(socket, 'UPDATE ')).toHaveLength(1);
  });

  it('rejects its own emergency call', async () => {
    const { socket, call } = await establishedCall(stops, { emergency: true });

    await expect(call.upgradeToEmergency()).rejects.toThrow(
      'the call is an emergency call started here already',
    );
    expect(sent(socket, 'UPDATE ')).toEqual([]);
  });

  it("requests the priority in another's emergency", async () => {
    const started = await ordinaryCall();
    const { call, changes } = started;
    await upgradedElsewhere(started);

    const sentUpdate = await upgraded(started);

    expect(sentUpdate).toContain('UPDATE ');
    expect(call.emergency).toBe(true);
    expect(call.emergencyStartedHere).toBe(false);
    expect(changes).toEqual([true]);
  });

  // The server took another participant's upgrade first, and its UPDATE about it arrives after
  // the confirmation of this client's request, which got the priority only.
  it('yields to an earlier upgrade elsewhere', async () => {
    const started = await ordinaryCall();
    const { call, changes } = started;
    await upgraded(started);
    expect(call.emergencyStartedHere).toBe(true);

    const { socket, invite, sign } = started;
    const update = requestInDialog(invite, SERVER, 'UPDATE', 8);
    socket.receive(await sign('bob', attachParts(update, emergencyParts(true), testCrypto)));
    await until(() => !call.emergencyStartedHere);

    expect(call.emergency).toBe(true);
    // The emergency itself did not change, so the delegate hears nothing.
    expect(changes).toEqual([true]);
  });

  it('rejects before the call is established', async () => {
    const { call } = await startCall(stops);

    await expect(call.upgradeToEmergency()).rejects.toThrow('the call is not established');
  });

  it('rejects a private call', async () => {
    const started = await startPair({ bob: { onIncomingCall: (event) => event.call.accept() } });
    stops.push(started.stop);
    const call = started.alice.startPrivateCall({ target: BOB, calleeId: BOB });
    await call.established();

    await expect(call.upgradeToEmergency()).rejects.toThrow('the call is not a group call');
    expect(call.emergency).toBe(false);
  });
});

describe('cancelEmergency after an upgrade', () => {
  it('ends the emergency for the upgrader', async () => {
    const started = await ordinaryCall();
    const { socket, call, changes, sign } = started;
    await upgraded(started);

    const cancelled = call.cancelEmergency();
    await until(() => sent(socket, 'UPDATE ').length === 2);
    socket.receive(await confirmation(sent(socket, 'UPDATE ')[1] ?? '', sign, false));
    await cancelled;

    expect(call.emergency).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('keeps a later upgrade when an old 200 OK comes again', async () => {
    const started = await establishedCall(stops, { emergency: true });
    const { socket, call, sign } = started;
    const cancelled = call.cancelEmergency();
    await until(() => sent(socket, 'UPDATE ').length === 1);
    const ended = await confirmation(sent(socket, 'UPDATE ')[0] ?? '', sign, false);
    socket.receive(ended);
    await cancelled;
    const changes: boolean[] = [];
    const read: (number | undefined)[] = [];
    call.delegate = {
      onEmergencyChange: (emergency) => changes.push(emergency),
      onParts: (event) => read.push(event.status),
    };
    await upgraded({ ...started, changes });
    const readBefore = read.length;

    // The SIP core replays the signed confirmation of the cancellation.
    socket.receive(ended);
    await until(() => read.length === readBefore + 1);

    expect(call.emergency).toBe(true);
    expect(changes).toEqual([true]);
  });

  it("sends another participant's cancellation to the server", async () => {
    const started = await ordinaryCall();
    const { socket, call } = started;
    await upgradedElsewhere(started);
    expect(call.emergencyStartedHere).toBe(false);

    const cancelled = call.cancelEmergency();
    await until(() => sent(socket, 'UPDATE ').length === 1);
    socket.receive(responseTo(sent(socket, 'UPDATE ')[0] ?? '', '403 Forbidden'));

    await expect(cancelled).rejects.toMatchObject({ code: 'ERR_REQUEST_FAILED', sipStatus: 403 });
    expect(call.emergency).toBe(true);
  });

  it('lets an authorised participant end it', async () => {
    const started = await ordinaryCall();
    const { socket, call, sign, changes } = started;
    await upgradedElsewhere(started);

    const cancelled = call.cancelEmergency();
    await until(() => sent(socket, 'UPDATE ').length === 1);
    socket.receive(await confirmation(sent(socket, 'UPDATE ')[0] ?? '', sign, false));
    await cancelled;

    expect(call.emergency).toBe(false);
    expect(changes).toEqual([true, false]);
  });
});

describe('an emergency upgrade from the far end', () => {
  it('upgrades the call when the server signed it', async () => {
    const { socket, call, changes, invite, sign } = await ordinaryCall();
    const update = requestInDialog(invite, SERVER, 'UPDATE', 8);

    socket.receive(await sign('bob', attachParts(update, emergencyParts(true), testCrypto)));

    await until(() => changes.length === 1);
    expect(call.emergency).toBe(true);
    expect(changes).toEqual([true]);
    await until(() => sent(socket, 'SIP/2.0 ').length === 1);
    expect(sent(socket, 'SIP/2.0 ')[0]?.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
  });

  it('is rejected from another user', async () => {
    const { socket, call, changes, invite, sign } = await ordinaryCall();
    const update = requestInDialog(invite, MALLORY, 'UPDATE', 8);

    socket.receive(await sign('mallory', attachParts(update, emergencyParts(true), testCrypto)));

    await until(() => sent(socket, 'SIP/2.0 ').length === 1);
    expect(sent(socket, 'SIP/2.0 ')[0]?.split('\r\n')[0]).toBe('SIP/2.0 403 Forbidden');
    expect(call.emergency).toBe(false);
    expect(changes).toEqual([]);
  });

  it('is rejected in clear', async () => {
    const { socket, call, changes, invite } = await ordinaryCall();
    const update = requestInDialog(invite, SERVER, 'UPDATE', 8);

    socket.receive(utf8Decode(attachParts(update, emergencyParts(true), testCrypto).toBytes()));

    await until(() => sent(socket, 'SIP/2.0 ').length === 1);
    expect(sent(socket, 'SIP/2.0 ')[0]?.split('\r\n')[0]).toMatch(/^SIP\/2\.0 403 /);
    expect(call.emergency).toBe(false);
    expect(changes).toEqual([]);
  });
});

describe('an incoming group call', () => {
  it('is upgraded and cancelled by its member', async () => {
    // Alice plays bob's MCPTT server, and her client signs the responses that confirm.
    const started = await startPair({
      bob: { serverUri: PEER_ALICE, onIncomingCall: (event) => event.call.accept() },
    });
    stops.push(started.stop);
    const { alice, recorded } = started;
    const aliceCall = alice.startGroupCall({ target: BOB, groupId: 'sip:group-7@example.org' });
    await aliceCall.established();
    const bobCall = recorded.bob.calls[0]?.call;
    if (bobCall === undefined) throw new Error('bob got no call');
    await bobCall.established();
    const changes: boolean[] = [];
    bobCall.delegate = { onEmergencyChange: (emergency) => changes.push(emergency) };

    alice.pipeline.attachToNext(aliceCall.callId, 'UPDATE', false, emergencyParts(true));
    await bobCall.upgradeToEmergency();
    const upgradedAtAlice = aliceCall.emergency;
    alice.pipeline.attachToNext(aliceCall.callId, 'UPDATE', false, emergencyParts(false));
    await bobCall.cancelEmergency();

    expect(changes).toEqual([true, false]);
    expect(bobCall.emergency).toBe(false);
    // Bob's signed UPDATE is a request of alice's remote party, so it changes her call too.
    expect(upgradedAtAlice).toBe(true);
    expect(aliceCall.emergency).toBe(false);
  });
});
