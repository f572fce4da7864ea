/**
 * The sender that the client reports: the calling user and group of a received mcptt-info
 * count only when the MCPTT server signed it, and a client with a server takes calls only from
 * that server. A peer that writes another user or a group into its own mcptt-info is shown as
 * itself.
 */
import { describe, expect, it } from 'vitest';
import {
  SipMessage,
  protectMessage,
  utf8Decode,
  utf8Encode,
  type SecurityInfo,
} from '@mcptt-smime/smime';

import type { EmergencyAlertEvent, ShortDataEvent } from '../src/api/events.js';
import type { CallPartsEvent } from '../src/api/mcptt-call.js';
import type { McpttClient } from '../src/api/mcptt-client.js';
import { believedInfo, vouchedByServer } from '../src/api/sender-trust.js';
import { SipRequestFailedError } from '../src/api/sip-request-failed-error.js';
import { composeMixedBody } from '../src/core/multipart-bridge.js';
import { buildMcpttInfo } from '../src/mcptt/mcptt-info.js';
import { MCPTT_INFO_TYPE } from '../src/mcptt/media-types.js';
import { ALICE, BOB, startPair } from './helpers/clients.js';
import { testCrypto } from './helpers/pki.js';
import { getTestPki } from '../../smime/test/smime/test-pki.js';
import { useCallHooks } from './helpers/call-hooks.js';

const CAROL = 'sip:carol@example.org';
const MALLORY = 'sip:mallory@example.org';
const SERVER = 'sip:mcptt-server@example.org';
const GROUP = 'sip:engine-1@example.org';

const stops = useCallHooks();

/** Starts alice and bob; bob records what he receives and uses `bobServer` as his server. */
async function startMessagingPair(bobServer: string | undefined) {
  const received: (ShortDataEvent | EmergencyAlertEvent)[] = [];
  const started = await startPair({
    bob: {
      ...(bobServer === undefined ? {} : { serverUri: bobServer }),
      delegate: {
        onShortData: (event) => received.push(event),
        onEmergencyAlert: (event) => received.push(event),
      },
    },
  });
  stops.push(started.stop);
  return { alice: started.alice, received };
}

/** Sends bob a MESSAGE from alice whose mcptt-info claims carol as the sender and a group. */
function sendClaimingCarol(alice: McpttClient, extra: { alert?: boolean } = {}): Promise<void> {
  const info = buildMcpttInfo({
    callingUserId: CAROL,
    callingGroupId: GROUP,
    ...(extra.alert === true ? { alert: true, emergency: true } : {}),
  });
  const parts = [{ contentType: MCPTT_INFO_TYPE, body: info }];
  if (extra.alert !== true) parts.push({ contentType: 'text/plain', body: 'evacuate now' });
  const { contentType, body } = composeMixedBody(undefined, parts, testCrypto);
  return new Promise((resolve, reject) => {
    alice.ua.sendMessage(BOB, body, {
      contentType,
      eventHandlers: {
        succeeded: () => resolve(),
        failed: () => reject(new Error('MESSAGE failed')),
      },
    });
  });
}

describe('short data from a peer', () => {
  it('names the signer, not the claimed user', async () => {
    const { alice, received } = await startMessagingPair(undefined);

    await sendClaimingCarol(alice);

    const event = received[0] as ShortDataEvent;
    expect(event.text).toBe('evacuate now');
    expect(event.from).toBe(ALICE);
    expect(event.groupId).toBeUndefined();
  });

  it('drops the claims when bob has another server', async () => {
    const { alice, received } = await startMessagingPair(SERVER);

    await sendClaimingCarol(alice);

    const event = received[0] as ShortDataEvent;
    expect(event.from).toBe(ALICE);
    expect(event.groupId).toBeUndefined();
  });

  it('believes the claims its server signed', async () => {
    const { alice, received } = await startMessagingPair(ALICE);

    await sendClaimingCarol(alice);

    const event = received[0] as ShortDataEvent;
    expect(event.from).toBe(CAROL);
    expect(event.groupId).toBe(GROUP);
  });

  it('strips the claims from an alert', async () => {
    const { alice, received } = await startMessagingPair(undefined);

    await sendClaimingCarol(alice, { alert: true });

    const event = received[0] as EmergencyAlertEvent;
    expect(event.from).toBe(ALICE);
    expect(event.info.alert).toBe(true);
    expect(event.info.callingUserId).toBeUndefined();
    expect(event.info.callingGroupId).toBeUndefined();
  });
});

