import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runsWithTool } from '../../../tools/required-tool.js';
import { findKamailio } from '@mcptt-smime/sip-core';
import type { SipMessage } from '@mcptt-smime/smime';
import { createUacDialog, type Dialog } from '../src/dialog.js';
import { MEDIA_TYPES, textPart } from '../src/body-parts.js';
import { PLAIN_CALLS_POLICY } from '../src/plain-calls.js';
import {
  affiliation,
  answerInfo,
  callInvite,
  connectAuthorised,
  infoOf,
  isInvite,
  mcpttInfo,
  publish,
} from './helpers/call-setup.js';
import {
  DOMAIN,
  OFFER_SDP,
  SERVER_URI,
  status,
  type Incoming,
  type McpttTestClient,
} from './helpers/mcptt-test-client.js';
import { GROUP_ID, startFixture, type ServerFixture } from './helpers/server-fixture.js';

const DAVE = `sip:dave@${DOMAIN}`;
const GROUP_CALL = { sessionType: 'prearranged', callingGroupId: GROUP_ID } as const;
const EMERGENCY_CALL = { ...GROUP_CALL, emergency: true } as const;
const RESOURCE_PRIORITY = { name: 'Resource-Priority', value: 'mcpttp.15' };
/** Far below Kamailio's fr_timer (30 s), after which it answers 408 to an unanswered INVITE. */
const PROMPT_ANSWER_MS = 5000;

const cores = [
  ['kamailio', runsWithTool(findKamailio() !== undefined)],
  ['relay', true],
] as const;

