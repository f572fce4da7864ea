/**
 * A group call of alice's client with bob as the MCPTT server, on a fake socket, and the server's
 * responses to it, signed by any user of the test PKI.
 */
import {
  BOUND_HEADERS,
  SipMessage,
  protectMessage,
  utf8Decode,
  utf8Encode,
} from '@mcptt-smime/smime';

import { McpttClient } from '../../src/api/mcptt-client.js';
import type { GroupCallOptions } from '../../src/api/call-request.js';
import type { SocketFailureEvent } from '../../src/core/protecting-socket.js';
import { FakeSocket } from './fake-socket.js';
import { createKeyStores, testCrypto } from './pki.js';
import { until } from './until.js';

export const ALICE = 'sip:alice@example.org';
export const SERVER = 'sip:bob@example.org';
export const MALLORY = 'sip:mallory@example.org';
export const GROUP = 'sip:engine-1@example.org';
export const SERVER_FINGERPRINT = 'AA:AA';
export const MALLORY_FINGERPRINT = 'DE:AD';

/**
 * Starts alice's client, whose MCPTT server is bob, and starts a group call with `request`.
 * `stops` receives the client's stop, for the test's clean-up.
 */
export async function startCall(
  stops: (() => void)[],
  request: Omit<GroupCallOptions, 'groupId'> = {},
) {
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
  const call = alice.startGroupCall({ groupId: GROUP, ...request });
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
  return { socket, failures, call, invite, sign, stores };
}

/** Starts the call and accepts it with the server's signed 200 OK. */
export async function establishedCall(
  stops: (() => void)[],
  request: Omit<GroupCallOptions, 'groupId'> = {},
) {
  const started = await startCall(stops, request);
  const { socket, call, invite, sign } = started;
  socket.receive(await sign('bob', answer(invite, SERVER, SERVER_FINGERPRINT)));
  await call.established();
  return started;
}

export function sent(socket: FakeSocket, prefix: string): string[] {
  return socket.sent.filter((frame) => frame.startsWith(prefix));
}

/** Returns an SDP whose DTLS fingerprint starts with `fingerprint`. */
export function sdpWith(fingerprint: string, version: number): string {
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
export function answer(
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

/**
 * Builds a request of `method` from `uri` to alice inside the dialog of `invite`, with the
 * dialog's tags and CSeq number `sequence`, and no body.
 */
export function requestInDialog(
  invite: SipMessage,
  uri: string,
  method: string,
  sequence: number,
): SipMessage {
  const aliceTag = /tag=([^;>\s]+)/.exec(invite.getHeader('From') ?? '')?.[1] ?? '';
  const branch = `z9hG4bK${method.toLowerCase()}${String(sequence)}`;
  return SipMessage.create({ type: 'request', version: 'SIP/2.0', method, requestUri: ALICE }, [
    { name: 'Via', value: `SIP/2.0/WS 127.0.0.1:9;branch=${branch}` },
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: `<${uri}>;tag=srv1` },
    { name: 'To', value: `<${ALICE}>;tag=${aliceTag}` },
    { name: 'Call-ID', value: invite.callId },
    { name: 'CSeq', value: `${String(sequence)} ${method}` },
    { name: 'Contact', value: '<sip:srv@127.0.0.1;transport=ws>' },
  ]);
}
