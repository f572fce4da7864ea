import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryKeyStore } from '@mcptt-smime/smime';
import { SipRequestFailedError } from '../src/api/sip-request-failed-error.js';
import type { CallPartsEvent } from '../src/api/mcptt-call.js';
import { buildMcpttInfo } from '../src/mcptt/mcptt-info.js';
import { MCPTT_INFO_TYPE } from '../src/mcptt/media-types.js';
import { ALICE, BOB, startPair } from './helpers/clients.js';
import { createKeyStores } from './helpers/pki.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { FakeFloorChannel } from './floor/fake-floor-channel.js';
import { until } from './helpers/until.js';

const GROUP = 'sip:group-7@example.org';
const stops = useCallHooks();

async function pair(...args: Parameters<typeof startPair>) {
  const started = await startPair(...args);
  stops.push(started.stop);
  return started;
}

const acceptAll = { onIncomingCall: (e: { call: { accept(): void } }) => e.call.accept() };

function invitesOn(wire: readonly string[]): string[] {
  return wire.filter((frame) => frame.startsWith('INVITE '));
}

describe('group calls', () => {
  it.each(['prearranged', 'chat'] as const)('sets up a %s group call', async (sessionType) => {
    const { alice, wire, recorded } = await pair({ bob: acceptAll });
    const call = alice.startGroupCall({ target: BOB, groupId: GROUP, sessionType });
    await call.established();

    const incoming = recorded.bob.calls[0];
    expect(call.state).toBe('established');
    expect(incoming?.kind).toBe('group');
    expect(incoming?.info?.requestUri).toBe(GROUP);
    expect(incoming?.info?.sessionType).toBe(sessionType);
    expect(incoming?.info?.clientId).toBe('urn:uuid:alice');
    expect(incoming?.security.signerUri).toBe(ALICE);
    expect(incoming?.security.encrypted).toBe(true);
    await incoming?.call.established();
    expect(incoming?.call.state).toBe('established');
    expect(wire.join('')).not.toContain('group-7');
    expect(invitesOn(wire)[0]).toContain('application/sdp');
    expect(invitesOn(wire)[0]).toContain('application/pkcs7-mime');
  });

  it('sets up a group call from bob to alice', async () => {
    const { bob, wire, recorded } = await pair({ alice: acceptAll });
    const call = bob.startGroupCall({ target: ALICE, groupId: GROUP });
    await call.established();

    expect(recorded.alice.calls[0]?.info?.requestUri).toBe(GROUP);
    expect(recorded.alice.calls[0]?.security.signerUri).toBe(BOB);
    expect(wire.join('')).not.toContain('group-7');
  });

  it.each([
    ['emergency', { emergency: true }, 'emergency'],
    ['imminent-peril', { imminentPeril: true }, 'imminentPeril'],
  ] as const)('marks an %s group call', async (_name, flags, field) => {
    const { alice, wire, recorded } = await pair({ bob: acceptAll });
    const call = alice.startGroupCall({ target: BOB, groupId: GROUP, ...flags });
    await call.established();

    expect(recorded.bob.calls[0]?.info?.[field]).toBe(true);
    expect(invitesOn(wire)[0]).toContain('Resource-Priority: mcpttp.15');
    expect(wire.join('')).not.toContain('-ind');
  });

  it('marks a broadcast group call', async () => {
    const { alice, recorded } = await pair({ bob: acceptAll });
    const call = alice.startGroupCall({ target: BOB, groupId: GROUP, broadcast: true });
    await call.established();

    expect(recorded.bob.calls[0]?.info?.broadcast).toBe(true);
    expect(recorded.bob.calls[0]?.info?.sessionType).toBe('prearranged');
  });

  it('ends the call on both sides', async () => {
    const { alice, recorded } = await pair({ bob: acceptAll });
    const call = alice.startGroupCall({ target: BOB, groupId: GROUP });
    await call.established();
    const ended = new Promise<void>((resolve) => {
      const incoming = recorded.bob.calls[0]?.call;
      if (incoming === undefined) return;
      incoming.delegate = { onStateChange: (state) => (state === 'ended' ? resolve() : undefined) };
    });
    call.hangUp();
    await ended;

    expect(call.state).toBe('ended');
    expect(recorded.bob.calls[0]?.call.state).toBe('ended');
  });
});