describe('calls from a peer', () => {
  it('rejects a call not from the server', async () => {
    const { alice, recorded } = await startPairForCalls({ serverUri: SERVER });
    const call = alice.startGroupCall({ target: BOB, groupId: GROUP });

    const failure = call.established();

    await expect(failure).rejects.toBeInstanceOf(SipRequestFailedError);
    await expect(failure).rejects.toMatchObject({ sipStatus: 403 });
    expect(recorded.bob.calls).toEqual([]);
  });

  it('takes a call that its server signed', async () => {
    const { alice, recorded } = await startPairForCalls({ serverUri: ALICE });
    const call = alice.startGroupCall({ target: BOB, groupId: GROUP });

    await call.established();

    expect(recorded.bob.calls[0]?.info?.requestUri).toBe(GROUP);
    expect(recorded.bob.calls[0]?.from).toBe(ALICE);
  });
});

describe('dialog messages from others', () => {
  it('drops a foreign request and answer', async () => {
    const { bobCall, inject, settle } = await establishedCall();
    const seen: CallPartsEvent[] = [];
    bobCall.delegate = { onParts: (event) => seen.push(event) };
    const before = bobCall.security;

    inject('b', await signedByMallory(bobCall.callId, 'INFO'));
    inject('b', await signedByMallory(bobCall.callId, 'INVITE', 200));
    await settle('b');

    expect(seen).toEqual([]);
    expect(bobCall.security).toBe(before);
    expect(bobCall.security?.signerUri).toBe(ALICE);
  });

  it('keeps a signed answer over a clear one', async () => {
    const { aliceCall, inject, settle } = await establishedCall();
    const before = aliceCall.security;

    inject('a', clearAnswer(aliceCall.callId));
    await settle('a');

    expect(before?.signed).toBe(true);
    expect(aliceCall.security).toBe(before);
  });
});

/** Sets up a group call from alice to bob, who accepts with signed parts, so both ends sign. */
async function establishedCall() {
  const answerParts = [{ contentType: MCPTT_INFO_TYPE, body: buildMcpttInfo({ clientId: 'b' }) }];
  const started = await startPair({
    bob: { serverUri: ALICE, onIncomingCall: (event) => event.call.accept({ parts: answerParts }) },
  });
  stops.push(started.stop);
  const aliceCall = started.alice.startGroupCall({ target: BOB, groupId: GROUP });
  await aliceCall.established();
  const bobCall = started.recorded.bob.calls[0]?.call;
  if (bobCall === undefined) throw new Error('bob got no call');
  await bobCall.established();
  const inject = (side: 'a' | 'b', text: string): void => {
    (started.transports[side] as unknown as { ondata(data: string): void }).ondata(text);
  };
  // Each side unprotects its incoming frames in arrival order. Once the other side has the 200 OK
  // to a MESSAGE sent after an injection, the injected frames were handled too.
  const settle = async (side: 'a' | 'b'): Promise<void> => {
    if (side === 'b') await started.alice.sendShortData(BOB, 'after the injection');
    else await started.bob.sendShortData(ALICE, 'after the injection');
  };
  return { aliceCall, bobCall, inject, settle };
}

