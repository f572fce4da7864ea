/**
 * Messages of a call whose far end is not the call's remote party never reach JsSIP. The SIP
 * core relays Call-ID and tags in clear, and any holder of a certificate from the same CA can
 * sign a message in its own name, so without this check JsSIP would take an answer or a
 * re-INVITE from another user, with the DTLS fingerprint of that user's media.
 */
import { describe, expect, it } from 'vitest';
import {
  BOUND_HEADERS,
  SipMessage,
  protectMessage,
  utf8Decode,
  utf8Encode,
} from '@mcptt-smime/smime';

import type { McpttCall } from '../src/api/mcptt-call.js';
import { McpttClient } from '../src/api/mcptt-client.js';
import type { SocketFailureEvent } from '../src/core/protecting-socket.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { FakeSocket } from './helpers/fake-socket.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { until } from './helpers/until.js';

const ALICE = 'sip:alice@example.org';
const SERVER = 'sip:bob@example.org';
const MALLORY = 'sip:mallory@example.org';
const GROUP = 'sip:engine-1@example.org';
const SERVER_FINGERPRINT = 'AA:AA';
const MALLORY_FINGERPRINT = 'DE:AD';

const stops = useCallHooks();

/** Starts alice's client, whose MCPTT server is bob, and starts a group call. */
async function startCall() {
  const stores = await createKeyStores();
  const socket = new FakeSocket();
  const failures: SocketFailureEvent[] = [];
  const alice = new McpttClient({
    uri: ALICE,
    transport: socket,
    crypto: testCrypto,
    keyStore: stores.alice,
    now: stores.now,
    serverUri: SERVER,
    serverCertificates: [stores.pki.certificate('bob')],
    delegate: { onSecurityFailure: (event) => failures.push(event) },
  });
  stops.push(() => alice.stop());
  await alice.start();
  const call = alice.startGroupCall({ groupId: GROUP });
  await until(() => sent(socket, 'INVITE ').length === 1);
  const invite = SipMessage.parse(utf8Encode(sent(socket, 'INVITE ')[0] ?? ''));
  const sign = async (name: string, message: SipMessage): Promise<string> => {
    const protectedMessage = await protectMessage(message, {
      crypto: testCrypto,
      signer: await stores.pki.identity(name),
      recipients: [stores.pki.certificate('alice')],
      now: stores.now,
      bindHeaders: BOUND_HEADERS,
      bindSdp: true,
    });
    return utf8Decode(protectedMessage.toBytes());
  };
  return { socket, failures, call, invite, sign };
}

/** Starts the call and answers it as the server. */
async function establishedCall() {
  const started = await startCall();
  const { socket, call, invite, sign } = started;
  socket.receive(await sign('bob', answer(invite, SERVER, SERVER_FINGERPRINT)));
  await call.established();
  return started;
}

function sent(socket: FakeSocket, prefix: string): string[] {
  return socket.sent.filter((frame) => frame.startsWith(prefix));
}

/** Returns an SDP whose DTLS fingerprint starts with `fingerprint`. */
function sdpWith(fingerprint: string, version: number): string {
  const tail = ':00'.repeat(30);
  return [
    'v=0',
    `o=- 9 ${String(version)} IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 127.0.0.1',
    'a=rtpmap:111 opus/48000/2',
    'a=setup:active',
    `a=fingerprint:sha-256 ${fingerprint}${tail}`,
    '',
  ].join('\r\n');
}

/**
 * Builds a response to `invite` whose To names `uri`, with an SDP. It keeps the INVITE's Via, and
 * so its branch, but may carry another Call-ID.
 */
function answer(
  invite: SipMessage,
  uri: string,
  fingerprint: string,
  options: { status?: number; callId?: string } = {},
): SipMessage {
  const headers = [
    ...invite.getHeaders('Via').map((value) => ({ name: 'Via', value })),
    { name: 'From', value: invite.getHeader('From') ?? '' },
    { name: 'To', value: `<${uri}>;tag=srv1` },
    { name: 'Call-ID', value: options.callId ?? invite.callId },
    { name: 'CSeq', value: invite.getHeader('CSeq') ?? '' },
    { name: 'Contact', value: '<sip:srv@127.0.0.1;transport=ws>' },
  ];
  const status = options.status ?? 200;
  return SipMessage.create(
    {
      type: 'response',
      version: 'SIP/2.0',
      status,
      reasonPhrase: status === 200 ? 'OK' : 'Ringing',
    },
    headers,
  ).withBody(utf8Encode(sdpWith(fingerprint, 1)), { contentType: 'application/sdp' });
}

/** Builds a re-INVITE of the dialog of `invite` from `uri`, keeping the dialog's tags. */
function reInvite(invite: SipMessage, uri: string, fingerprint: string): SipMessage {
  const aliceTag = /tag=([^;>\s]+)/.exec(invite.getHeader('From') ?? '')?.[1] ?? '';
  return SipMessage.create(
    { type: 'request', version: 'SIP/2.0', method: 'INVITE', requestUri: ALICE },
    [
      { name: 'Via', value: 'SIP/2.0/WS 127.0.0.1:9;branch=z9hG4bKreinvite1' },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<${uri}>;tag=srv1` },
      { name: 'To', value: `<${ALICE}>;tag=${aliceTag}` },
      { name: 'Call-ID', value: invite.callId },
      { name: 'CSeq', value: '7 INVITE' },
      { name: 'Contact', value: '<sip:srv@127.0.0.1;transport=ws>' },
    ],
  ).withBody(utf8Encode(sdpWith(fingerprint, 2)), { contentType: 'application/sdp' });
}

