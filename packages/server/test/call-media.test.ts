import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runsWithTool } from '../../../tools/required-tool.js';
import { findKamailio } from '@mcptt-smime/sip-core';
import { MEDIA_TYPES, readParts, textPart } from '../src/body-parts.js';
import { createUacDialog, createUasDialog, type Dialog } from '../src/dialog.js';
import { buildMcpttInfo } from '../src/mcptt-xml.js';
import { tagOf } from '../src/sip-builder.js';
import { MediaPeer, sendContinuously, sleep } from './helpers/media-peer.js';
import {
  DOMAIN,
  McpttTestClient,
  SERVER_URI,
  status,
  textOf,
  type Incoming,
} from './helpers/mcptt-test-client.js';
import { GROUP_ID, startFixture, type ServerFixture } from './helpers/server-fixture.js';

const NAMES = ['alice', 'bob', 'carol'] as const;
const TALK_PACKAGE = { name: 'Info-Package', value: 'mcptt-talk' };

const mcpttInfo = (info: Parameters<typeof buildMcpttInfo>[0]) =>
  textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo(info));
const sdpPart = (sdp: string) => textPart(MEDIA_TYPES.sdp, sdp);
const talk = (action: string) => textPart('text/plain', action);
const isInvite = (incoming: Incoming) => incoming.raw.method === 'INVITE';
const udpSockets = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'UDPWRAP').length;

const cores = [
  ['kamailio', runsWithTool(findKamailio() !== undefined)],
  ['relay', true],
] as const;

