import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runsWithTool } from '../../../../tools/required-tool.js';
import { findKamailio } from '@mcptt-smime/sip-core';
import { MEDIA_TYPES, readParts, textPart } from '../../src/body-parts.js';
import { createUacDialog, createUasDialog, type Dialog } from '../../src/dialog.js';
import type { FloorMessage } from '@mcptt-smime/floor';
import { buildMcpttInfo } from '../../src/mcptt-xml.js';
import { tagOf } from '../../src/sip-builder.js';
import {
  McpttTestClient,
  SERVER_URI,
  status,
  textOf,
  type Incoming,
} from '../helpers/mcptt-test-client.js';
import { GROUP_ID, startFixture, type ServerFixture } from '../helpers/server-fixture.js';
import { FloorPeer } from './floor-peer.js';

const NAMES = ['alice', 'bob', 'carol'] as const;
const uriOf = (name: string) => `sip:${name}@mcptt.example`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mcpttInfo = (info: Parameters<typeof buildMcpttInfo>[0]) =>
  textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo(info));
const isInvite = (incoming: Incoming) => incoming.raw.method === 'INVITE';
const TALK_PACKAGE = { name: 'Info-Package', value: 'mcptt-talk' };

const cores = [
  ['kamailio', runsWithTool(findKamailio() !== undefined)],
  ['relay', true],
] as const;

/** Sends audio from every peer every 20 ms until the returned function is called. */
function talkContinuously(peers: readonly FloorPeer[]): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(peers.map((peer) => peer.talk()));
      await sleep(20);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