describe('implicit floor request', () => {
  // The shim has no data channels, so each call gets a fake floor channel that never opens.
  beforeAll(() => {
    Object.defineProperty(globalThis.RTCPeerConnection.prototype, 'createDataChannel', {
      configurable: true,
      value: () => new FakeFloorChannel('connecting'),
    });
  });
  afterAll(() => {
    Reflect.deleteProperty(globalThis.RTCPeerConnection.prototype, 'createDataChannel');
  });

  it('requests the floor by default', async () => {
    const { alice, recorded } = await pair({ bob: acceptAll });
    const call = alice.startGroupCall({ target: BOB, groupId: GROUP });
    await call.established();

    expect(call.floor?.state).toBe('pending-request');
    expect(recorded.bob.calls[0]?.info?.floorState).toBeUndefined();
  });

  it('starts a group call without a request', async () => {
    const { alice, wire, recorded } = await pair({ bob: acceptAll });
    const call = alice.startGroupCall({
      target: BOB,
      groupId: GROUP,
      implicitFloorRequest: false,
    });
    await call.established();

    expect(call.floor?.state).toBe('idle');
    expect(recorded.bob.calls[0]?.info?.floorState).toBe('no-request');
    expect(wire.join('')).not.toContain('no-request');
  });

  it("logs each call's floor and media connection to the client's logger", async () => {
    const records: string[] = [];
    const record = (category: string, message: string, context?: object): void => {
      records.push(`${category} ${message} ${JSON.stringify(context)}`);
    };
    const logger = { debug: record, info: record, warn: record, error: record };
    const { alice } = await pair({ alice: { logger }, bob: acceptAll });
    const call = alice.startGroupCall({ target: BOB, groupId: GROUP });
    await call.established();
    call.floor?.release();
    const connection = call.session.connection as unknown as EventTarget;
    Object.defineProperty(connection, 'connectionState', { value: 'failed' });
    connection.dispatchEvent(new Event('connectionstatechange'));

    const floorAndMedia = records.filter((line) => /floor state|media connection/.test(line));
    expect(floorAndMedia).toEqual([
      'mcptt:sdk:floor floor state changed {"previous":"pending-request","state":"releasing","cause":"release"}',
      `mcptt:sdk:calls media connection state changed {"callId":"${call.callId}","state":"failed"}`,
    ]);
  });
});

describe('private calls', () => {
  it('accepts an automatic-commencement call without the user', async () => {
    const { alice, wire, recorded } = await pair();
    const call = alice.startPrivateCall({ target: BOB, calleeId: BOB, commencement: 'automatic' });
    await call.established();

    const incoming = recorded.bob.calls[0];
    expect(incoming?.kind).toBe('private');
    expect(incoming?.commencement).toBe('automatic');
    expect(incoming?.calledIds).toEqual([BOB]);
    expect(incoming?.info?.sessionType).toBe('private');
    expect(invitesOn(wire)[0]).toContain('Answer-Mode: Auto');
    expect(invitesOn(wire)[0]).not.toContain('recipient-list');
    expect(invitesOn(wire)[0]).not.toContain('resource-lists');
  });

  it('waits for the user in manual commencement', async () => {
    const { bob, recorded } = await pair();
    const call = bob.startPrivateCall({ target: ALICE, calleeId: ALICE });
    await until(() => recorded.alice.calls.length === 1 && call.state === 'ringing');

    const incoming = recorded.alice.calls[0];
    expect(incoming?.commencement).toBe('manual');
    expect(incoming?.call.state).toBe('ringing');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(call.state).toBe('ringing');
    incoming?.call.accept();
    await call.established();
    expect(incoming?.security.signerUri).toBe(BOB);
  });

  it('delivers protected parts of the 200 OK to the caller', async () => {
    const answerInfo = buildMcpttInfo({ sessionType: 'private', calledPartyId: BOB });
    const parts = [{ contentType: MCPTT_INFO_TYPE, body: answerInfo }];
    const { alice, wire } = await pair({
      bob: { onIncomingCall: (e) => e.call.accept({ parts }) },
    });
    const received: CallPartsEvent[] = [];
    const call = alice.startPrivateCall({ target: BOB, calleeId: BOB });
    call.delegate = { onParts: (event) => received.push(event) };
    await call.established();

    expect(received[0]?.status).toBe(200);
    expect(received[0]?.parts[0]?.body).toBe(answerInfo);
    expect(received[0]?.parts).toHaveLength(1);
    expect(call.security?.signerUri).toBe(BOB);
    // The 200 OK is bound to the INVITE's transaction and to the responder's To.
    const bound = call.security?.protectedHeaders.map((header) => header.name);
    expect(bound).toEqual(['Call-ID', 'CSeq', 'To']);
    const ok = wire.find((frame) => frame.startsWith('SIP/2.0 200') && frame.includes('INVITE'));
    expect(ok).toContain('application/pkcs7-mime');
    expect(ok).not.toContain('called-party');
  });

  it('sends protected parts in an UPDATE', async () => {
    const { alice, wire, recorded } = await pair({ bob: acceptAll });
    const call = alice.startPrivateCall({ target: BOB, calleeId: BOB });
    await call.established();
    const incoming = recorded.bob.calls[0]?.call;
    const received: CallPartsEvent[] = [];
    if (incoming !== undefined) incoming.delegate = { onParts: (event) => received.push(event) };
    const info = buildMcpttInfo({ sessionType: 'private', floorState: 'floor-taken' });

    expect(call.sendParts([{ contentType: MCPTT_INFO_TYPE, body: info }])).toBe(true);
    await until(() => received.length === 1);
    expect(received[0]?.method).toBe('UPDATE');
    expect(received[0]?.parts[0]?.body).toBe(info);
    expect(received[0]?.security.signerUri).toBe(ALICE);
    expect(wire.join('')).not.toContain('floor-taken');
  });

  it('fails with the status of a rejection', async () => {
    const { alice } = await pair({ bob: { onIncomingCall: (e) => e.call.reject(486) } });
    const call = alice.startPrivateCall({ target: BOB, calleeId: BOB });

    await expect(call.established()).rejects.toBeInstanceOf(SipRequestFailedError);
    await expect(call.established()).rejects.toMatchObject({ sipStatus: 486 });
    expect(call.state).toBe('failed');
  });
});

