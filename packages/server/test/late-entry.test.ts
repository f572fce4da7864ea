/**
 * Late call entry: a member who affiliates to a group while its call runs is invited to that
 * call, once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inviteLateEntrant } from '../src/call-handlers.js';
import type { Call, CallLeg } from '../src/call-store.js';
import { affiliation, infoOf, isInvite, publish, useRelayGroup } from './helpers/call-setup.js';
import { status } from './helpers/mcptt-test-client.js';
import { emergencySteps } from './helpers/emergency-calls.js';
import { GROUP_ID } from './helpers/server-fixture.js';

const { fixture, client } = useRelayGroup(['alice', 'bob', 'carol'], ['alice']);
const { calls, legOf, joinCall, memberDialog, endCarolsCall } = emergencySteps(fixture, client);

afterEach(endCarolsCall);

/** Returns the server's log lines of late invitations. */
const lateEntries = () =>
  fixture().logLines.filter((line) => line.includes('"msg":"late entrant invited"'));

describe('a member who affiliates during a call', () => {
  it('is invited to the running call', async () => {
    await joinCall('carol');
    const call = calls().byGroup(GROUP_ID) as Call;
    await expect.poll(() => legOf(call, 'alice')?.dialog).toBeDefined();
    const bob = client('bob');
    const before = bob.incoming.filter(isInvite).length;

    await publish(bob, 'presence', affiliation([GROUP_ID]));
    await expect.poll(() => legOf(call, 'bob')?.dialog).toBeDefined();
    const invites = bob.incoming.filter(isInvite).slice(before);

    expect(invites).toHaveLength(1);
    expect(lateEntries()).toHaveLength(1);
    expect(invites[0]?.raw.callId).toBe(legOf(call, 'bob')?.callId);
    expect(infoOf(invites[0]!)).toMatchObject({
      sessionType: 'prearranged',
      callingUserId: client('carol').uri,
      callingGroupId: GROUP_ID,
    });
  });

  it('is not invited again by a refresh', async () => {
    await joinCall('carol');
    const call = calls().byGroup(GROUP_ID) as Call;
    await expect.poll(() => legOf(call, 'bob')?.dialog).toBeDefined();
    const bob = client('bob');
    const before = lateEntries().length;

    await publish(bob, 'presence', affiliation([GROUP_ID]));

    // The server decides before it sends the 200, so a late invitation would be logged by now.
    expect(lateEntries()).toHaveLength(before);
    expect([...call.legs.values()].filter((leg) => leg.uri === bob.uri)).toHaveLength(1);
  });

  it('is not invited by a refresh after leaving', async () => {
    const bob = client('bob');
    await publish(bob, 'presence', affiliation([GROUP_ID]));
    await joinCall('carol');
    const call = calls().byGroup(GROUP_ID) as Call;
    await expect.poll(() => legOf(call, 'alice')?.dialog).toBeDefined();
    await expect.poll(() => legOf(call, 'bob')?.dialog).toBeDefined();
    const dialog = await memberDialog('bob', call);
    expect(status(await bob.send(bob.inDialog(dialog, 'BYE', [])))).toBe(200);
    const before = lateEntries().length;

    await publish(bob, 'presence', affiliation([GROUP_ID]));

    // The server logs a late invitation synchronously after sending the 200, so it would be here.
    expect(lateEntries()).toHaveLength(before);
    expect(legOf(call, 'bob')).toBeUndefined();
  });

  it('is invited once when the call starts meanwhile', async () => {
    const bob = client('bob');
    await publish(bob, 'presence', affiliation([]));
    const { context } = fixture().server;
    const add = context.calls.add.bind(context.calls);
    // Bob's PUBLISH handled while the server protects its 200 OK to carol, before it invites
    // the members.
    context.calls.add = (call: Call) => {
      add(call);
      context.registry.affiliate(bob.uri, [GROUP_ID], 3600);
      void inviteLateEntrant(context, bob.uri, [GROUP_ID]);
    };
    const before = bob.incoming.filter(isInvite).length;

    try {
      await joinCall('carol');
    } finally {
      context.calls.add = add;
    }
    const call = calls().byGroup(GROUP_ID) as Call;
    // Alice and bob are invited together, so bob's INVITEs have all been sent by then.
    await expect.poll(() => legOf(call, 'alice')?.dialog).toBeDefined();
    await expect.poll(() => legOf(call, 'bob')?.dialog).toBeDefined();
    const bobLegs = [...call.legs.values()].filter((leg) => leg.uri === bob.uri);

    expect(bob.incoming.filter(isInvite).slice(before)).toHaveLength(1);
    expect(bobLegs).toHaveLength(1);
  });

  it('is invited once when affiliating before the invitations', async () => {
    const bob = client('bob');
    await publish(bob, 'presence', affiliation([]));
    const { context } = fixture().server;
    const addLeg = context.calls.addLeg.bind(context.calls);
    // Bob's PUBLISH handled once carol's leg is in the call, before the server invites members.
    context.calls.addLeg = (call: Call, leg: CallLeg) => {
      addLeg(call, leg);
      if (leg.uri !== client('carol').uri) return;
      context.registry.affiliate(bob.uri, [GROUP_ID], 3600);
      void inviteLateEntrant(context, bob.uri, [GROUP_ID]);
    };
    const before = bob.incoming.filter(isInvite).length;
    const entries = lateEntries().length;

    try {
      await joinCall('carol');
    } finally {
      context.calls.addLeg = addLeg;
    }
    const call = calls().byGroup(GROUP_ID) as Call;
    await expect.poll(() => legOf(call, 'alice')?.dialog).toBeDefined();
    await expect.poll(() => legOf(call, 'bob')?.dialog).toBeDefined();

    expect(lateEntries()).toHaveLength(entries + 1);
    expect(bob.incoming.filter(isInvite).slice(before)).toHaveLength(1);
    expect([...call.legs.values()].filter((leg) => leg.uri === bob.uri)).toHaveLength(1);
  });
});