describe.each(cores)('floor control in a group call through %s', (core, available) => {
  let fixture: ServerFixture;
  const clients: Record<string, McpttTestClient> = {};
  const peers: Record<string, FloorPeer> = {};
  let aliceDialog: Dialog;
  let carolDialog: Dialog;

  const client = (name: string) => clients[name] as McpttTestClient;
  const peer = (name: string) => peers[name] as FloorPeer;
  const lastOf = (name: string): FloorMessage | undefined => peer(name).last();
  const holder = () => fixture.server.context.calls.byGroup(GROUP_ID)?.floor.holder();

  /** Sends a protected INFO talk request with `action` in `dialog`, and returns its status. */
  async function pressTalk(name: string, dialog: Dialog, action: 'press' | 'release') {
    const user = client(name);
    const info = await user.protect(
      user.inDialog(dialog, 'INFO', [textPart('text/plain', action)], [TALK_PACKAGE]),
    );
    return status(await user.send(info));
  }

  /** Checks that `listener` hears `talker` and nobody else who sends at the same time. */
  async function expectOnlyHeard(listener: string, talker: string, others: string[]) {
    const before = others.map((name) => peer(listener).from(name));
    const stop = talkContinuously([talker, ...others].map(peer));
    const heard = peer(listener).from(talker);
    await expect
      .poll(() => peer(listener).from(talker), { timeout: 5000 })
      .toBeGreaterThan(heard + 10);
    await stop();
    await sleep(100);
    expect(others.map((name) => peer(listener).from(name))).toEqual(before);
  }

  beforeAll(async () => {
    if (!available) {
      return;
    }
    fixture = await startFixture(core);
    for (const name of NAMES) {
      const user = await McpttTestClient.connect(fixture.coreUrl, name, fixture.pki, fixture.pki);
      clients[name] = user;
      expect(await user.bind()).toBe(200);
      await publish(user, 'poc-settings', mcpttInfo({ clientId: `${name}-1` }));
      await publish(user, 'presence', affiliation(GROUP_ID));
      user.answerSdp = async (offer) => {
        peers[name] = new FloorPeer(name);
        return peer(name).answer(offer);
      };
    }
  });

  afterAll(async () => {
    await fixture?.stop();
    await Promise.all(Object.values(peers).map((media) => media.close()));
    for (const user of Object.values(clients)) {
      user.close();
    }
  });

  it.skipIf(!available)('grants the emergency caller its implicit request', async () => {
    const alice = client('alice');
    peers.alice = new FloorPeer('alice');
    const invite = await alice.protect(
      alice.request('INVITE', SERVER_URI, [
        textPart(MEDIA_TYPES.sdp, await peer('alice').offer()),
        mcpttInfo({ sessionType: 'prearranged', callingGroupId: GROUP_ID, emergency: true }),
      ]),
    );
    const response = await alice.send(invite);
    aliceDialog = createUacDialog(invite, response);
    alice.post(alice.inDialog(aliceDialog, 'ACK', []));
    await peer('alice').accept(
      textOf(readParts(await alice.open(response)), MEDIA_TYPES.sdp) ?? '',
    );
    await client('bob').receive(isInvite);
    const atCarol = await client('carol').receive(isInvite);
    carolDialog = createUasDialog(atCarol.raw, tagOf(atCarol.answer?.getHeader('To')) ?? '');
    await Promise.all(NAMES.map((name) => peer(name).opened()));

    expect(status(response)).toBe(200);
    await expect
      .poll(() => lastOf('alice'))
      .toMatchObject({
        type: 'floor-granted',
        emergency: true,
      });
    for (const name of ['bob', 'carol']) {
      await expect
        .poll(() => lastOf(name))
        .toEqual({
          type: 'floor-taken',
          grantedParty: uriOf('alice'),
          permissionToRequest: true,
          emergency: true,
        });
    }
  });

  it.skipIf(!available)('forwards only the holder', async () => {
    await expectOnlyHeard('carol', 'alice', ['bob']);
  });

  it.skipIf(!available)('passes the floor between members', async () => {
    peer('alice').send({ type: 'floor-release' });
    await expect.poll(() => lastOf('bob')).toEqual({ type: 'floor-idle' });
    peer('bob').send({ type: 'floor-request', priority: 1 });
    await expect.poll(() => lastOf('bob')?.type).toBe('floor-granted');
    await expectOnlyHeard('carol', 'bob', ['alice']);

    peer('carol').send({ type: 'floor-request', priority: 1 });
    await expect
      .poll(() => lastOf('carol'))
      .toEqual({
        type: 'floor-queue-position-info',
        position: 1,
        priority: 1,
      });
    peer('bob').send({ type: 'floor-release' });
    await expect.poll(() => lastOf('carol')?.type).toBe('floor-granted');
    await expectOnlyHeard('alice', 'carol', ['bob']);
  });

  it.skipIf(!available)('pre-empts for the emergency caller', async () => {
    peer('alice').send({ type: 'floor-request', priority: 0 });

    await expect
      .poll(() => peer('carol').types().slice(-2))
      .toEqual(['floor-revoke', 'floor-taken']);
    expect(peer('carol').floor.at(-2)?.message).toEqual({ type: 'floor-revoke', cause: 4 });
    await expect.poll(() => lastOf('alice')?.type).toBe('floor-granted');
    await expectOnlyHeard('bob', 'alice', ['carol']);
  });

  it.skipIf(!available)('queues an INFO press behind the holder', async () => {
    expect(await pressTalk('carol', carolDialog, 'press')).toBe(200);

    await expect
      .poll(() => lastOf('carol'))
      .toEqual({ type: 'floor-queue-position-info', position: 1, priority: 0 });
    expect(holder()).toBe(uriOf('alice'));
    await expectOnlyHeard('bob', 'alice', ['carol']);
  });

  it.skipIf(!available)('grants an INFO press on INFO release', async () => {
    expect(await pressTalk('alice', aliceDialog, 'release')).toBe(200);

    await expect.poll(() => lastOf('carol')?.type).toBe('floor-granted');
    expect(holder()).toBe(uriOf('carol'));
    // The Floor Taken messages travel on their own and may arrive after carol's grant.
    const takenByCarol = { type: 'floor-taken', grantedParty: uriOf('carol') };
    await expect.poll(() => lastOf('alice')).toMatchObject(takenByCarol);
    await expect.poll(() => lastOf('bob')).toMatchObject(takenByCarol);
    await expectOnlyHeard('bob', 'carol', ['alice']);
  });

  it.skipIf(!available)('pre-empts for an emergency INFO press', async () => {
    expect(await pressTalk('alice', aliceDialog, 'press')).toBe(200);

    await expect
      .poll(() => peer('carol').types().slice(-2))
      .toEqual(['floor-revoke', 'floor-taken']);
    await expect.poll(() => lastOf('alice')?.type).toBe('floor-granted');
    expect(holder()).toBe(uriOf('alice'));
    await expectOnlyHeard('bob', 'alice', ['carol']);
  });

  it.skipIf(!available)('passes on the floor of a talker who hangs up', async () => {
    peer('alice').send({ type: 'floor-release' });
    await expect.poll(() => lastOf('carol')).toEqual({ type: 'floor-idle' });
    peer('carol').send({ type: 'floor-request', priority: 0 });
    // Requests on two channels may arrive in either order, so bob asks once carol talks.
    await expect.poll(() => lastOf('carol')?.type).toBe('floor-granted');
    peer('bob').send({ type: 'floor-request', priority: 0 });
    await expect.poll(() => lastOf('bob')?.type).toBe('floor-queue-position-info');

    const carol = client('carol');
    expect(status(await carol.send(carol.inDialog(carolDialog, 'BYE', [])))).toBe(200);

    await expect.poll(() => lastOf('bob')?.type, { timeout: 5000 }).toBe('floor-granted');
    await expect
      .poll(() => lastOf('alice'))
      .toMatchObject({ type: 'floor-taken', grantedParty: uriOf('bob') });
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
