import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUacDialog } from '../src/dialog.js';
import { affiliation, callInvite, connectAuthorised, publish } from './helpers/call-setup.js';
import { status, type McpttTestClient } from './helpers/mcptt-test-client.js';
import { GROUP_ID, startFixture, type ServerFixture } from './helpers/server-fixture.js';

const GROUP_CALL = { sessionType: 'prearranged', callingGroupId: GROUP_ID } as const;
/** Short timers, so that a 2xx without ACK is given up within the test. */
const TIMERS = { t1: 50, t2: 200, transactionTimeout: 3200, linger: 3200 };

describe('a 2xx to an INVITE that no ACK confirms', () => {
  let fixture: ServerFixture;
  let clients: Record<string, McpttTestClient> = {};
  const client = (name: string) => clients[name] as McpttTestClient;

  beforeAll(async () => {
    fixture = await startFixture('relay', { timers: TIMERS });
    clients = await connectAuthorised(fixture, ['alice', 'bob', 'carol']);
    await publish(client('bob'), 'presence', affiliation([GROUP_ID]));
  });

  afterAll(async () => {
    await fixture?.stop();
    for (const user of Object.values(clients)) user.close();
  });

  it('ends the leg with BYE', async () => {
    const [alice, carol] = [client('alice'), client('carol')];
    const aliceInvite = await callInvite(alice, GROUP_CALL);
    const aliceAnswer = await alice.send(aliceInvite);
    expect(status(aliceAnswer)).toBe(200);
    alice.post(alice.inDialog(createUacDialog(aliceInvite, aliceAnswer), 'ACK', []));

    // carol joins and never acknowledges the 200 OK.
    const carolInvite = await callInvite(carol, GROUP_CALL);
    expect(status(await carol.send(carolInvite))).toBe(200);
    const call = fixture.server.context.calls.byLeg(carolInvite.callId);
    expect(call?.legs.has(carolInvite.callId)).toBe(true);

    const bye = await carol.receive(
      (incoming) => incoming.raw.method === 'BYE' && incoming.raw.callId === carolInvite.callId,
      2 * TIMERS.linger,
    );

    expect(bye.raw.getHeader('Reason')).toContain('no ACK');
    expect(fixture.server.context.calls.byLeg(carolInvite.callId)).toBeUndefined();
    expect(call?.legs.has(aliceInvite.callId)).toBe(true);
    expect(fixture.server.context.calls.byLeg(aliceInvite.callId)).toBe(call);
    expect(fixture.logLines.some((line) => line.includes('no ACK for the 2xx to an INVITE'))).toBe(
      true,
    );
  });

  it('keeps an acknowledged leg', async () => {
    const carol = client('carol');
    const invite = await callInvite(carol, GROUP_CALL);
    const answer = await carol.send(invite);
    expect(status(answer)).toBe(200);
    carol.post(carol.inDialog(createUacDialog(invite, answer), 'ACK', []));

    await new Promise((resolve) => setTimeout(resolve, TIMERS.linger + 500));

    expect(fixture.server.context.calls.byLeg(invite.callId)?.legs.has(invite.callId)).toBe(true);
    expect(carol.incoming.some((incoming) => incoming.raw.callId === invite.callId)).toBe(false);
  });
});
