/**
 * An INVITE that reuses the Call-ID of a leg of a running call. The server looks up each leg by
 * its Call-ID, which the SIP core relays in clear. So another user who signs an INVITE with that
 * Call-ID must not take the leg's place, or its participant would lose the call's signalling.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MEDIA_TYPES, textPart } from '../src/body-parts.js';
import { callInvite, mcpttInfo, useRelayGroup } from './helpers/call-setup.js';
import { emergencySteps } from './helpers/emergency-calls.js';
import { createUacDialog } from '../src/dialog.js';
import { OFFER_SDP, SERVER_URI, status } from './helpers/mcptt-test-client.js';
import { GROUP_ID } from './helpers/server-fixture.js';

const { fixture, client } = useRelayGroup(['alice', 'bob', 'carol', 'dave'], ['bob', 'carol']);
const { calls, legOf, ordinaryCall, pressTalk, rejectionOf, endCarolsCall } = emergencySteps(
  fixture,
  client,
);

afterEach(endCarolsCall);

describe('an INVITE with the Call-ID of a leg', () => {
  it('gets 403 and leaves the leg in its call', async () => {
    const { call, aliceDialog } = await ordinaryCall();
    const bob = client('bob');
    const parts = [
      textPart(MEDIA_TYPES.sdp, OFFER_SDP),
      mcpttInfo({ sessionType: 'prearranged', callingGroupId: GROUP_ID }),
    ];
    const invite = bob
      .request('INVITE', SERVER_URI, parts)
      .withHeader('Call-ID', aliceDialog.callId);

    const response = await bob.send(await bob.protect(invite));

    expect(status(response)).toBe(403);
    expect(rejectionOf(aliceDialog.callId, 'INVITE')?.code).toBe('ERR_REPLAYED');
    expect(calls().byLeg(aliceDialog.callId)).toBe(call);
    expect(legOf(call, 'alice')?.callId).toBe(aliceDialog.callId);
    expect(await pressTalk('alice', aliceDialog)).toBe(200);
  });

  it('gets 403 while the INVITE of that Call-ID waits', async () => {
    const [alice, bob, dave] = [client('alice'), client('bob'), client('dave')];
    dave.inviteMode = 'hold';
    const call = await callInvite(alice, { sessionType: 'private', calledPartyId: dave.uri });
    const answered = alice.send(call);
    await dave.heldInvite();
    const parts = [
      textPart(MEDIA_TYPES.sdp, OFFER_SDP),
      mcpttInfo({ sessionType: 'private', calledPartyId: client('carol').uri }),
    ];
    const invite = bob.request('INVITE', SERVER_URI, parts).withHeader('Call-ID', call.callId);

    const response = await bob.send(await bob.protect(invite));
    await dave.answerHeld();

    expect(status(response)).toBe(403);
    expect(rejectionOf(call.callId, 'INVITE')?.code).toBe('ERR_REPLAYED');
    const answer = await answered;
    expect(status(answer)).toBe(200);
    expect(calls().byLeg(call.callId)?.originator).toBe(alice.uri);
    const bye = alice.inDialog(createUacDialog(call, answer), 'BYE', []);
    expect(status(await alice.send(bye))).toBe(200);
  });
});