describe.each(cores)('call media through %s', (core, available) => {
  let fixture: ServerFixture;
  let socketsBefore: number;
  const clients: Record<string, McpttTestClient> = {};
  const peers: Record<string, MediaPeer> = {};
  let aliceDialog: Dialog;
  let bobDialog: Dialog;

  const client = (name: string) => clients[name] as McpttTestClient;
  const peer = (name: string) => peers[name] as MediaPeer;
  const clearReceived = async () => {
    await sleep(100);
    for (const name of NAMES) {
      peer(name).received.length = 0;
    }
  };

  beforeAll(async () => {
    if (!available) {
      return;
    }
    socketsBefore = udpSockets();
    fixture = await startFixture(core);
    for (const name of [...NAMES, 'dave']) {
      const user = await McpttTestClient.connect(fixture.coreUrl, name, fixture.pki, fixture.pki);
      clients[name] = user;
      expect(await user.bind()).toBe(200);
      await publish(user, 'poc-settings', mcpttInfo({ clientId: `${name}-1` }));
      user.answerSdp = async (offer) => {
        peers[name] = await MediaPeer.answer(name, offer);
        return peer(name).sdp;
      };
    }
    for (const name of NAMES) {
      await publish(client(name), 'presence', affiliation(GROUP_ID));
    }
  });

  afterAll(async () => {
    await fixture?.stop();
    await Promise.all(Object.values(peers).map((media) => media.close()));
    for (const user of Object.values(clients)) {
      user.close();
    }
  });

  it.skipIf(!available)('forwards the caller to members', async () => {
    const alice = client('alice');
    peers.alice = await MediaPeer.offer('alice');
    const invite = await alice.protect(
      alice.request('INVITE', SERVER_URI, [
        sdpPart(peer('alice').sdp),
        mcpttInfo({ sessionType: 'prearranged', callingGroupId: GROUP_ID }),
      ]),
    );

    const response = await alice.send(invite);
    aliceDialog = createUacDialog(invite, response);
    alice.post(alice.inDialog(aliceDialog, 'ACK', []));
    const answer = textOf(readParts(await alice.open(response)), MEDIA_TYPES.sdp);
    await peer('alice').accept(answer ?? '');
    const atBob = await client('bob').receive(isInvite);
    await client('carol').receive(isInvite);
    bobDialog = createUasDialog(atBob.raw, tagOf(atBob.answer?.getHeader('To')) ?? '');
    await Promise.all(NAMES.map((name) => peer(name).connected()));
    const stop = sendContinuously([peer('alice'), peer('bob')]);
    await expect.poll(() => peer('bob').from('alice'), { timeout: 5000 }).toBeGreaterThan(5);
    await expect.poll(() => peer('carol').from('alice'), { timeout: 5000 }).toBeGreaterThan(5);
    await stop();
    await sleep(100);

    expect(status(response)).toBe(200);
    expect(response.getHeader('Recv-Info')).toBe('mcptt-talk');
    expect(peer('alice').from('bob')).toBe(0);
    expect(peer('carol').from('bob')).toBe(0);
  });

  it.skipIf(!available)('queues the talk press of a member', async () => {
    const bob = client('bob');
    const press = await bob.protect(
      bob.inDialog(bobDialog, 'INFO', [talk('press')], [TALK_PACKAGE]),
    );

    const response = await bob.send(press);
    await clearReceived();
    const stop = sendContinuously([peer('alice'), peer('bob')]);
    await expect.poll(() => peer('carol').from('alice'), { timeout: 5000 }).toBeGreaterThan(5);
    await stop();
    await sleep(100);

    expect(status(response)).toBe(200);
    expect(fixture.server.context.calls.byGroup(GROUP_ID)?.floor.arbitrator.queue()).toEqual([
      { participant: `sip:bob@${DOMAIN}`, priority: 0 },
    ]);
    expect(peer('carol').from('bob')).toBe(0);
  });

  it.skipIf(!available)('switches to the queued member on release', async () => {
    const alice = client('alice');
    const release = await alice.protect(
      alice.inDialog(aliceDialog, 'INFO', [talk('release')], [TALK_PACKAGE]),
    );

    const response = await alice.send(release);
    await clearReceived();
    const stop = sendContinuously([peer('alice'), peer('bob')]);
    await expect.poll(() => peer('alice').from('bob'), { timeout: 5000 }).toBeGreaterThan(5);
    await expect.poll(() => peer('carol').from('bob'), { timeout: 5000 }).toBeGreaterThan(5);
    await stop();
    await sleep(100);

    expect(status(response)).toBe(200);
    expect(fixture.server.context.calls.byGroup(GROUP_ID)?.floor.holder()).toBe(
      `sip:bob@${DOMAIN}`,
    );
    expect(peer('bob').from('alice')).toBe(0);
    expect(peer('carol').from('alice')).toBe(0);
  });

  it.skipIf(!available)('stops forwarding on release', async () => {
    const bob = client('bob');
    const release = await bob.protect(
      bob.inDialog(bobDialog, 'INFO', [talk('release')], [TALK_PACKAGE]),
    );

    const response = await bob.send(release);
    await clearReceived();
    const stop = sendContinuously([peer('alice'), peer('bob')]);
    await sleep(300);
    await stop();
    await sleep(100);

    expect(status(response)).toBe(200);
    expect(fixture.server.context.calls.byGroup(GROUP_ID)?.floor.holder()).toBeUndefined();
    expect(peer('alice').received).toHaveLength(0);
    expect(peer('carol').received).toHaveLength(0);
  });

  describe('rejects', () => {
    it.skipIf(!available)('a talk press in clear with 403', async () => {
      const bob = client('bob');
      const press = bob.inDialog(bobDialog, 'INFO', [talk('press')], [TALK_PACKAGE]);

      expect(status(await bob.send(press))).toBe(403);
      expect(fixture.server.context.calls.byGroup(GROUP_ID)?.floor.holder()).toBeUndefined();
    });

    it.skipIf(!available)('a talk request of another action with 400', async () => {
      const bob = client('bob');
      const grab = await bob.protect(
        bob.inDialog(bobDialog, 'INFO', [talk('grab the floor')], [TALK_PACKAGE]),
      );

      const before = fixture.logLines.length;

      expect(status(await bob.send(grab))).toBe(400);
      // Requests of the dialog share its Call-ID, so only the lines logged since count.
      const reasons = fixture.logLines
        .slice(before)
        .map((line) => JSON.parse(line) as { msg?: string; callId?: string; reason?: string })
        .filter((entry) => entry.msg === 'request rejected' && entry.callId === grab.callId)
        .map((entry) => entry.reason);
      expect(reasons).toEqual(['talk request body is not press or release']);
      expect(fixture.server.context.calls.byGroup(GROUP_ID)?.floor.holder()).toBeUndefined();
    });

    it.skipIf(!available)('a talk press without the package with 469', async () => {
      const bob = client('bob');
      const press = await bob.protect(bob.inDialog(bobDialog, 'INFO', [talk('press')]));

      const response = await bob.send(press);

      expect(status(response)).toBe(469);
      expect(response.getHeader('Recv-Info')).toBe('mcptt-talk');
    });

    it.skipIf(!available)('a talk press outside the call with 481', async () => {
      const dave = client('dave');
      const forged = { ...bobDialog, localUri: `sip:dave@${DOMAIN}`, remoteTag: 'other' };
      const press = await dave.protect(
        dave.inDialog(forged, 'INFO', [talk('press')], [TALK_PACKAGE]),
      );

      expect(status(await dave.send(press))).toBe(481);
    });

    it.skipIf(!available)('an INVITE without audio with 488', async () => {
      const carol = client('carol');
      const video = peer('alice').sdp.replace(/^m=audio /m, 'm=video ');
      const invite = await carol.protect(
        carol.request('INVITE', SERVER_URI, [
          sdpPart(video),
          mcpttInfo({ sessionType: 'private', calledPartyId: `sip:dave@${DOMAIN}` }),
        ]),
      );

      expect(status(await carol.send(invite))).toBe(488);
      expect(client('dave').incoming.some(isInvite)).toBe(false);
    });

    it.skipIf(!available)('a re-INVITE that changes media with 488', async () => {
      const alice = client('alice');
      const restart = peer('alice').sdp.replace(/^a=ice-ufrag:.*$/m, 'a=ice-ufrag:restart1');
      const reinvite = alice.inDialog(aliceDialog, 'INVITE', [sdpPart(restart)]);

      expect(status(await alice.send(reinvite))).toBe(488);
    });
  });

  it.skipIf(!available)('answers a re-INVITE with its SDP', async () => {
    const alice = client('alice');
    const call = fixture.server.context.calls.byGroup(GROUP_ID);
    const current = call?.media.media(aliceDialog.callId)?.localSdp;
    const reinvite = alice.inDialog(aliceDialog, 'INVITE', [sdpPart(peer('alice').sdp)]);

    const response = await alice.send(reinvite);
    alice.post(alice.inDialog(aliceDialog, 'ACK', []));

    expect(status(response)).toBe(200);
    // The answer is signed, so that alice can check its fingerprints, and otherwise unchanged.
    expect((await alice.securityOf(response)).sdpBound).toBe(true);
    const answer = await alice.open(response);
    expect(answer.contentType?.mediaType).toBe('application/sdp');
    expect(new TextDecoder().decode(answer.body)).toBe(current);
  });

  it.skipIf(!available)('ends a cancelled private call with 487', async () => {
    const alice = client('alice');
    const dave = client('dave');
    dave.inviteMode = 'ring';
    const invite = await alice.protect(
      alice.request('INVITE', SERVER_URI, [
        sdpPart(peer('alice').sdp),
        mcpttInfo({ sessionType: 'private', calledPartyId: `sip:dave@${DOMAIN}` }),
      ]),
    );

    const pending = alice.send(invite);
    const atDave = await dave.receive(isInvite);
    const cancel = await alice.send(alice.cancelOf(invite));
    const response = await pending;
    await expect.poll(() => atDave.answer && status(atDave.answer)).toBe(487);

    expect(status(cancel)).toBe(200);
    expect(status(response)).toBe(487);
    await expect
      .poll(() => fixture.server.context.calls.all().filter((call) => call.kind === 'private'))
      .toHaveLength(0);
  });

  it.skipIf(!available)('closes the media of an ended call', async () => {
    const alice = client('alice');

    const response = await alice.send(alice.inDialog(aliceDialog, 'BYE', []));
    await client('bob').receive((incoming) => incoming.raw.method === 'BYE');
    await Promise.all(Object.values(peers).map((media) => media.close()));

    expect(status(response)).toBe(200);
    expect(fixture.server.context.calls.all()).toHaveLength(0);
    await expect.poll(udpSockets).toBe(socketsBefore);
  });
});

async function publish(
  user: McpttTestClient,
  event: string,
  part: ReturnType<typeof textPart>,
): Promise<void> {
  const request = await user.protect(
    user.request('PUBLISH', SERVER_URI, [part], [{ name: 'Event', value: event }]),
  );
  expect(status(await user.send(request))).toBe(200);
}

function affiliation(group: string) {
  return textPart(
    MEDIA_TYPES.pidf,
    `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:m="urn:3gpp:ns:mcpttPresInfo:1.0" entity="x"><tuple id="c1"><status><m:affiliation group="${group}"/></status></tuple></presence>`,
  );
}