function remoteFingerprint(call: McpttCall): string | undefined {
  const connection = call.session.connection as unknown as {
    remoteDescription: { sdp: string } | null;
  };
  return /a=fingerprint:sha-256 (\S+)/.exec(connection.remoteDescription?.sdp ?? '')?.[1];
}

describe('an answer from another user', () => {
  it('fails the call with 403', async () => {
    const { socket, failures, call, invite, sign } = await startCall();

    socket.receive(await sign('mallory', answer(invite, MALLORY, MALLORY_FINGERPRINT)));

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 403 });
    expect(failures.map((failure) => failure.code)).toEqual(['ERR_IDENTITY_MISMATCH']);
    expect(failures[0]?.sipStatus).toBe(403);
    expect(remoteFingerprint(call)).toBeUndefined();
  });

  it('passes from the remote party', async () => {
    const { socket, failures, call, invite, sign } = await startCall();

    socket.receive(await sign('bob', answer(invite, SERVER, SERVER_FINGERPRINT)));

    await call.established();
    expect(failures).toEqual([]);
    expect(remoteFingerprint(call)?.startsWith(SERVER_FINGERPRINT)).toBe(true);
  });
});

describe('a response of another dialog on the INVITE branch', () => {
  it('fails the call with 403', async () => {
    const { socket, failures, call, invite, sign } = await startCall();
    const other = answer(invite, MALLORY, MALLORY_FINGERPRINT, { callId: 'another-call' });

    socket.receive(await sign('mallory', other));

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 403 });
    expect(failures.map((failure) => failure.code)).toEqual(['ERR_IDENTITY_MISMATCH']);
    expect(remoteFingerprint(call)).toBeUndefined();
  });

  it('fails the call when a quoted Via parameter names another branch', async () => {
    const { socket, failures, call, invite, sign } = await startCall();
    const other = answer(invite, MALLORY, MALLORY_FINGERPRINT, { callId: 'another-call' });
    const [top = '', ...rest] = other.getHeaders('Via');
    const decoy = top.replace(';branch=', ';x="q;branch=z9hG4bKdecoy";branch=');
    const disguised = other.withHeader('Via', [decoy, ...rest].join(', '));

    socket.receive(await sign('mallory', disguised));

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 403 });
    expect(failures.map((failure) => failure.code)).toEqual(['ERR_IDENTITY_MISMATCH']);
    expect(remoteFingerprint(call)).toBeUndefined();
  });

  it('sets no early media from a provisional response', async () => {
    const { socket, failures, call, invite, sign } = await startCall();
    const early = answer(invite, MALLORY, MALLORY_FINGERPRINT, { status: 183, callId: 'x' });

    socket.receive(await sign('mallory', early));

    await until(() => failures.length === 1);
    expect(failures[0]?.code).toBe('ERR_IDENTITY_MISMATCH');
    expect(remoteFingerprint(call)).toBeUndefined();
    expect(call.state).not.toBe('established');
  });
});

describe('a re-INVITE from another user', () => {
  it('gets 403 and changes no media', async () => {
    const { socket, failures, call, invite, sign } = await establishedCall();

    socket.receive(await sign('mallory', reInvite(invite, MALLORY, MALLORY_FINGERPRINT)));

    await until(() => sent(socket, 'SIP/2.0 ').length > 0);
    expect(sent(socket, 'SIP/2.0 ')[0]?.split('\r\n')[0]).toBe('SIP/2.0 403 Forbidden');
    expect(failures.map((failure) => failure.code)).toEqual(['ERR_IDENTITY_MISMATCH']);
    expect(remoteFingerprint(call)?.startsWith(SERVER_FINGERPRINT)).toBe(true);
  });

  it('passes from the remote party', async () => {
    const { socket, failures, call, invite, sign } = await establishedCall();

    socket.receive(await sign('bob', reInvite(invite, SERVER, MALLORY_FINGERPRINT)));

    await until(() => sent(socket, 'SIP/2.0 200').length > 0);
    expect(failures).toEqual([]);
    expect(remoteFingerprint(call)?.startsWith(MALLORY_FINGERPRINT)).toBe(true);
  });
});
