import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protectedHeaderValues, SipMessage } from '@mcptt-smime/smime';
import { runsWithTool } from '../../../tools/required-tool.js';
import { findKamailio, parseBodyLog } from '@mcptt-smime/sip-core';
import { MEDIA_TYPES, readParts, textPart } from '../src/body-parts.js';
import { parseMcpttInfo } from '../src/mcptt-xml.js';
import {
  DOMAIN,
  McpttTestClient,
  OFFER_SDP,
  SERVER_URI,
  status,
  textOf,
  type Incoming,
} from './helpers/mcptt-test-client.js';
import { affiliation as pidf, infoOf, isInvite, mcpttInfo } from './helpers/call-setup.js';
import { GROUP_ID, startFixture, type ServerFixture } from './helpers/server-fixture.js';
import { ACCEPTED_BODY_TYPES } from '../src/request-guard.js';

const SHORT_DATA_ONE = 'rendezvous at gate 7, code 5521';
const SHORT_DATA_GROUP = 'all units hold position 88';
const LOCATION_TYPE = 'application/vnd.3gpp.mcptt-location-info+xml';
const LOCATION_INFO =
  '<location-info xmlns="urn:3gpp:ns:mcpttLocationInfo:1.0"><Report ReportType="Emergency">' +
  '<CurrentLocation><CurrentCoordinate><longitude>13.40</longitude><latitude>52.52</latitude>' +
  '</CurrentCoordinate></CurrentLocation></Report></location-info>';
const ALICE = `sip:alice@${DOMAIN}`;
const BOB = `sip:bob@${DOMAIN}`;
const CAROL = `sip:carol@${DOMAIN}`;
const DAVE = `sip:dave@${DOMAIN}`;

const cores = [
  ['kamailio', runsWithTool(findKamailio() !== undefined)],
  ['relay', true],
] as const;

