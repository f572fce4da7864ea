/**
 * A participant upgrades a running group call to an emergency call with a signed UPDATE whose
 * mcptt-info has `emergency-ind` true. Carol starts each call, bob is invited to it, and alice
 * joins it by INVITE.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Call } from '../src/call-store.js';
import { createUacDialog } from '../src/dialog.js';
import { EMERGENCY_FLOOR_PRIORITY } from '../src/floor/floor-arbitrator.js';
import { MediaLeg } from '../src/media-leg.js';
import {
  answerInfo,
  callInvite,
  infoOf,
  isInvite,
  mcpttInfo,
  useRelayGroup,
} from './helpers/call-setup.js';
import { emergencySteps } from './helpers/emergency-calls.js';
import { SERVER_URI, status } from './helpers/mcptt-test-client.js';
import { GROUP_ID } from './helpers/server-fixture.js';

const { fixture, client } = useRelayGroup(['alice', 'bob', 'carol', 'dave'], ['bob', 'carol']);
const {
  calls,
  legOf,
  joinCall,
  memberDialog,
  ordinaryCall,
  emergencyUpdate,
  updateAt,
  pressTalk,
  rejectionOf,
  endCarolsCall,
} = emergencySteps(fixture, client);

afterEach(async () => {
  client('bob').inviteMode = 'answer';
  vi.restoreAllMocks();
  // Carol started the prearranged call, so her BYE ends it for everyone.
  await endCarolsCall();
});

describe('emergency upgrade', () => {
  it('makes the requester the emergency caller', async () => {
    const { call, aliceDialog } = await ordinaryCall();
    const atBob = updateAt('bob', call, true);
    const atCarol = updateAt('carol', call, true);

    const response = await emergencyUpdate('alice', aliceDialog, true);

    expect(status(response)).toBe(200);
    expect((await answerInfo(client('alice'), response)).emergency).toBe(true);
    expect(call.emergency).toBe(true);
    expect(call.emergencyCaller).toBe(client('alice').uri);
    expect(calls().byGroup(GROUP_ID)).toBe(call);
    expect((await atBob).security?.signerUri).toBe(SERVER_URI);
    expect((await atBob).security?.encrypted).toBe(true);
    expect((await atBob).answer).toMatchObject({ startLine: { status: 200 } });
    expect((await atCarol).security?.signerUri).toBe(SERVER_URI);
  });

  it('lets the upgrader pre-empt the talker', async () => {
    const { call, aliceDialog } = await ordinaryCall();
    expect(await pressTalk('alice', aliceDialog)).toBe(200);
    expect(call.floor.holder()).toBe(client('carol').uri);

    expect(status(await emergencyUpdate('alice', aliceDialog, true))).toBe(200);
    const pressed = await pressTalk('alice', aliceDialog);

    expect(pressed).toBe(200);
    expect(call.floor.holder()).toBe(client('alice').uri);
  });

  it('lets the upgrader cancel the emergency', async () => {
    const { call, aliceDialog } = await ordinaryCall();
    expect(status(await emergencyUpdate('alice', aliceDialog, true))).toBe(200);
    const atBob = updateAt('bob', call, false);
    const atCarol = updateAt('carol', call, false);

    const response = await emergencyUpdate('alice', aliceDialog, false);

    expect(status(response)).toBe(200);
    expect((await answerInfo(client('alice'), response)).emergency).toBe(false);
    expect(call.emergency).toBe(false);
    expect((await atBob).security?.signerUri).toBe(SERVER_URI);
    expect((await atCarol).security?.signerUri).toBe(SERVER_URI);
    expect(await pressTalk('alice', aliceDialog)).toBe(200);
    expect(call.floor.holder()).toBe(client('carol').uri);
  });

  it('rejects a cancellation by the originator with 403', async () => {
    const { call, carolDialog, aliceDialog } = await ordinaryCall();
    expect(status(await emergencyUpdate('alice', aliceDialog, true))).toBe(200);

    const response = await emergencyUpdate('carol', carolDialog, false);

    expect(status(response)).toBe(403);
    expect(rejectionOf(carolDialog.callId, 'UPDATE')?.reason).toBe(
      'not authorised to cancel the emergency',
    );
    expect(call.emergency).toBe(true);
    expect(call.emergencyCaller).toBe(client('alice').uri);
  });

  it('gives a second requester the priority only', async () => {
    const { call, aliceDialog } = await ordinaryCall();
    const upgradeAtCarol = updateAt('carol', call, true);
    expect(status(await emergencyUpdate('alice', aliceDialog, true))).toBe(200);
    expect(await pressTalk('alice', aliceDialog)).toBe(200);
    const bobDialog = await memberDialog('bob', call);
    await upgradeAtCarol;
    const requestsBefore = client('carol').incoming.length;

    const response = await emergencyUpdate('bob', bobDialog, true);
    const pressed = await pressTalk('bob', bobDialog);
    const cancelled = status(await emergencyUpdate('bob', bobDialog, false));

    expect(status(response)).toBe(200);
    expect((await answerInfo(client('bob'), response)).emergency).toBe(true);
    expect(call.emergencyCaller).toBe(client('alice').uri);
    // An emergency talker is never pre-empted, so bob queues at the emergency priority.
    expect(pressed).toBe(200);
    expect(call.floor.holder()).toBe(client('alice').uri);
    expect(call.floor.arbitrator.queue()).toContainEqual({
      participant: client('bob').uri,
      priority: EMERGENCY_FLOOR_PRIORITY,
    });
    expect(cancelled).toBe(403);
    expect(call.emergency).toBe(true);
    expect(client('carol').incoming.slice(requestsBefore)).toEqual([]);
  });

  it('rejects an upgrade in clear with 403', async () => {
    const { call, aliceDialog } = await ordinaryCall();
    const alice = client('alice');
    const update = alice.inDialog(aliceDialog, 'UPDATE', [mcpttInfo({ emergency: true })]);

    const response = await alice.send(update);

    expect(status(response)).toBe(403);
    expect(rejectionOf(aliceDialog.callId, 'UPDATE')?.code).toBe('ERR_DOWNGRADE');
    expect(call.emergency).toBe(false);
    expect(call.emergencyCaller).toBeUndefined();
  });

  it('rejects an upgrade of a private call with 403', async () => {
    const alice = client('alice');
    const invite = await callInvite(alice, {
      sessionType: 'private',
      calledPartyId: client('dave').uri,
    });
    const answered = await alice.send(invite);
    expect(status(answered)).toBe(200);
    const dialog = createUacDialog(invite, answered);
    alice.post(alice.inDialog(dialog, 'ACK', []));
    const privateCall = calls().byLeg(invite.callId);

    const response = await emergencyUpdate('alice', dialog, true);

    expect(status(response)).toBe(403);
    expect(rejectionOf(invite.callId, 'UPDATE')?.reason).toBe(
      'emergency upgrade of a private call not allowed',
    );
    expect(privateCall?.emergency).toBe(false);
    expect(status(await alice.send(alice.inDialog(dialog, 'BYE', [])))).toBe(200);
    await expect.poll(() => calls().byLeg(invite.callId)).toBeUndefined();
  });

  it('tells a member who answers after the upgrade', async () => {
    const bob = client('bob');
    bob.inviteMode = 'hold';
    const { dialog } = await joinCall('carol');
    const call = calls().byGroup(GROUP_ID) as Call;
    await bob.heldInvite();

    const response = await emergencyUpdate('carol', dialog, true);
    const updated = updateAt('bob', call, true);
    await bob.answerHeld();
    const update = await updated;

    expect(status(response)).toBe(200);
    expect(call.emergency).toBe(true);
    expect(update.security?.signerUri).toBe(SERVER_URI);
    expect(update.answer).toMatchObject({ startLine: { status: 200 } });
    const invite = bob.incoming.find(
      (incoming) => isInvite(incoming) && incoming.raw.callId === update.raw.callId,
    );
    expect(invite === undefined ? undefined : infoOf(invite).emergency).toBeUndefined();
    expect(invite?.raw.getHeader('Resource-Priority')).toBeUndefined();
  });

  it('marks an INVITE built after the upgrade', async () => {
    const bob = client('bob');
    const offer = MediaLeg.offer.bind(MediaLeg);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let offering = false;
    // The server makes its offer to bob once carol's call is answered, and waits here.
    vi.spyOn(MediaLeg, 'offer').mockImplementationOnce(async (logger) => {
      offering = true;
      await released;
      return offer(logger);
    });
    const { dialog } = await joinCall('carol');
    const call = calls().byGroup(GROUP_ID) as Call;
    await expect.poll(() => offering).toBe(true);

    const response = await emergencyUpdate('carol', dialog, true);
    release();
    await expect.poll(() => legOf(call, 'bob')?.dialog).toBeDefined();
    const callId = legOf(call, 'bob')?.callId;
    const invite = await bob.receive(
      (incoming) => isInvite(incoming) && incoming.raw.callId === callId,
    );

    expect(status(response)).toBe(200);
    expect(invite.raw.getHeader('Resource-Priority')).toBe('mcpttp.15');
    expect(infoOf(invite).emergency).toBe(true);
  });
});
