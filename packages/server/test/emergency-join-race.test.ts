/**
 * An emergency that ends while a joining caller's 200 OK is being protected. Here the server's
 * protection of that 200 OK waits until the originator's cancellation has its response, so the
 * order does not depend on timing.
 */
import { expect, it, vi } from 'vitest';
import type * as Smime from '@mcptt-smime/smime';

const gate = vi.hoisted(() => {
  let release: () => void = () => undefined;
  return {
    armed: false,
    waiting: false,
    opened: new Promise<void>((resolve) => {
      release = resolve;
    }),
    open: () => release(),
  };
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

import { createUacDialog } from '../src/dialog.js';
import { EMERGENCY_FLOOR_PRIORITY } from '../src/floor/floor-arbitrator.js';
import { answerInfo, callInvite, infoOf, mcpttInfo, useRelayGroup } from './helpers/call-setup.js';
import { SERVER_URI, status } from './helpers/mcptt-test-client.js';
import { GROUP_ID } from './helpers/server-fixture.js';

const EMERGENCY_CALL = {
  sessionType: 'prearranged',
  callingGroupId: GROUP_ID,
  emergency: true,
} as const;

const { fixture, client } = useRelayGroup(['alice', 'bob', 'carol'], ['bob', 'carol']);

it('answers a caller who joins during the cancellation as an ordinary one', async () => {
  const [alice, carol] = [client('alice'), client('carol')];
  const calls = fixture().server.context.calls;
  const carolInvite = await callInvite(carol, EMERGENCY_CALL);
  const carolAnswer = await carol.send(carolInvite);
  const carolDialog = createUacDialog(carolInvite, carolAnswer);
  carol.post(carol.inDialog(carolDialog, 'ACK', []));
  await expect.poll(() => calls.byGroup(GROUP_ID)?.legs.size).toBe(2);
  const emergencyCall = calls.byGroup(GROUP_ID);

  // Alice joins with emergency-ind, and the server's protection of her 200 OK waits.
  const aliceInvite = await callInvite(alice, EMERGENCY_CALL);
  gate.armed = true;
  const joining = alice.send(aliceInvite);
  await expect.poll(() => gate.waiting).toBe(true);
  const cancel = carol.inDialog(carolDialog, 'UPDATE', [mcpttInfo({ emergency: false })]);
  const cancelled = await carol.send(await carol.protect(cancel));
  gate.open();
  const aliceAnswer = await joining;
  const aliceUri = alice.uri;
  emergencyCall?.floor.release(carol.uri);
  emergencyCall?.floor.release(aliceUri);

  expect(status(cancelled)).toBe(200);
  expect(status(aliceAnswer)).toBe(200);
  expect(emergencyCall?.emergency).toBe(false);
  expect((await answerInfo(alice, aliceAnswer)).emergency).toBeUndefined();
  // Carol takes the floor again, and alice's request at the emergency priority only queues.
  expect(emergencyCall?.floor.request(carol.uri, 0)).toBe('granted');
  expect(emergencyCall?.floor.request(aliceUri, EMERGENCY_FLOOR_PRIORITY)).toBe('queued');
  expect(status(await carol.send(carol.inDialog(carolDialog, 'BYE', [])))).toBe(200);
  await expect.poll(() => calls.byGroup(GROUP_ID)).toBeUndefined();
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
