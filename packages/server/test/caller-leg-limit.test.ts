import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SipMessage } from '@mcptt-smime/smime';
import { EMERGENCY_CALLER_LEGS_RESERVE, MAX_CALLER_LEGS_PER_USER } from '../src/call-store.js';
import { createUacDialog } from '../src/dialog.js';
import { affiliation, callInvite, connectAuthorised, publish } from './helpers/call-setup.js';
import { status, type McpttTestClient } from './helpers/mcptt-test-client.js';
import { GROUP_ID, startFixture, type ServerFixture } from './helpers/server-fixture.js';

const GROUP_CALL = { sessionType: 'prearranged', callingGroupId: GROUP_ID } as const;
const EMERGENCY_CALL = { ...GROUP_CALL, emergency: true } as const;

describe('legs of one caller', () => {
  let fixture: ServerFixture;
  let clients: Record<string, McpttTestClient> = {};
  /** The INVITEs that got 200, with their responses. */
  const answered: { invite: SipMessage; response: SipMessage }[] = [];
  const client = (name: string) => clients[name] as McpttTestClient;

  beforeAll(async () => {
    fixture = await startFixture('relay');
    clients = await connectAuthorised(fixture, ['alice', 'bob']);
    await publish(client('bob'), 'presence', affiliation([GROUP_ID]));
  });

  afterAll(async () => {
    await fixture?.stop();
    for (const user of Object.values(clients)) user.close();
  });

  /** Sends `invite` and acknowledges a 2xx, and resolves with the response. */
  async function sendAndAck(user: McpttTestClient, invite: SipMessage): Promise<SipMessage> {
    const response = await user.send(invite);
    if (status(response) === 200) {
      answered.push({ invite, response });
      user.post(user.inDialog(createUacDialog(invite, response), 'ACK', []));
    }
    return response;
  }

  it('rejects INVITEs past the limit: 486', async () => {
    const alice = client('alice');
    const extra = 3;
    const invites = await Promise.all(
      Array.from({ length: MAX_CALLER_LEGS_PER_USER + extra }, () => callInvite(alice, GROUP_CALL)),
    );

    // Sent at once, so that the later ones arrive before the first have their final responses.
    const statuses = (await Promise.all(invites.map((invite) => sendAndAck(alice, invite)))).map(
      status,
    );

    expect(statuses.filter((code) => code === 200)).toHaveLength(MAX_CALLER_LEGS_PER_USER);
    expect(statuses.filter((code) => code === 486)).toHaveLength(extra);
    expect(fixture.server.context.calls.callerLegsOf(alice.uri)).toBe(MAX_CALLER_LEGS_PER_USER);
    const rejections = fixture.logLines.filter((line) =>
      line.includes('"reason":"caller has too many calls"'),
    );
    expect(rejections).toHaveLength(extra);
    expect(rejections.every((line) => line.includes('"status":486'))).toBe(true);
  });

  it('leaves other users their calls', async () => {
    const bob = client('bob');

    const response = await sendAndAck(bob, await callInvite(bob, GROUP_CALL));

    expect(status(response)).toBe(200);
  });

  it('admits a call again after a BYE', async () => {
    const alice = client('alice');
    const first = answered.find(({ invite }) => invite.getHeader('From')?.includes(alice.uri));
    expect(status(await alice.send(await callInvite(alice, GROUP_CALL)))).toBe(486);

    const dialog = createUacDialog(first?.invite as SipMessage, first?.response as SipMessage);
    expect(status(await alice.send(alice.inDialog(dialog, 'BYE', [])))).toBe(200);
    const again = await sendAndAck(alice, await callInvite(alice, GROUP_CALL));

    expect(status(again)).toBe(200);
  });

  it('admits emergency INVITEs up to the reserve', async () => {
    const alice = client('alice');
    expect(fixture.server.context.calls.callerLegsOf(alice.uri)).toBe(MAX_CALLER_LEGS_PER_USER);

    // The emergency call pre-empts alice's ordinary call, whose legs then leave the store.
    const first = await sendAndAck(alice, await callInvite(alice, EMERGENCY_CALL));
    expect(status(first)).toBe(200);
    const ordinary = [];
    for (let leg = 1; leg <= MAX_CALLER_LEGS_PER_USER; leg += 1) {
      ordinary.push(status(await sendAndAck(alice, await callInvite(alice, GROUP_CALL))));
    }
    const emergency = [];
    for (let leg = 0; leg <= EMERGENCY_CALLER_LEGS_RESERVE; leg += 1) {
      emergency.push(status(await sendAndAck(alice, await callInvite(alice, EMERGENCY_CALL))));
    }

    expect(ordinary.slice(0, -1).every((code) => code === 200)).toBe(true);
    expect(ordinary.at(-1)).toBe(486);
    expect(emergency.slice(0, -1).every((code) => code === 200)).toBe(true);
    expect(emergency.at(-1)).toBe(486);
    expect(fixture.server.context.calls.callerLegsOf(alice.uri)).toBe(
      MAX_CALLER_LEGS_PER_USER + EMERGENCY_CALLER_LEGS_RESERVE,
    );
  });
});
