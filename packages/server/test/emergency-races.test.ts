/**
 * Changes of a call's emergency state while the server protects another message of the call: a
 * joining caller's 200 OK, an UPDATE to a member, or the confirmation to a participant. Here that
 * protection waits until the change has its response, so the order does not depend on timing.
 */
import { expect, it, vi } from 'vitest';
import type * as Smime from '@mcptt-smime/smime';

const gate = vi.hoisted(() => {
  const state = {
    armed: false,
    waiting: false,
    opened: Promise.resolve(),
    open: () => undefined as void,
    /** Makes the server's next protection wait until `open` is called. */
    arm: () => {
      state.armed = true;
      state.waiting = false;
      state.opened = new Promise<void>((resolve) => {
        state.open = resolve;
      });
    },
  };
  return state;
});

vi.mock('@mcptt-smime/smime', async (importOriginal) => {
  const original = await importOriginal<typeof Smime>();
  return {
    ...original,
    protectMessage: async (...args: Parameters<typeof original.protectMessage>) => {
      // Only the server's protection waits, not that of a test client.
      if (gate.armed && args[1].signer.uri === SERVER_URI) {
        gate.armed = false;
        gate.waiting = true;
        await gate.opened;
      }
      return original.protectMessage(...args);
    },
  };
});

import { createUacDialog, type Dialog } from '../src/dialog.js';
import { EMERGENCY_FLOOR_PRIORITY } from '../src/floor/floor-arbitrator.js';
import { answerInfo, callInvite, infoOf, mcpttInfo, useRelayGroup } from './helpers/call-setup.js';
import type { McpttInfo } from '../src/mcptt-xml.js';
import { SERVER_URI, status, type McpttTestClient } from './helpers/mcptt-test-client.js';
import { GROUP_ID } from './helpers/server-fixture.js';

const GROUP_CALL = { sessionType: 'prearranged', callingGroupId: GROUP_ID } as const;
const EMERGENCY_CALL = { ...GROUP_CALL, emergency: true } as const;

const { fixture, client } = useRelayGroup(['alice', 'bob', 'carol'], ['bob', 'carol']);

/** Starts carol's group call with `info`, and resolves once bob has answered his INVITE. */
async function startCarolCall(info: typeof GROUP_CALL | typeof EMERGENCY_CALL) {
  const [bob, carol] = [client('bob'), client('carol')];
  const calls = fixture().server.context.calls;
  const carolInvite = await callInvite(carol, info);
  const carolDialog = createUacDialog(carolInvite, await carol.send(carolInvite));
  carol.post(carol.inDialog(carolDialog, 'ACK', []));
  const call = calls.byGroup(GROUP_ID);
  const bobLeg = () => [...(call?.legs.values() ?? [])].find((leg) => leg.uri === bob.uri);
  await expect.poll(() => bobLeg()?.dialog).toBeDefined();
  const end = async () => {
    expect(status(await carol.send(carol.inDialog(carolDialog, 'BYE', [])))).toBe(200);
    await expect.poll(() => calls.byGroup(GROUP_ID)).toBeUndefined();
  };
  return { call, carolDialog, bobCallId: bobLeg()?.callId, end };
}

/** Sends a signed UPDATE of `user` in `dialog` whose mcptt-info has `emergency`. */
async function emergencyUpdate(user: McpttTestClient, dialog: Dialog, emergency: boolean) {
  const update = user.inDialog(dialog, 'UPDATE', [mcpttInfo({ emergency })]);
  return user.send(await user.protect(update));
}

/**
 * Sends alice's INVITE with `info` to carol's call, and carol's UPDATE with `emergency` while the
 * server's protection of alice's 200 OK waits. Resolves with both responses.
 */
async function joinDuringChange(carolDialog: Dialog, info: McpttInfo, emergency: boolean) {
  const alice = client('alice');
  const aliceInvite = await callInvite(alice, info);
  gate.arm();
  const joining = alice.send(aliceInvite);
  await expect.poll(() => gate.waiting).toBe(true);
  const changed = await emergencyUpdate(client('carol'), carolDialog, emergency);
  gate.open();
  return { changed, aliceAnswer: await joining };
}

