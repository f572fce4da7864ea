/**
 * Two members who press the talk button at nearly the same moment: their INVITEs for the group
 * arrive while the first is still being answered, and both must end up in one call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUacDialog } from '../src/dialog.js';
import {
  affiliation,
  callInvite,
  connectAuthorised,
  isInvite,
  publish,
} from './helpers/call-setup.js';
import { DOMAIN, status, type McpttTestClient } from './helpers/mcptt-test-client.js';
import { GROUP_ID, startFixture, type ServerFixture } from './helpers/server-fixture.js';

const GROUP_CALL = { sessionType: 'prearranged', callingGroupId: GROUP_ID } as const;

describe('simultaneous group call INVITEs', () => {
  let fixture: ServerFixture;
  let clients: Record<string, McpttTestClient> = {};
  const client = (name: string) => clients[name] as McpttTestClient;

  beforeAll(async () => {
    fixture = await startFixture('relay');
    clients = await connectAuthorised(fixture, ['alice', 'bob', 'carol']);
    await publish(client('bob'), 'presence', affiliation([GROUP_ID]));
  });

  afterAll(async () => {
    await fixture?.stop();
    for (const user of Object.values(clients)) user.close();
  });

  it('join one call', async () => {
    const [alice, carol] = [client('alice'), client('carol')];
    const invites = await Promise.all([
      callInvite(alice, GROUP_CALL),
      callInvite(carol, GROUP_CALL),
    ]);
    const responses = await Promise.all([alice.send(invites[0]), carol.send(invites[1])]);
    alice.post(alice.inDialog(createUacDialog(invites[0], responses[0]), 'ACK', []));
    carol.post(carol.inDialog(createUacDialog(invites[1], responses[1]), 'ACK', []));
    await client('bob').receive(isInvite);
    const groupCalls = () =>
      fixture.server.context.calls.all().filter((call) => call.groupId === GROUP_ID);
    await expect.poll(() => groupCalls()[0]?.legs.size).toBe(3);

    expect(responses.map(status)).toEqual([200, 200]);
    expect(groupCalls()).toHaveLength(1);
    expect([...(groupCalls()[0]?.legs.values() ?? [])].map((leg) => leg.uri).sort()).toEqual(
      ['alice', 'bob', 'carol'].map((name) => `sip:${name}@${DOMAIN}`),
    );
    expect(client('bob').incoming.filter(isInvite)).toHaveLength(1);
  });
});
