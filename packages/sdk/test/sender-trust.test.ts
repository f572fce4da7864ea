/**
 * The sender that the client reports: the calling user and group of a received mcptt-info
 * count only when the MCPTT server signed it, and a client with a server takes calls only from
 * that server. A peer that writes another user or a group into its own mcptt-info is shown as
 * itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityInfo } from '@mcptt-smime/smime';

import type { EmergencyAlertEvent, ShortDataEvent } from '../src/api/events.js';
import { McpttClient } from '../src/api/mcptt-client.js';
import { believedInfo, vouchedByServer } from '../src/api/sender-trust.js';
import { SipRequestFailedError } from '../src/api/sip-request-failed-error.js';
import { composeMixedBody } from '../src/core/multipart-bridge.js';
import { buildMcpttInfo } from '../src/mcptt/mcptt-info.js';
import { MCPTT_INFO_TYPE } from '../src/mcptt/media-types.js';
import { ALICE, BOB, startPair } from './helpers/clients.js';
import { createLoopbackPair } from './helpers/loopback.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { installWebRtcShims } from './helpers/webrtc-shims.js';

const CAROL = 'sip:carol@example.org';
const SERVER = 'sip:mcptt-server@example.org';
const GROUP = 'sip:engine-1@example.org';

let removeShims: () => void = () => undefined;
let stops: (() => void)[] = [];
beforeAll(() => {
  removeShims = installWebRtcShims();
});
afterAll(() => removeShims());
afterEach(() => {
  for (const stop of stops) stop();
  stops = [];
});

/** Starts alice and bob; bob records what he receives and uses `bobServer` as his server. */
async function startMessagingPair(bobServer: string | undefined) {
  const stores = await createKeyStores();
  const { a, b } = createLoopbackPair();
  const received: (ShortDataEvent | EmergencyAlertEvent)[] = [];
  const alice = new McpttClient({
    uri: ALICE,
    transport: a,
    crypto: testCrypto,
    keyStore: stores.alice,
    now: stores.now,
  });
  const bob = new McpttClient({
    uri: BOB,
    transport: b,
    crypto: testCrypto,
    keyStore: stores.bob,
    now: stores.now,
    ...(bobServer === undefined ? {} : { serverUri: bobServer }),
    delegate: {
      onShortData: (event) => received.push(event),
      onEmergencyAlert: (event) => received.push(event),
    },
  });
  stops.push(() => {
    alice.stop();
    bob.stop();
  });
  await Promise.all([alice.start(), bob.start()]);
  return { alice, received };
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