describe('call failures', () => {
  it('fails at once without a recipient certificate', async () => {
    const { alice, wire } = await pair({ bob: acceptAll });
    const started = Date.now();
    const call = alice.startGroupCall({ target: 'sip:carol@example.org', groupId: GROUP });

    await expect(call.established()).rejects.toBeInstanceOf(SipRequestFailedError);
    await expect(call.established()).rejects.toMatchObject({
      sipStatus: 500,
      code: 'ERR_KEY_NOT_FOUND',
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(invitesOn(wire)).toEqual([]);
  });

  it('gets 493 when the callee cannot decrypt', async () => {
    const stores = await createKeyStores();
    const alice = new MemoryKeyStore({
      identities: [await stores.pki.identity('alice')],
      trustAnchors: [stores.pki.caCertificate],
    });
    await alice.setPeerCertificate(BOB, stores.pki.certificate('mallory'));
    const { alice: client, recorded } = await pair({
      stores: { ...stores, alice },
      bob: acceptAll,
    });
    const call = client.startGroupCall({ target: BOB, groupId: GROUP });

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 493 });
    expect(recorded.bob.failures[0]).toMatchObject({
      direction: 'incoming',
      code: 'ERR_UNDECIPHERABLE',
      sipStatus: 493,
    });
    expect(recorded.bob.calls).toEqual([]);
  });

  it('rejects a changed certificate without a decision', async () => {
    const stores = await changedCertificateStores();
    const { alice, recorded } = await pair({ stores, bob: acceptAll });
    const call = alice.startGroupCall({ target: BOB, groupId: GROUP });

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 403 });
    expect(recorded.bob.failures[0]).toMatchObject({ code: 'ERR_CERT_CHANGED', sipStatus: 403 });
    expect(recorded.bob.calls).toEqual([]);
  });

  it('stores a changed certificate that the decision accepts', async () => {
    const stores = await changedCertificateStores();
    const decisions: string[] = [];
    const { alice, recorded } = await pair({
      stores,
      bob: {
        ...acceptAll,
        onCertificateDecision: (decision) => {
          decisions.push(decision.reason);
          return true;
        },
      },
    });
    await alice.startGroupCall({ target: BOB, groupId: GROUP }).established();

    expect(decisions).toEqual(['changed']);
    expect(recorded.bob.calls[0]?.security.signerUri).toBe(ALICE);
    expect(await stores.bob.getPeerCertificate(ALICE)).toEqual(stores.pki.certificate('alice2'));
  });

  it('asks about an unknown certificate', async () => {
    const stores = await createKeyStores();
    const selfSigned = new MemoryKeyStore({
      identities: [await stores.pki.identity('alice-self')],
    });
    await selfSigned.setPeerCertificate(BOB, stores.pki.certificate('bob'));
    const bob = new MemoryKeyStore({
      identities: [await stores.pki.identity('bob')],
      trustAnchors: [stores.pki.caCertificate],
    });
    const reasons: string[] = [];
    const { alice, recorded } = await pair({
      stores: { ...stores, alice: selfSigned, bob },
      bob: { ...acceptAll, onCertificateDecision: (d) => (reasons.push(d.reason), false) },
    });
    const call = alice.startGroupCall({ target: BOB, groupId: GROUP });

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 403 });
    expect(reasons).toEqual(['unknown']);
    expect(recorded.bob.failures[0]).toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403 });
  });
});

/** Stores where bob pinned alice's first certificate and alice now signs with her second. */
async function changedCertificateStores() {
  const stores = await createKeyStores();
  const alice = new MemoryKeyStore({
    identities: [await stores.pki.identity('alice2')],
    trustAnchors: [stores.pki.caCertificate],
  });
  await alice.setPeerCertificate(BOB, stores.pki.certificate('bob'));
  return { ...stores, alice };
}