describe.each(cores)('server through %s', (core, available) => {
  let fixture: ServerFixture;
  const clients: Record<string, McpttTestClient> = {};

  beforeAll(async () => {
    if (!available) {
      return;
    }
    fixture = await startFixture(core);
    for (const name of ['alice', 'bob', 'carol', 'dave']) {
      clients[name] = await McpttTestClient.connect(
        fixture.coreUrl,
        name,
        fixture.pki,
        fixture.pki,
      );
      expect(await clients[name].bind()).toBe(200);
    }
  });

  afterAll(async () => {
    await fixture?.stop();
    for (const client of Object.values(clients)) {
      client.close();
    }
  });

  const client = (name: string) => clients[name] as McpttTestClient;
  // Sends alice's private call to dave and returns the status of its final response.
  const privateCallToDave = async () => {
    const alice = client('alice');
    const invite = await alice.protect(
      alice.request('INVITE', SERVER_URI, [
        textPart(MEDIA_TYPES.sdp, OFFER_SDP),
        mcpttInfo({ sessionType: 'private', calledPartyId: DAVE }),
      ]),
    );
    return status(await alice.send(invite));
  };
  // Counts the members' answers that the server rejected with `code`, from its log.
  const answersRejected = (code: string) =>
    fixture.logLines
      .map((line) => JSON.parse(line) as { msg?: string; code?: string })
      .filter((entry) => entry.msg === 'answer rejected' && entry.code === code).length;

  it.skipIf(!available)('authorises by REGISTER', async () => {
    const alice = client('alice');
    const register = await alice.protect(
      alice.request(
        'REGISTER',
        SERVER_URI,
        [mcpttInfo({ clientId: 'alice-1' })],
        [{ name: 'Expires', value: '600' }],
      ),
      undefined,
      ['Expires'],
    );

    const registered = status(await alice.send(register));
    expect(registered).toBe(200);
    expect(fixture.server.context.registry.isAuthorised(ALICE)).toBe(true);
  });

  it.skipIf(!available)('authorises by PUBLISH', async () => {
    for (const name of ['bob', 'carol', 'dave']) {
      const user = client(name);
      const publish = await user.protect(
        user.request(
          'PUBLISH',
          SERVER_URI,
          [mcpttInfo({ clientId: `${name}-1` })],
          [{ name: 'Event', value: 'poc-settings' }],
        ),
      );
      expect(status(await user.send(publish))).toBe(200);
    }

    expect(fixture.server.context.registry.isAuthorised(DAVE)).toBe(true);
  });

  it.skipIf(!available)('records affiliations of members', async () => {
    for (const name of ['alice', 'bob', 'carol']) {
      const user = client(name);
      const publish = await user.protect(
        user.request(
          'PUBLISH',
          SERVER_URI,
          [pidf([GROUP_ID])],
          [{ name: 'Event', value: 'presence' }],
        ),
      );
      expect(status(await user.send(publish))).toBe(200);
    }
    const group = fixture.server.context.registry.group(GROUP_ID);

    expect(group).toBeDefined();
    expect(fixture.server.context.registry.isAffiliated(BOB, group!)).toBe(true);
  });

  it.skipIf(!available)('ignores affiliation outside membership', async () => {
    const dave = client('dave');
    const publish = await dave.protect(
      dave.request(
        'PUBLISH',
        SERVER_URI,
        [pidf([GROUP_ID])],
        [{ name: 'Event', value: 'presence' }],
      ),
    );

    expect(status(await dave.send(publish))).toBe(200);
    expect(
      fixture.server.context.registry.isAffiliated(
        DAVE,
        fixture.server.context.registry.group(GROUP_ID)!,
      ),
    ).toBe(false);
  });

  it.skipIf(!available)('fans a group call out to members', async () => {
    const alice = client('alice');
    const invite = await alice.protect(
      alice.request('INVITE', SERVER_URI, [
        textPart(MEDIA_TYPES.sdp, OFFER_SDP),
        mcpttInfo({ sessionType: 'prearranged', callingGroupId: GROUP_ID }),
      ]),
    );

    const response = await alice.send(invite);
    const opened = await alice.open(response);
    const atBob = await client('bob').receive(isInvite);
    const atCarol = await client('carol').receive(isInvite);

    const answerParts = readParts(opened);
    const answerInfo = parseMcpttInfo(textOf(answerParts, MEDIA_TYPES.mcpttInfo) ?? '');
    expect(status(response)).toBe(200);
    expect(opened.contentType?.mediaType).toBe('multipart/mixed');
    expect(answerParts.map((part) => part.mediaType)).toEqual([
      MEDIA_TYPES.sdp,
      MEDIA_TYPES.mcpttInfo,
    ]);
    expect(answerInfo.callingGroupId).toBe(GROUP_ID);
    expect(new TextDecoder().decode(response.body)).not.toContain(GROUP_ID);
    expect(atBob.error).toBeUndefined();
    expect(infoOf(atBob).callingGroupId).toBe(GROUP_ID);
    expect(infoOf(atBob).callingUserId).toBe(ALICE);
    expect(infoOf(atCarol).callingGroupId).toBe(GROUP_ID);
    expect(client('dave').incoming.some(isInvite)).toBe(false);
    await expect.poll(() => fixture.server.context.calls.byGroup(GROUP_ID)?.legs.size).toBe(3);
  });

  it.skipIf(!available)('pre-empts with an emergency call', async () => {
    const ordinary = fixture.server.context.calls.byGroup(GROUP_ID);
    const carol = client('carol');
    const invite = await carol.protect(
      carol.request(
        'INVITE',
        SERVER_URI,
        [
          textPart(MEDIA_TYPES.sdp, OFFER_SDP),
          mcpttInfo({ sessionType: 'prearranged', callingGroupId: GROUP_ID, emergency: true }),
        ],
        [{ name: 'Resource-Priority', value: 'mcpttp.15' }],
      ),
    );

    const response = await carol.send(invite);
    const bye = await client('bob').receive((i) => i.raw.method === 'BYE');
    const emergencyInvite = await client('bob').receive(
      (i) => isInvite(i) && infoOf(i).emergency === true,
    );

    expect(status(response)).toBe(200);
    expect(ordinary).toBeDefined();
    expect(bye.raw.callId).not.toBe(emergencyInvite.raw.callId);
    expect(emergencyInvite.raw.getHeader('Resource-Priority')).toBe('mcpttp.15');
    expect(fixture.server.context.calls.byGroup(GROUP_ID)?.emergency).toBe(true);
  });

  it.skipIf(!available)('sets up a private call', async () => {
    const alice = client('alice');
    const invite = await alice.protect(
      alice.request('INVITE', SERVER_URI, [
        textPart(MEDIA_TYPES.sdp, OFFER_SDP),
        mcpttInfo({ sessionType: 'private', calledPartyId: DAVE }),
      ]),
    );

    const response = await alice.send(invite);
    const atDave = await client('dave').receive(isInvite);

    expect(status(response)).toBe(200);
    expect(infoOf(atDave).sessionType).toBe('private');
    expect(infoOf(atDave).callingUserId).toBe(ALICE);
    // The server's 200 OK is bound to the INVITE's transaction.
    const security = await alice.securityOf(response);
    expect(protectedHeaderValues(security, 'Call-ID')).toEqual([invite.callId]);
    expect(protectedHeaderValues(security, 'CSeq')).toEqual(['1 INVITE']);
  });

  describe('commencement mode of a private call', () => {
    /** Builds a private call INVITE to dave with Answer-Mode `mode`, its copy signed when `signed`. */
    async function privateInvite(caller: string, mode: string, signed: boolean, signedAt?: Date) {
      const user = client(caller);
      return user.protect(
        user.request(
          'INVITE',
          SERVER_URI,
          [
            textPart(MEDIA_TYPES.sdp, OFFER_SDP),
            mcpttInfo({ sessionType: 'private', calledPartyId: DAVE }),
          ],
          [{ name: 'Answer-Mode', value: mode }],
        ),
        undefined,
        signed ? ['Answer-Mode'] : [],
        signedAt,
      );
    }
    const fromCaller = (uri: string) => (incoming: Incoming) =>
      isInvite(incoming) && infoOf(incoming).callingUserId === uri;
    const signedCopy = (incoming: Incoming) =>
      incoming.security === undefined
        ? undefined
        : protectedHeaderValues(incoming.security, 'Answer-Mode');

    it.skipIf(!available)('relays the signed mode to the called party', async () => {
      const response = await client('bob').send(await privateInvite('bob', 'Auto', true));
      const atDave = await client('dave').receive(fromCaller(BOB));

      expect(status(response)).toBe(200);
      expect(atDave.raw.getHeader('Answer-Mode')).toBe('Auto');
      expect(signedCopy(atDave)).toEqual(['Auto']);
    });

    it.skipIf(!available)('relays Manual for an Auto that no signature covers', async () => {
      const response = await client('carol').send(await privateInvite('carol', 'Auto', false));
      const atDave = await client('dave').receive(fromCaller(CAROL));

      expect(status(response)).toBe(200);
      expect(atDave.raw.getHeader('Answer-Mode')).toBe('Manual');
      expect(signedCopy(atDave)).toEqual(['Manual']);
    });

    it.skipIf(!available)('rejects an INVITE signed long ago', async () => {
      const old = new Date(Date.now() - 60 * 60_000);
      const invite = await privateInvite('bob', 'Auto', true, old);
      const response = await client('bob').send(invite);

      expect(status(response)).toBe(403);
      const rejection = fixture.logLines
        .map((line) => JSON.parse(line) as { callId?: string; code?: string })
        .find((entry) => entry.callId === invite.callId);
      expect(rejection?.code).toBe('ERR_SIGNATURE_INVALID');
    });

    it.skipIf(!available)('answers 403 when the core changed the mode', async () => {
      const invite = await privateInvite('alice', 'Manual', true);
      const response = await client('alice').send(invite.withHeader('Answer-Mode', 'Auto'));

      expect(status(response)).toBe(403);
      const rejection = fixture.logLines
        .map((line) => JSON.parse(line) as { callId?: string; code?: string })
        .find((entry) => entry.callId === invite.callId);
      expect(rejection?.code).toBe('ERR_HEADER_MISMATCH');
    });
  });

  it.skipIf(!available)('relays a MESSAGE to one user', async () => {
    const alice = client('alice');
    const message = await alice.protect(
      alice.request('MESSAGE', SERVER_URI, [
        mcpttInfo({ calledPartyId: BOB }),
        textPart('text/plain', SHORT_DATA_ONE),
      ]),
    );

    const response = await alice.send(message);
    const atBob = await client('bob').receive((i) => i.raw.method === 'MESSAGE');

    expect(status(response)).toBe(200);
    expect(textOf(atBob.parts, 'text/plain')).toBe(SHORT_DATA_ONE);
    expect(infoOf(atBob).callingUserId).toBe(ALICE);
  });

  it.skipIf(!available)('relays a MESSAGE to a group', async () => {
    const alice = client('alice');
    const message = await alice.protect(
      alice.request('MESSAGE', SERVER_URI, [
        mcpttInfo({ callingGroupId: GROUP_ID }),
        textPart('text/plain', SHORT_DATA_GROUP),
      ]),
    );

    const response = await alice.send(message);
    const isGroupText = (i: Incoming) => textOf(i.parts, 'text/plain') === SHORT_DATA_GROUP;
    const atBob = await client('bob').receive(isGroupText);
    const atCarol = await client('carol').receive(isGroupText);

    expect(status(response)).toBe(200);
    expect(infoOf(atBob).callingGroupId).toBe(GROUP_ID);
    expect(infoOf(atCarol).callingUserId).toBe(ALICE);
    expect(client('dave').incoming.some(isGroupText)).toBe(false);
  });

  it.skipIf(!available)('relays an emergency alert with its location', async () => {
    const alice = client('alice');
    const message = await alice.protect(
      alice.request('MESSAGE', SERVER_URI, [
        mcpttInfo({ requestUri: GROUP_ID, emergency: true, alert: true }),
        textPart(LOCATION_TYPE, LOCATION_INFO),
      ]),
    );

    const response = await alice.send(message);
    const isAlert = (i: Incoming) => i.raw.method === 'MESSAGE' && infoOf(i).alert === true;
    const atBob = await client('bob').receive(isAlert);

    expect(status(response)).toBe(200);
    expect(infoOf(atBob)).toEqual({
      callingUserId: ALICE,
      callingGroupId: GROUP_ID,
      emergency: true,
      alert: true,
    });
    expect(textOf(atBob.parts, LOCATION_TYPE)).toBe(LOCATION_INFO);
    expect(atBob.security?.signerUri).toBe(SERVER_URI);
    expect(atBob.security?.encrypted).toBe(true);
    expect(client('dave').incoming.some(isAlert)).toBe(false);
  });

  it.skipIf(!available)('relays an emergency alert without a location', async () => {
    const alice = client('alice');
    const message = await alice.protect(
      alice.request('MESSAGE', SERVER_URI, [
        mcpttInfo({ requestUri: GROUP_ID, emergency: true, alert: true }),
      ]),
    );

    const response = await alice.send(message);
    const isBare = (i: Incoming) =>
      i.raw.method === 'MESSAGE' && infoOf(i).alert === true && i.parts.length === 1;
    const atCarol = await client('carol').receive(isBare);

    expect(status(response)).toBe(200);
    expect(infoOf(atCarol).callingUserId).toBe(ALICE);
    expect(infoOf(atCarol).emergency).toBe(true);
  });

  it.skipIf(!available)('rejects an alert held back past its cancellation', async () => {
    const carol = client('carol');
    const now = Date.now();
    const alert = (raised: boolean, signedAt: number) =>
      carol.protect(
        carol.request('MESSAGE', SERVER_URI, [
          mcpttInfo({ requestUri: GROUP_ID, emergency: raised, alert: raised }),
        ]),
        undefined,
        [],
        new Date(signedAt),
      );
    const heldBack = await alert(true, now - 10_000);
    const fromCarol = (raised: boolean) => (i: Incoming) =>
      i.raw.method === 'MESSAGE' && infoOf(i).callingUserId === CAROL && infoOf(i).alert === raised;

    const cancelled = await carol.send(await alert(false, now));
    await client('bob').receive(fromCarol(false));
    const late = await carol.send(heldBack);
    const raisedAgain = await carol.send(await alert(true, now + 2_000));
    await client('bob').receive(fromCarol(true));

    expect(status(cancelled)).toBe(200);
    expect(status(late)).toBe(403);
    expect(late.startLine).toMatchObject({
      reasonPhrase: 'Forbidden, superseded by a later emergency alert',
    });
    expect(status(raisedAgain)).toBe(200);
    expect(client('bob').incoming.filter(fromCarol(true))).toHaveLength(1);
  });

  it.skipIf(!available)('orders alerts by group whatever its spelling', async () => {
    const carol = client('carol');
    const { latestAlerts } = fixture.server.context;
    // Later than any alert that an earlier test relayed, so that only this test's order counts.
    const now = Math.max(Date.now(), ...latestAlerts.values()) + 2_000;
    const keys = latestAlerts.size;
    // The same group with the host in capitals and a parameter, which the registry resolves.
    const spellings = [GROUP_ID, GROUP_ID.replace(/@.*/, (host) => host.toUpperCase()) + ';x=1'];
    const alert = (raised: boolean, signedAt: number, groupId: string) =>
      carol.protect(
        carol.request('MESSAGE', SERVER_URI, [
          mcpttInfo({ requestUri: groupId, emergency: raised, alert: raised }),
        ]),
        undefined,
        [],
        new Date(signedAt),
      );
    const heldBack = await alert(true, now - 2_000, spellings[1]!);

    const cancelled = await carol.send(await alert(false, now, spellings[0]!));
    const late = await carol.send(heldBack);

    expect(status(cancelled)).toBe(200);
    expect(status(late)).toBe(403);
    expect(late.startLine).toMatchObject({
      reasonPhrase: 'Forbidden, superseded by a later emergency alert',
    });
    expect(latestAlerts.size).toBeLessThanOrEqual(Math.max(keys, 1));
  });

  it.skipIf(!available)('rejects an emergency alert for no group', async () => {
    const alice = client('alice');
    const message = await alice.protect(
      alice.request('MESSAGE', SERVER_URI, [
        mcpttInfo({ requestUri: BOB, emergency: true, alert: true }),
      ]),
    );

    expect(status(await alice.send(message))).toBe(404);
  });

  it.skipIf(!available)('rejects short data without a payload', async () => {
    const alice = client('alice');
    const message = await alice.protect(
      alice.request('MESSAGE', SERVER_URI, [mcpttInfo({ requestUri: BOB })]),
    );

    expect(status(await alice.send(message))).toBe(400);
  });

  it.skipIf(!available)('relays a MESSAGE whose request URI names the group', async () => {
    const alice = client('alice');
    const text = 'units regroup at the depot';
    const message = await alice.protect(
      alice.request('MESSAGE', SERVER_URI, [
        mcpttInfo({ requestUri: GROUP_ID }),
        textPart('text/plain', text),
      ]),
    );

    const response = await alice.send(message);
    const atCarol = await client('carol').receive((i) => textOf(i.parts, 'text/plain') === text);

    expect(status(response)).toBe(200);
    expect(infoOf(atCarol).callingGroupId).toBe(GROUP_ID);
    expect(infoOf(atCarol).callingUserId).toBe(ALICE);
  });

  it.skipIf(!available)('relays a MESSAGE whose request URI names a user', async () => {
    const alice = client('alice');
    const text = 'meet at the north stair';
    const message = await alice.protect(
      alice.request('MESSAGE', SERVER_URI, [
        mcpttInfo({ requestUri: BOB }),
        textPart('text/plain', text),
      ]),
    );

    const response = await alice.send(message);
    const atBob = await client('bob').receive((i) => textOf(i.parts, 'text/plain') === text);

    expect(status(response)).toBe(200);
    expect(infoOf(atBob).callingUserId).toBe(ALICE);
    expect(infoOf(atBob).callingGroupId).toBeUndefined();
  });

  describe('rejects', () => {
    /** Returns the code, or else the reason, of each rejection logged for `callId`. */
    const rejectionsOf = (callId: string | undefined) =>
      fixture.logLines
        .map(
          (line) =>
            JSON.parse(line) as { msg?: string; callId?: string; code?: string; reason?: string },
        )
        .filter((entry) => entry.msg === 'request rejected' && entry.callId === callId)
        .map((entry) => entry.code ?? entry.reason);

    it.skipIf(!available)('a MESSAGE signed for another user with 403', async () => {
      const alice = client('alice');
      // Alice's MESSAGE to bob, which bob encrypted again for the server and passed on.
      const meantForBob = alice
        .request('MESSAGE', SERVER_URI, [
          mcpttInfo({ requestUri: GROUP_ID }),
          textPart('text/plain', 'meant for bob only'),
        ])
        .withHeader('To', `<${BOB}>`);
      const message = await alice.protect(meantForBob, undefined, ['Call-ID', 'CSeq', 'To']);

      const response = await alice.send(message);

      expect(status(response)).toBe(403);
      expect(rejectionsOf(message.callId)).toEqual(['ERR_IDENTITY_MISMATCH']);
      expect(
        client('carol').incoming.some(
          (i) =>
            i.clear?.method === 'MESSAGE' && textOf(i.parts, 'text/plain') === 'meant for bob only',
        ),
      ).toBe(false);
    });

    it.skipIf(!available)('a group call by a non-member with 403', async () => {
      const dave = client('dave');
      const invite = await dave.protect(
        dave.request('INVITE', SERVER_URI, [
          textPart(MEDIA_TYPES.sdp, OFFER_SDP),
          mcpttInfo({ sessionType: 'chat', callingGroupId: GROUP_ID }),
        ]),
      );

      expect(status(await dave.send(invite))).toBe(403);
      expect(rejectionsOf(invite.callId)).toEqual(['caller is not a group member']);
    });

    it.skipIf(!available)('an offer whose fingerprints nothing signs with 403', async () => {
      const alice = client('alice');
      alice.bindSdp = false;
      try {
        const invite = await alice.protect(
          alice.request('INVITE', SERVER_URI, [
            textPart(MEDIA_TYPES.sdp, OFFER_SDP),
            mcpttInfo({ sessionType: 'chat', callingGroupId: GROUP_ID }),
          ]),
        );

        expect(status(await alice.send(invite))).toBe(403);
        expect(rejectionsOf(invite.callId)).toEqual(['ERR_DOWNGRADE']);
      } finally {
        alice.bindSdp = true;
      }
    });

    it.skipIf(!available)('a private call whose answer nothing signs with 403', async () => {
      const dave = client('dave');
      dave.answerInClear = true;
      try {
        expect(await privateCallToDave()).toBe(403);
        await expect.poll(() => answersRejected('ERR_DOWNGRADE')).toBe(1);
      } finally {
        dave.answerInClear = false;
      }
    });

    it.skipIf(!available)('a private call that another user answers with 403', async () => {
      const dave = client('dave');
      dave.answerAs = client('carol');
      try {
        expect(await privateCallToDave()).toBe(403);
        await expect.poll(() => answersRejected('ERR_IDENTITY_MISMATCH')).toBe(1);
      } finally {
        dave.answerAs = undefined;
      }
    });

    it.skipIf(!available)('an offer whose fingerprint the core replaced with 403', async () => {
      const alice = client('alice');
      const invite = await alice.protect(
        alice.request('INVITE', SERVER_URI, [
          textPart(MEDIA_TYPES.sdp, OFFER_SDP),
          mcpttInfo({ sessionType: 'chat', callingGroupId: GROUP_ID }),
        ]),
      );
      // Same length, so that Content-Length still fits: only the clear SDP changes.
      const text = new TextDecoder().decode(invite.toBytes());
      const replaced = text.replace('a=fingerprint:sha-256 00:11', 'a=fingerprint:sha-256 99:11');

      expect(replaced).not.toBe(text);
      expect(status(await alice.send(SipMessage.parse(new TextEncoder().encode(replaced))))).toBe(
        403,
      );
      expect(rejectionsOf(invite.callId)).toEqual(['ERR_HEADER_MISMATCH']);
    });

    /** Sends alice's MESSAGE for bob with its protected body changed by `change` in transit. */
    const sendChanged = async (text: string, change: (body: string) => string) => {
      const alice = client('alice');
      const message = await alice.protect(
        alice.request('MESSAGE', SERVER_URI, [
          mcpttInfo({ calledPartyId: BOB }),
          textPart('text/plain', text),
        ]),
      );
      const sent = new TextDecoder().decode(message.toBytes());
      const split = sent.indexOf('\r\n\r\n');
      const body = change(sent.slice(split + 4));
      const head = sent.slice(0, split).replace(/\r\nContent-Length: \d+/i, '');
      const changed = `${head}\r\nContent-Length: ${String(body.length)}\r\n\r\n${body}`;
      const response = await alice.send(SipMessage.parse(new TextEncoder().encode(changed)));
      return { status: status(response), callId: message.callId };
    };
    const deliveredToBob = (text: string) =>
      client('bob').incoming.some((i) => textOf(i.parts, 'text/plain') === text);

    it.skipIf(!available)('a changed ciphertext with 493', async () => {
      const { status: answer, callId } = await sendChanged('changed in transit', (body) => {
        let index = Math.floor(body.length / 2);
        while (!/[A-Za-z0-9+/]/.test(body[index] ?? '')) index++;
        const replacement = body[index] === 'A' ? 'B' : 'A';
        return `${body.slice(0, index)}${replacement}${body.slice(index + 1)}`;
      });

      expect(answer).toBe(493);
      expect(rejectionsOf(callId)).toEqual(['ERR_UNDECIPHERABLE']);
      expect(deliveredToBob('changed in transit')).toBe(false);
    });

    it.skipIf(!available)('a truncated body with 400', async () => {
      // Whole base64 lines go, so the base64 stays valid and the DER ends early.
      const { status: answer, callId } = await sendChanged('cut in transit', (body) => {
        const lines = body.split('\r\n');
        return lines.slice(0, Math.floor(lines.length / 2)).join('\r\n');
      });

      expect(answer).toBe(400);
      expect(rejectionsOf(callId)).toEqual(['ERR_CMS_MALFORMED']);
      expect(deliveredToBob('cut in transit')).toBe(false);
    });

    it.skipIf(!available)('a body for another recipient with 493', async () => {
      const alice = client('alice');
      const message = await alice.protect(
        alice.request('MESSAGE', SERVER_URI, [
          mcpttInfo({ calledPartyId: BOB }),
          textPart('text/plain', 'misdirected'),
        ]),
        [client('bob').identity.certificate],
      );

      const response = await alice.send(message);

      expect(status(response)).toBe(493);
      expect(rejectionsOf(message.callId)).toEqual(['ERR_UNDECIPHERABLE']);
      expect(response.contentType?.mediaType).toBe('application/pkcs7-mime');
      expect(response.contentType?.params.get('smime-type')).toBe('certs-only');
    });

    it.skipIf(!available)('an untrusted signer with 403', async () => {
      const impostor = await McpttTestClient.connect(
        fixture.coreUrl,
        'alice',
        fixture.untrustedPki,
        fixture.pki,
      );
      const publish = await impostor.protect(
        impostor.request(
          'PUBLISH',
          SERVER_URI,
          [mcpttInfo({ clientId: 'x' })],
          [{ name: 'Event', value: 'poc-settings' }],
        ),
      );

      const response = await impostor.send(publish);
      impostor.close();

      expect(status(response)).toBe(403);
      expect(rejectionsOf(publish.callId)).toEqual(['ERR_CERT_UNTRUSTED']);
    });

    it.skipIf(!available)('a signer other than From with 403', async () => {
      const alice = client('alice');
      const forged = alice.request(
        'PUBLISH',
        SERVER_URI,
        [mcpttInfo({ clientId: 'x' })],
        [{ name: 'Event', value: 'poc-settings' }],
      );
      const message = await alice.protect(forged.withHeader('From', `<${CAROL}>;tag=forged`));

      expect(status(await alice.send(message))).toBe(403);
      expect(rejectionsOf(message.callId)).toEqual(['ERR_IDENTITY_MISMATCH']);
    });

    it.skipIf(!available)('a user not configured with 403', async () => {
      const zoe = await McpttTestClient.connect(fixture.coreUrl, 'zoe', fixture.pki, fixture.pki);
      const publish = await zoe.protect(
        zoe.request(
          'PUBLISH',
          SERVER_URI,
          [mcpttInfo({ clientId: 'z' })],
          [{ name: 'Event', value: 'poc-settings' }],
        ),
      );

      const response = await zoe.send(publish);
      zoe.close();

      expect(status(response)).toBe(403);
      expect(rejectionsOf(publish.callId)).toEqual(['sender is not a configured user']);
    });

    it.skipIf(!available)('mcptt-info in clear with 403', async () => {
      const alice = client('alice');
      const clear = alice.request(
        'PUBLISH',
        SERVER_URI,
        [mcpttInfo({ clientId: 'downgrade-probe' })],
        [{ name: 'Event', value: 'poc-settings' }],
      );

      expect(status(await alice.send(clear))).toBe(403);
      expect(rejectionsOf(clear.callId)).toEqual(['ERR_DOWNGRADE']);
    });

    it.skipIf(!available)('malformed CMS with 400', async () => {
      const alice = client('alice');
      const broken = alice
        .request('MESSAGE', SERVER_URI, [])
        .withBody(new TextEncoder().encode('MIIBbm90IGNtcw==\r\n'), {
          contentType: 'application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m',
          contentTransferEncoding: 'base64',
        });

      expect(status(await alice.send(broken))).toBe(400);
      expect(rejectionsOf(broken.callId)).toEqual(['ERR_CMS_MALFORMED']);
    });

    it.skipIf(!available)('an unknown S/MIME type with 415', async () => {
      const alice = client('alice');
      const compressed = alice
        .request('MESSAGE', SERVER_URI, [])
        .withBody(new TextEncoder().encode('AAAA\r\n'), {
          contentType: 'application/pkcs7-mime; smime-type=compressed-data; name=smime.p7z',
          contentTransferEncoding: 'base64',
        });

      const response = await alice.send(compressed);
      expect(status(response)).toBe(415);
      expect(rejectionsOf(compressed.callId)).toEqual(['ERR_NOT_SUPPORTED']);
      expect(response.getHeaders('Accept')).toEqual(ACCEPTED_BODY_TYPES.split(', '));
      expect(response.getHeader('Accept-Encoding')).toBeUndefined();
    });

    it.skipIf(!available)('a content coding with 415 and Accept-Encoding', async () => {
      const alice = client('alice');
      const coded = alice
        .request('MESSAGE', SERVER_URI, [mcpttInfo({ clientId: 'coded' })])
        .withHeader('Content-Encoding', 'gzip');

      const response = await alice.send(coded);
      expect(status(response)).toBe(415);
      expect(rejectionsOf(coded.callId)).toEqual(['ERR_NOT_SUPPORTED']);
      expect(response.getHeader('Accept-Encoding')).toBe('identity');
    });
  });

  it.skipIf(!available)('keeps sensitive values from the core', async () => {
    const log = await fixture.readBodyLog();
    const bodies = parseBodyLog(log)
      .map((record) => record.body)
      .join('\n');

    expect(parseBodyLog(log).length).toBeGreaterThan(10);
    for (const secret of [
      GROUP_ID,
      'fire-1',
      SHORT_DATA_ONE,
      SHORT_DATA_GROUP,
      ALICE,
      BOB,
      CAROL,
    ]) {
      expect(bodies).not.toContain(secret);
    }
  });

  it.skipIf(!available)('keeps bodies out of its log', () => {
    const log = fixture.logLines.join('\n');

    expect(log).toContain('"method":"INVITE"');
    for (const secret of [SHORT_DATA_ONE, SHORT_DATA_GROUP, 'mcptt-Params', 'BEGIN']) {
      expect(log).not.toContain(secret);
    }
  });
});
