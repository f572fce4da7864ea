/**
 * A new INVITE that reuses the Call-ID of a running call. Without a `serverUri`, a new call in
 * clear reaches the client, so the SIP core can send one From the call's remote party with the
 * running call's Call-ID. The client knows its calls by Call-ID, so it must not take such an
 * INVITE for a second call: the running call would lose the check of its remote party, and
 * another user could then change its media.
 */
import { describe, expect, it } from 'vitest';
import {
  BOUND_HEADERS,
  SipMessage,
  protectMessage,
  utf8Decode,
  utf8Encode,
} from '@mcptt-smime/smime';

import type { IncomingCallEvent } from '../src/api/events.js';
import type { McpttCall } from '../src/api/mcptt-call.js';
import { ALICE, BOB, startPair } from './helpers/clients.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { MALLORY, sdpWith } from './helpers/group-call.js';
import { until } from './helpers/until.js';

const MALLORY_FINGERPRINT = 'DE:AD';
const REUSED_BRANCH = 'z9hG4bKreused1';
const MALLORY_BRANCH = 'z9hG4bKmallory1';
const stops = useCallHooks();

/** Starts a call from alice to bob, her peer, which bob accepts, with its INVITE and 200 OK. */
async function establishedPeerCall() {
  const incoming: IncomingCallEvent[] = [];
  const started = await startPair({
    bob: {
      onIncomingCall: (event) => {
        incoming.push(event);
        if (incoming.length === 1) event.call.accept();
        else event.call.reject(486);
      },
    },
  });
  stops.push(started.stop);
  const call = started.alice.startGroupCall({ groupId: 'sip:engine-1@example.org', target: BOB });
  await call.established();
  const invite = frameOf(started.wire, 'INVITE ');
  const answer = frameOf(started.wire, 'SIP/2.0 200 ');
  const receive = (text: string): void =>
    (started.transports.b as unknown as { ondata(data: string): void }).ondata(text);
  return { ...started, incoming, invite, answer, receive };
}

function frameOf(wire: readonly string[], prefix: string): SipMessage {
  return SipMessage.parse(utf8Encode(wire.find((frame) => frame.startsWith(prefix)) ?? ''));
}

function tagOf(header: string | undefined): string {
  return /;tag=([^;>\s]+)/.exec(header ?? '')?.[1] ?? '';
}

/** Builds a new INVITE in clear From alice to bob with the Call-ID of `invite` and no To tag. */
function inviteWithCallId(invite: SipMessage): string {
  const request = SipMessage.create(
    { type: 'request', version: 'SIP/2.0', method: 'INVITE', requestUri: BOB },
    [
      { name: 'Via', value: `SIP/2.0/WS 127.0.0.1:9;branch=${REUSED_BRANCH}` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<${ALICE}>;tag=reused` },
      { name: 'To', value: `<${BOB}>` },
      { name: 'Call-ID', value: invite.callId },
      { name: 'CSeq', value: '1 INVITE' },
      { name: 'Contact', value: '<sip:alice@127.0.0.1;transport=ws>' },
    ],
  ).withBody(utf8Encode(sdpWith('AA:AA', 1)), { contentType: 'application/sdp' });
  return utf8Decode(request.toBytes());
}

/** Builds mallory's re-INVITE inside the dialog of `invite` and `answer`, with her SDP. */
function malloryReInvite(invite: SipMessage, answer: SipMessage): SipMessage {
  return SipMessage.create(
    { type: 'request', version: 'SIP/2.0', method: 'INVITE', requestUri: BOB },
    [
      { name: 'Via', value: `SIP/2.0/WS 127.0.0.1:9;branch=${MALLORY_BRANCH}` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<${MALLORY}>;tag=${tagOf(invite.getHeader('From'))}` },
      { name: 'To', value: `<${BOB}>;tag=${tagOf(answer.getHeader('To'))}` },
      { name: 'Call-ID', value: invite.callId },
      { name: 'CSeq', value: '9 INVITE' },
      { name: 'Contact', value: '<sip:mallory@127.0.0.1;transport=ws>' },
    ],
  ).withBody(utf8Encode(sdpWith(MALLORY_FINGERPRINT, 2)), { contentType: 'application/sdp' });
}

function remoteFingerprint(call: McpttCall): string | undefined {
  const connection = call.session.connection as unknown as {
    remoteDescription: { sdp: string } | null;
  };
  return /a=fingerprint:sha-256 (\S+)/.exec(connection.remoteDescription?.sdp ?? '')?.[1];
}

/** Returns the status lines of bob's responses to the request of this Via branch. */
function responses(wire: readonly string[], branch: string): string[] {
  return wire
    .filter((frame) => frame.startsWith('SIP/2.0 ') && frame.includes(`;branch=${branch}\r\n`))
    .map((frame) => frame.split('\r\n')[0] ?? '');
}

describe('an INVITE with the Call-ID of a running call', () => {
  it('gets 403 before the application sees it', async () => {
    const { wire, recorded, incoming, invite, receive } = await establishedPeerCall();

    receive(inviteWithCallId(invite));

    await until(() => responses(wire, REUSED_BRANCH).length > 0);
    expect(responses(wire, REUSED_BRANCH)).toEqual(['SIP/2.0 403 Forbidden']);
    expect(recorded.bob.failures.map((failure) => failure.code)).toEqual(['ERR_REPLAYED']);
    expect(recorded.bob.failures[0]?.sipStatus).toBe(403);
    expect(incoming).toHaveLength(1);
  });

  it('keeps the check of the remote party of the running call', async () => {
    const { wire, recorded, incoming, invite, answer, receive, stores } =
      await establishedPeerCall();
    const bobCall = incoming[0]?.call as McpttCall;
    const before = remoteFingerprint(bobCall);

    receive(inviteWithCallId(invite));
    await until(() => responses(wire, REUSED_BRANCH).length > 0);
    const signed = await protectMessage(malloryReInvite(invite, answer), {
      crypto: globalThis.crypto,
      signer: await stores.pki.identity('mallory'),
      recipients: [stores.pki.certificate('bob')],
      now: stores.now,
      bindHeaders: BOUND_HEADERS,
      bindSdp: true,
    });
    receive(utf8Decode(signed.toBytes()));

    await until(() => responses(wire, MALLORY_BRANCH).length > 0);
    expect(responses(wire, MALLORY_BRANCH)).toEqual(['SIP/2.0 403 Forbidden']);
    expect(recorded.bob.failures.at(-1)?.code).toBe('ERR_IDENTITY_MISMATCH');
    expect(remoteFingerprint(bobCall)).toBe(before);
  });
});