/** Builds a dialog request or INVITE response that mallory signs and encrypts for bob. */
async function signedByMallory(callId: string, method: string, status?: number): Promise<string> {
  const pki = await getTestPki();
  const info = buildMcpttInfo({ callingUserId: CAROL, callingGroupId: GROUP });
  const start =
    status === undefined
      ? [`${method} ${BOB} SIP/2.0`, `From: <${MALLORY}>;tag=m1`, `To: <${BOB}>;tag=b1`]
      : [`SIP/2.0 ${String(status)} OK`, `From: <${BOB}>;tag=b1`, `To: <${MALLORY}>;tag=m1`];
  const message = sipText(start, callId, `77 ${method}`, info);
  const sealed = await protectMessage(SipMessage.parse(utf8Encode(message)), {
    crypto: testCrypto,
    signer: await pki.identity('mallory'),
    recipients: [pki.certificate('bob')],
    now: () => pki.now,
  });
  return utf8Decode(sealed.toBytes());
}

/** Builds a bodiless 200 OK in clear to alice's INVITE, as the core could inject it. */
function clearAnswer(callId: string): string {
  const start = ['SIP/2.0 200 OK', `From: <${ALICE}>;tag=a9`, `To: <${BOB}>;tag=b9`];
  return sipText(start, callId, '1 INVITE', undefined);
}

function sipText(start: readonly string[], callId: string, cseq: string, info?: string): string {
  const body = info ?? '';
  return [
    ...start,
    'Via: SIP/2.0/WS 127.0.0.1:9;branch=z9hG4bKforeign1',
    'Max-Forwards: 70',
    `Call-ID: ${callId}`,
    `CSeq: ${cseq}`,
    ...(info === undefined ? [] : [`Content-Type: ${MCPTT_INFO_TYPE}`]),
    `Content-Length: ${String(utf8Encode(body).length)}`,
    '',
    body,
  ].join('\r\n');
}

async function startPairForCalls(bob: { serverUri: string }) {
  const started = await startPair({
    bob: { ...bob, onIncomingCall: (event) => event.call.accept() },
  });
  stops.push(started.stop);
  return started;
}

describe('vouchedByServer', () => {
  const signedBy = (signerUri: string | undefined): SecurityInfo =>
    ({ protected: true, encrypted: true, signed: true, signerUri }) as SecurityInfo;
  const clear = { protected: false, encrypted: false, signed: false } as SecurityInfo;
  const secure = { serverUri: SERVER, insecurePlainCalls: false };
  const plain = { serverUri: SERVER, insecurePlainCalls: true };

  it.each([
    ['server signature', secure, signedBy(SERVER), ALICE, true],
    [
      'server signature, other spelling',
      secure,
      signedBy('sip:mcptt-server@EXAMPLE.org'),
      ALICE,
      true,
    ],
    ['peer signature', secure, signedBy(ALICE), SERVER, false],
    ['signature without URI', secure, signedBy(undefined), SERVER, false],
    ['clear From the server', secure, clear, SERVER, false],
    ['clear From the server, plain switch', plain, clear, SERVER, true],
    ['clear From a peer, plain switch', plain, clear, ALICE, false],
    ['peer signature, plain switch', plain, signedBy(ALICE), SERVER, false],
    [
      'no server',
      { serverUri: undefined, insecurePlainCalls: false },
      signedBy(SERVER),
      SERVER,
      false,
    ],
  ] as const)('%s', (_name, trust, security, from, expected) => {
    expect(vouchedByServer(trust, security, from)).toBe(expected);
  });
});

describe('believedInfo', () => {
  const info = { callingUserId: CAROL, callingGroupId: GROUP, requestUri: GROUP, emergency: true };

  it('keeps every field when vouched', () => {
    expect(believedInfo(info, true)).toEqual(info);
  });

  it('drops the server claims otherwise', () => {
    expect(believedInfo(info, false)).toEqual({ requestUri: GROUP, emergency: true });
  });

  it('passes an absent info through', () => {
    expect(believedInfo(undefined, false)).toBeUndefined();
  });
});
