/**
 * A participant whose SDP negotiated no floor channel takes part in the floor through signed INFO
 * requests. No channel closes when such a participant leaves, so the leg's end itself must take
 * the participant off the floor, or a holder who left would keep the floor and the queue behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textPart } from '../../src/body-parts.js';
import { createUacDialog, createUasDialog, type Dialog } from '../../src/dialog.js';
import { tagOf } from '../../src/sip-builder.js';
import {
  affiliation,
  callInvite,
  connectAuthorised,
  isInvite,
  publish,
} from '../helpers/call-setup.js';
import { DOMAIN, status, type McpttTestClient } from '../helpers/mcptt-test-client.js';
import { GROUP_ID, startFixture, type ServerFixture } from '../helpers/server-fixture.js';

const TALK_PACKAGE = { name: 'Info-Package', value: 'mcptt-talk' };
const ALICE = `sip:alice@${DOMAIN}`;
const BOB = `sip:bob@${DOMAIN}`;

describe('the floor of a participant without a floor channel', () => {
  let fixture: ServerFixture;
  let clients: Record<string, McpttTestClient> = {};
  let aliceDialog: Dialog;
  let bobDialog: Dialog;
  const client = (name: string) => clients[name] as McpttTestClient;
  const floor = () => fixture.server.context.calls.byGroup(GROUP_ID)?.floor;

  /** Sends a signed INFO talk request with `action` in `dialog`, and returns its status. */
  async function talk(name: string, dialog: Dialog, action: 'press' | 'release') {
    const user = client(name);
    const info = await user.protect(
      user.inDialog(dialog, 'INFO', [textPart('text/plain', action)], [TALK_PACKAGE]),
    );
    return status(await user.send(info));
  }

  beforeAll(async () => {
    fixture = await startFixture('relay');
    clients = await connectAuthorised(fixture, ['alice', 'bob', 'carol']);
    // Carol stays in the call, which would end with a single leg left.
    for (const name of ['bob', 'carol']) {
      await publish(client(name), 'presence', affiliation([GROUP_ID]));
    }
    const alice = client('alice');
    const invite = await callInvite(alice, {
      sessionType: 'prearranged',
      callingGroupId: GROUP_ID,
    });
    const response = await alice.send(invite);
    expect(status(response)).toBe(200);
    aliceDialog = createUacDialog(invite, response);
    alice.post(alice.inDialog(aliceDialog, 'ACK', []));
    const atBob = await client('bob').receive(isInvite);
    bobDialog = createUasDialog(atBob.raw, tagOf(atBob.answer?.getHeader('To')) ?? '');
  });

  afterAll(async () => {
    await fixture?.stop();
    for (const user of Object.values(clients)) {
      user.close();
    }
  });

  it('passes on the floor when the holder hangs up', async () => {
    expect(await talk('alice', aliceDialog, 'release')).toBe(200);
    expect(await talk('bob', bobDialog, 'press')).toBe(200);
    expect(await talk('alice', aliceDialog, 'press')).toBe(200);
    const holderBefore = floor()?.holder();
    const queueBefore = floor()
      ?.arbitrator.queue()
      .map((entry) => entry.participant);

    const bob = client('bob');
    expect(status(await bob.send(bob.inDialog(bobDialog, 'BYE', [])))).toBe(200);

    expect(holderBefore).toBe(BOB);
    expect(queueBefore).toEqual([ALICE]);
    expect(floor()?.holder()).toBe(ALICE);
    expect(floor()?.arbitrator.queue()).toEqual([]);
  });
});