it('answers a caller who joins during the cancellation as an ordinary one', async () => {
  const [alice, carol] = [client('alice'), client('carol')];
  const { call, carolDialog, end } = await startCarolCall(EMERGENCY_CALL);

  // Alice joins with emergency-ind while carol cancels the emergency.
  const { changed, aliceAnswer } = await joinDuringChange(carolDialog, EMERGENCY_CALL, false);
  call?.floor.release(carol.uri);
  call?.floor.release(alice.uri);

  expect(status(changed)).toBe(200);
  expect(status(aliceAnswer)).toBe(200);
  expect(call?.emergency).toBe(false);
  expect((await answerInfo(alice, aliceAnswer)).emergency).toBeUndefined();
  // Carol takes the floor again, and alice's request at the emergency priority only queues.
  expect(call?.floor.request(carol.uri, 0)).toBe('granted');
  expect(call?.floor.request(alice.uri, EMERGENCY_FLOOR_PRIORITY)).toBe('queued');
  await end();
});

it('answers a joining caller during an upgrade', async () => {
  const alice = client('alice');
  const { call, carolDialog, end } = await startCarolCall(GROUP_CALL);

  // Alice joins the ordinary call while carol upgrades it.
  const { changed, aliceAnswer } = await joinDuringChange(carolDialog, GROUP_CALL, true);

  expect(status(changed)).toBe(200);
  expect(status(aliceAnswer)).toBe(200);
  expect(call?.emergency).toBe(true);
  expect((await answerInfo(alice, aliceAnswer)).emergency).toBe(true);
  // Alice asked for no emergency, so her implicit floor request queues at the ordinary priority.
  expect(call?.floor.arbitrator.queue()).toContainEqual({ participant: alice.uri, priority: 0 });
  await end();
});

it('updates a member with the latest state', async () => {
  const [bob, carol] = [client('bob'), client('carol')];
  const { carolDialog, bobCallId, end } = await startCarolCall(GROUP_CALL);
  const updatesAtBob = () =>
    bob.incoming.filter(
      (incoming) => incoming.raw.method === 'UPDATE' && incoming.raw.callId === bobCallId,
    );

  // The server protects its UPDATE to bob about the upgrade first, and that protection waits.
  gate.arm();
  const upgraded = await emergencyUpdate(carol, carolDialog, true);
  const cancelled = await emergencyUpdate(carol, carolDialog, false);
  gate.open();
  await expect.poll(() => updatesAtBob().length).toBe(2);

  expect(gate.waiting).toBe(true);
  expect(status(upgraded)).toBe(200);
  expect(status(cancelled)).toBe(200);
  // The upgrade's UPDATE left after the cancellation, so it carries the state after it.
  expect(updatesAtBob().map((update) => infoOf(update).emergency)).toEqual([false, false]);
  await end();
});

it('confirms the latest emergency state', async () => {
  const [alice, carol] = [client('alice'), client('carol')];
  const { call, carolDialog, end } = await startCarolCall(EMERGENCY_CALL);
  const aliceInvite = await callInvite(alice, GROUP_CALL);
  const aliceDialog = createUacDialog(aliceInvite, await alice.send(aliceInvite));
  alice.post(alice.inDialog(aliceDialog, 'ACK', []));

  // Alice requests the emergency of a call that has one, so her confirmation is the server's
  // next protection, and it waits.
  gate.arm();
  const asking = emergencyUpdate(alice, aliceDialog, true);
  await expect.poll(() => gate.waiting).toBe(true);
  const cancelled = await emergencyUpdate(carol, carolDialog, false);
  gate.open();
  const response = await asking;

  expect(status(cancelled)).toBe(200);
  expect(status(response)).toBe(200);
  expect(call?.emergency).toBe(false);
  expect((await answerInfo(alice, response)).emergency).toBe(false);
  await end();
});

it('tells a member who answers after the cancellation', async () => {
  const [bob, carol] = [client('bob'), client('carol')];
  bob.inviteMode = 'hold';
  const carolInvite = await callInvite(carol, EMERGENCY_CALL);
  const carolDialog = createUacDialog(carolInvite, await carol.send(carolInvite));
  await bob.heldInvite();
  const bobCallId = bob.incoming.filter((incoming) => incoming.raw.method === 'INVITE').at(-1)
    ?.raw.callId;
  const cancel = carol.inDialog(carolDialog, 'UPDATE', [mcpttInfo({ emergency: false })]);
  const cancelled = await carol.send(await carol.protect(cancel));

  const updated = bob.receive(
    (incoming) =>
      incoming.raw.method === 'UPDATE' &&
      incoming.raw.callId === bobCallId &&
      infoOf(incoming).emergency === false,
  );
  await bob.answerHeld();
  const update = await updated;

  expect(status(cancelled)).toBe(200);
  expect(update.security?.signerUri).toBe(SERVER_URI);
  expect(update.answer).toMatchObject({ startLine: { status: 200 } });
});