/** Resolves with `promise`, or fails when it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${String(ms)} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe.each(cores)('call robustness through %s', (core, available) => {
  let fixture: ServerFixture;
  let clients: Record<string, McpttTestClient> = {};
  let carolDialog: Dialog;
  let aliceDialog: Dialog;
  const client = (name: string) => clients[name] as McpttTestClient;
  const calls = () => fixture.server.context.calls;

  // Sends a signed and encrypted call INVITE and acknowledges a 2xx.
  const call = async (
    name: string,
    info: Parameters<typeof callInvite>[1],
    headers: Parameters<typeof callInvite>[2] = [],
  ): Promise<{ invite: SipMessage; response: SipMessage }> => {
    const user = client(name);
    const invite = await callInvite(user, info, headers);
    const response = await within(user.send(invite), PROMPT_ANSWER_MS);
    if (status(response) === 200) {
      user.post(user.inDialog(createUacDialog(invite, response), 'ACK', []));
    }
    return { invite, response };
  };

  beforeAll(async () => {
    if (!available) {
      return;
    }
    fixture = await startFixture(core);
    clients = await connectAuthorised(fixture, ['alice', 'bob', 'carol', 'dave']);
    // Alice is a member but not affiliated, so she is never invited and only joins by INVITE.
    for (const name of ['bob', 'carol']) {
      await publish(client(name), 'presence', affiliation([GROUP_ID]));
    }
  });

  afterEach(() => {
    for (const user of Object.values(clients)) {
      user.unanswered.clear();
      user.inviteFailure = undefined;
    }
  });

  afterAll(async () => {
    await fixture?.stop();
    for (const user of Object.values(clients)) {
      user.close();
    }
  });

  it.skipIf(!available)('answers an emergency caller despite a silent leg', async () => {
    const bob = client('bob');
    const ordinary = await call('alice', GROUP_CALL);
    const ordinaryAtBob = await bob.receive(isInvite);
    await expect.poll(() => calls().byGroup(GROUP_ID)?.legs.size).toBe(3);
    bob.unanswered.add('BYE');

    const { invite, response } = await call('carol', EMERGENCY_CALL);
    carolDialog = createUacDialog(invite, response);
    const bye = await bob.receive(
      (incoming) =>
        incoming.raw.method === 'BYE' && incoming.raw.callId === ordinaryAtBob.raw.callId,
    );
    const emergencyAtBob = await bob.receive(
      (incoming) => isInvite(incoming) && infoOf(incoming).emergency === true,
    );

    expect(status(ordinary.response)).toBe(200);
    expect(status(response)).toBe(200);
    expect(bye.answer).toBeUndefined();
    expect(emergencyAtBob.raw.getHeader('Resource-Priority')).toBe('mcpttp.15');
    expect(calls().byGroup(GROUP_ID)?.emergency).toBe(true);
    expect(calls().byLeg(ordinary.response.callId)).toBeUndefined();
  });

  it.skipIf(!available)('sends 100 Trying for an INVITE', () => {
    // Kamailio sends a 100 Trying of its own, while the relay passes on the server's.
    const carol = client('carol');

    const trying = carol.provisional.filter(
      (response) => response.callId === carolDialog.callId && status(response) === 100,
    );

    expect(trying.length).toBeGreaterThan(0);
  });

  it.skipIf(!available)('reports the emergency to a joining caller', async () => {
    const emergencyCall = calls().byGroup(GROUP_ID);

    const { invite, response } = await call('alice', GROUP_CALL);
    aliceDialog = createUacDialog(invite, response);

    expect(status(response)).toBe(200);
    expect((await answerInfo(client('alice'), response)).emergency).toBe(true);
    expect(calls().byLeg(response.callId)).toBe(emergencyCall);
    // Alice asked for no emergency, so her implicit floor request queues at ordinary priority.
    expect(emergencyCall?.floor.arbitrator.queue()).toContainEqual({
      participant: `sip:alice@${DOMAIN}`,
      priority: 0,
    });
  });

  describe('rejects', () => {
    it.skipIf(!available)('a BYE with other tags with 481', async () => {
      const carol = client('carol');
      const emergencyCall = calls().byGroup(GROUP_ID);
      const otherFromTag = carol.inDialog({ ...carolDialog, localTag: 'forged' }, 'BYE', []);
      const otherToTag = carol.inDialog({ ...carolDialog, remoteTag: 'forged' }, 'BYE', []);

      expect(status(await carol.send(otherFromTag))).toBe(481);
      expect(status(await carol.send(otherToTag))).toBe(481);
      expect(emergencyCall?.legs.has(carolDialog.callId)).toBe(true);
      expect(calls().byGroup(GROUP_ID)).toBe(emergencyCall);
    });

    it.skipIf(!available)('a private call to oneself with 403', async () => {
      const alice = client('alice');
      const invitesBefore = alice.incoming.filter(isInvite).length;

      const { response } = await call('alice', {
        sessionType: 'private',
        calledPartyId: 'sip:alice@MCPTT.example',
      });

      expect(status(response)).toBe(403);
      expect(response.startLine.type).toBe('response');
      expect(response.startLine.type === 'response' ? response.startLine.reasonPhrase : '').toBe(
        'Called Party Is The Caller',
      );
      expect(alice.incoming.filter(isInvite)).toHaveLength(invitesBefore);
      expect(
        calls()
          .all()
          .filter((candidate) => candidate.kind === 'private'),
      ).toHaveLength(0);
    });

    // A session-type that the server does not know may come from a later release of TS 24.379,
    // so it gets 488 like a known one that the server does not serve, not 400.
    it.skipIf(!available).each(['first-to-answer', 'broadcast-v2', ''])(
      'session-type %j with 488',
      async (sessionType) => {
        const callsBefore = calls().all().length;

        const { response } = await call('dave', { sessionType, callingGroupId: GROUP_ID });

        expect(status(response)).toBe(488);
        expect(calls().all()).toHaveLength(callsBefore);
      },
    );
  });

  describe('emergency cancellation', () => {
    const emergencyUpdate = (name: string, dialog: Dialog, emergency: boolean) => {
      const user = client(name);
      const update = user.inDialog(dialog, 'UPDATE', [mcpttInfo({ emergency })]);
      return user.protect(update);
    };
    const cancellation = (name: string, dialog: Dialog) => emergencyUpdate(name, dialog, false);

    it.skipIf(!available)('rejects a participant with 403', async () => {
      const response = await client('alice').send(await cancellation('alice', aliceDialog));

      expect(status(response)).toBe(403);
      expect(calls().byGroup(GROUP_ID)?.emergency).toBe(true);
    });

    it.skipIf(!available)('rejects a cancellation in clear with 403', async () => {
      const carol = client('carol');
      const update = carol.inDialog(carolDialog, 'UPDATE', [mcpttInfo({ emergency: false })]);

      const response = await carol.send(update);

      expect(status(response)).toBe(403);
      expect(calls().byGroup(GROUP_ID)?.emergency).toBe(true);
    });

    it.skipIf(!available)('confirms an emergency to a participant', async () => {
      const emergencyCall = calls().byGroup(GROUP_ID);

      const response = await client('alice').send(
        await emergencyUpdate('alice', aliceDialog, true),
      );

      expect(status(response)).toBe(200);
      expect((await answerInfo(client('alice'), response)).emergency).toBe(true);
      expect(emergencyCall?.emergency).toBe(true);
      // Carol started the emergency, so she alone can still cancel it.
      expect(emergencyCall?.emergencyCaller).toBe(`sip:carol@${DOMAIN}`);
    });

    it.skipIf(!available)('confirms a repeated emergency to its originator', async () => {
      const emergencyCall = calls().byGroup(GROUP_ID);

      const response = await client('carol').send(
        await emergencyUpdate('carol', carolDialog, true),
      );

      expect(status(response)).toBe(200);
      expect((await answerInfo(client('carol'), response)).emergency).toBe(true);
      expect(calls().byGroup(GROUP_ID)).toBe(emergencyCall);
      expect(emergencyCall?.emergency).toBe(true);
    });

    it.skipIf(!available)('ends the emergency for its originator', async () => {
      const emergencyCall = calls().byGroup(GROUP_ID);
      const cancelled = (incoming: Incoming) =>
        incoming.raw.method === 'UPDATE' && infoOf(incoming).emergency === false;
      const atBob = client('bob').receive(cancelled);
      const atAlice = client('alice').receive(cancelled);
      const lowered: string[] = [];
      const floor = emergencyCall?.floor;
      const setEmergency = floor?.setEmergency.bind(floor);
      if (floor !== undefined && setEmergency !== undefined) {
        floor.setEmergency = (participant, emergency) => {
          if (!emergency) lowered.push(participant);
          setEmergency(participant, emergency);
        };
      }

      const response = await client('carol').send(await cancellation('carol', carolDialog));

      expect(status(response)).toBe(200);
      expect((await answerInfo(client('carol'), response)).emergency).toBe(false);
      // Every participant loses the emergency priority, also one who joined with emergency-ind.
      expect(lowered.sort()).toEqual(
        [...(emergencyCall?.legs.values() ?? [])].map((leg) => leg.uri).sort(),
      );
      expect(lowered).toHaveLength(3);
      expect(calls().byGroup(GROUP_ID)).toBe(emergencyCall);
      expect(emergencyCall?.emergency).toBe(false);
      expect((await atBob).security?.signerUri).toBe(SERVER_URI);
      expect((await atBob).answer).toMatchObject({ startLine: { status: 200 } });
      expect((await atAlice).raw.callId).toBe(aliceDialog.callId);
    });

    it.skipIf(!available)('upgrades the ordinary call again', async () => {
      const ordinaryCall = calls().byGroup(GROUP_ID);
      const bobLeg = [...(ordinaryCall?.legs.values() ?? [])].find(
        (leg) => leg.uri === `sip:bob@${DOMAIN}`,
      );
      const atBob = client('bob').receive(
        (incoming) =>
          incoming.raw.method === 'UPDATE' &&
          incoming.raw.callId === bobLeg?.callId &&
          infoOf(incoming).emergency === true,
      );

      const response = await client('carol').send(
        await emergencyUpdate('carol', carolDialog, true),
      );

      expect(status(response)).toBe(200);
      expect((await answerInfo(client('carol'), response)).emergency).toBe(true);
      expect(ordinaryCall?.emergency).toBe(true);
      expect((await atBob).security?.signerUri).toBe(SERVER_URI);
    });
  });

  it.skipIf(!available)('ends the call on a matching BYE', async () => {
    const carol = client('carol');

    const response = await carol.send(carol.inDialog(carolDialog, 'BYE', []));

    expect(status(response)).toBe(200);
    // Carol started the prearranged call, so it ends for everyone.
    await expect.poll(() => calls().byGroup(GROUP_ID)).toBeUndefined();
  });

  it.skipIf(!available)('ignores Resource-Priority without emergency-ind', async () => {
    const bob = client('bob');
    const earlier = new Set(bob.incoming);
    const ordinary = await call('alice', GROUP_CALL);
    const ordinaryAtBob = await bob.receive(
      (incoming) => isInvite(incoming) && !earlier.has(incoming),
    );
    await expect.poll(() => calls().byGroup(GROUP_ID)?.legs.size).toBe(3);
    const ordinaryCall = calls().byGroup(GROUP_ID);

    const { invite, response } = await call('carol', GROUP_CALL, [RESOURCE_PRIORITY]);
    const warnings = fixture.logLines.filter(
      (line) => line.includes(invite.callId) && line.includes('Resource-Priority'),
    );

    expect(status(ordinary.response)).toBe(200);
    expect(status(response)).toBe(200);
    expect((await answerInfo(client('carol'), response)).emergency).toBeUndefined();
    expect(calls().byGroup(GROUP_ID)).toBe(ordinaryCall);
    expect(ordinaryCall?.emergency).toBe(false);
    expect(calls().byLeg(ordinaryAtBob.raw.callId)).toBe(ordinaryCall);
    expect(
      bob.incoming.some(
        (incoming) =>
          incoming.raw.method === 'BYE' && incoming.raw.callId === ordinaryAtBob.raw.callId,
      ),
    ).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? '{}')).toMatchObject({ level: 40, callId: invite.callId });
  });

  it.skipIf(!available).each([
    [500, 480],
    [486, 486],
    [603, 603],
  ])('maps a callee failure %i to %i', async (failure, expected) => {
    client('dave').inviteFailure = failure;

    const { response } = await call('alice', { sessionType: 'private', calledPartyId: DAVE });

    expect(status(response)).toBe(expected);
  });
});

describe('emergency calls with insecurePlainCalls', () => {
  let fixture: ServerFixture;
  let clients: Record<string, McpttTestClient> = {};
  const client = (name: string) => clients[name] as McpttTestClient;
  const plainInvite = (name: string, info: Parameters<typeof mcpttInfo>[0]) =>
    client(name).request('INVITE', SERVER_URI, [
      textPart(MEDIA_TYPES.sdp, OFFER_SDP),
      mcpttInfo(info),
    ]);

  beforeAll(async () => {
    fixture = await startFixture('relay', { insecurePlainCalls: true });
    clients = await connectAuthorised(fixture, ['alice', 'bob', 'carol']);
    for (const name of ['alice', 'bob', 'carol']) {
      client(name).policy = PLAIN_CALLS_POLICY;
      await publish(client(name), 'presence', affiliation([GROUP_ID]));
    }
  });

  afterAll(async () => {
    await fixture?.stop();
    for (const user of Object.values(clients)) {
      user.close();
    }
  });

  it('pre-empts by emergency-ind in clear', async () => {
    const calls = fixture.server.context.calls;
    const ordinary = await client('alice').send(plainInvite('alice', GROUP_CALL));
    await expect.poll(() => calls.byGroup(GROUP_ID)?.legs.size).toBe(3);
    const ordinaryCall = calls.byGroup(GROUP_ID);

    const emergency = await client('carol').send(plainInvite('carol', EMERGENCY_CALL));
    const emergencyAtBob = await client('bob').receive(
      (incoming) => isInvite(incoming) && infoOf(incoming).emergency === true,
    );

    expect(status(ordinary)).toBe(200);
    expect(status(emergency)).toBe(200);
    expect(new TextDecoder().decode(emergency.body)).toContain('emergency-ind');
    expect(emergencyAtBob.raw.getHeader('Resource-Priority')).toBe('mcpttp.15');
    expect(calls.byGroup(GROUP_ID)).not.toBe(ordinaryCall);
    expect(calls.byGroup(GROUP_ID)?.emergency).toBe(true);
  });
});
