/**
 * Automatic commencement: the client accepts a call itself, which opens the microphone, only
 * when a verified signature covers `Answer-Mode: Auto`. The header field crosses the core in
 * clear, so the caller also signs a copy of it, and an INVITE whose Answer-Mode only the core
 * saw waits for the user.
 */
import { describe, expect, it } from 'vitest';
import { utf8Encode } from '@mcptt-smime/smime';
import type { IncomingCallEvent } from '../src/api/events.js';
import {
  AUTOMATIC_CALL_MAX_CLOCK_AHEAD_MS,
  AUTOMATIC_CALL_MAX_SIGNATURE_AGE_MS,
} from '../src/api/call-registry.js';
import { ALICE, BOB, startPair } from './helpers/clients.js';
import { createKeyStores } from './helpers/pki.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { readIncomingCall } from '../src/api/incoming-call.js';
import type { ReceivedMessage } from '../src/core/smime-pipeline.js';
import { fakeSdp } from './helpers/webrtc-shims.js';
import { until } from './helpers/until.js';

const SERVER = 'sip:mcptt-server@example.org';
const stops = useCallHooks();

/** Builds an INVITE in clear, From `from`, with an SDP offer and `Answer-Mode: Auto`. */
function clearAutoInvite(from: string): string {
  const sdp = fakeSdp('77');
  return [
    `INVITE ${BOB} SIP/2.0`,
    'Via: SIP/2.0/WS 127.0.0.1:9;branch=z9hG4bKclearauto1',
    'Max-Forwards: 70',
    `From: <${from}>;tag=spoof1`,
    `To: <${BOB}>`,
    'Call-ID: clear-auto-call-1',
    'CSeq: 1 INVITE',
    'Contact: <sip:spoof@127.0.0.1:9;transport=ws>',
    'Answer-Mode: Auto',
    'Content-Type: application/sdp',
    `Content-Length: ${String(utf8Encode(sdp).length)}`,
    '',
    sdp,
  ].join('\r\n');
}

/** Returns the status lines of the responses on the wire with this Call-ID. */
function responsesOf(wire: readonly string[], callId: string): string[] {
  return wire
    .filter((frame) => frame.startsWith('SIP/2.0 ') && frame.includes(`Call-ID: ${callId}`))
    .map((frame) => frame.split('\r\n', 1)[0] ?? '');
}

/** Waits for bob's incoming call and checks that it waits for him, signed by alice; declines it. */
async function expectLeftToUser(started: Awaited<ReturnType<typeof startPair>>): Promise<void> {
  await until(() => started.recorded.bob.calls.length === 1);
  const incoming = started.recorded.bob.calls[0] as IncomingCallEvent;

  expect(incoming.security.signerUri).toBe(ALICE);
  expect(incoming.commencement).toBe('manual');
  expect(incoming.call.awaitsAnswer).toBe(true);
  incoming.call.reject(486);
}

describe('automatic commencement', () => {
  it('leaves an unsigned automatic INVITE to the user', async () => {
    const started = await startPair();
    stops.push(started.stop);
    const { recorded, wire, transports } = started;

    (transports.b as unknown as { ondata(data: string): void }).ondata(clearAutoInvite(ALICE));
    await until(() => recorded.bob.calls.length === 1);
    const incoming = recorded.bob.calls[0] as IncomingCallEvent;

    expect(incoming.security.signed).toBe(false);
    expect(incoming.commencement).toBe('manual');
    expect(incoming.call.awaitsAnswer).toBe(true);
    // The app decides: here it declines, and the call never got a 200 from the client.
    incoming.call.reject(486);
    await until(() => responsesOf(wire, 'clear-auto-call-1').some((l) => l.includes(' 486 ')));
    expect(responsesOf(wire, 'clear-auto-call-1').filter((l) => l.startsWith('SIP/2.0 2'))).toEqual(
      [],
    );
  });

  it('accepts a signed automatic INVITE', async () => {
    const started = await startPair();
    stops.push(started.stop);
    const call = started.alice.startPrivateCall({
      target: BOB,
      calleeId: BOB,
      commencement: 'automatic',
    });

    await call.established();
    expect(started.recorded.bob.calls[0]?.commencement).toBe('automatic');
    expect(started.recorded.bob.calls[0]?.security.signerUri).toBe(ALICE);
  });

  it('leaves an old signed automatic INVITE to the user', async () => {
    // Bob's clock runs past the window after alice's signature, as for an INVITE that the core
    // captured and replays later with Answer-Mode Auto.
    const stores = await createKeyStores();
    const late = () =>
      new Date(stores.now().getTime() + AUTOMATIC_CALL_MAX_SIGNATURE_AGE_MS + 1000);
    const started = await startPair({ stores, bob: { now: late } });
    stops.push(started.stop);
    started.alice.startPrivateCall({ target: BOB, calleeId: BOB, commencement: 'automatic' });
    await expectLeftToUser(started);
  });

  it('leaves an INVITE signed before a restart to the user', async () => {
    // Alice signed a minute before bob's client started, as for an automatic INVITE that the
    // core captured and replays after bob reloads his page: his replay guard never saw it.
    const stores = await createKeyStores();
    const early = () => new Date(stores.now().getTime() - 60_000);
    const started = await startPair({ stores, alice: { now: early } });
    stops.push(started.stop);
    started.alice.startPrivateCall({ target: BOB, calleeId: BOB, commencement: 'automatic' });
    await expectLeftToUser(started);
  });

  it('leaves an INVITE signed ahead of the clock to the user', async () => {
    // Bob's clock lags alice's by a minute: an INVITE signed 30 s before he started looks signed
    // after it, so no signingTime ahead of his clock by more than the allowance counts.
    const stores = await createKeyStores();
    const ahead = () => new Date(stores.now().getTime() + AUTOMATIC_CALL_MAX_CLOCK_AHEAD_MS + 1000);
    const started = await startPair({ stores, alice: { now: ahead } });
    stops.push(started.stop);
    started.alice.startPrivateCall({ target: BOB, calleeId: BOB, commencement: 'automatic' });
    await expectLeftToUser(started);
  });

  it('accepts an automatic INVITE the server signed', async () => {
    // Alice plays the MCPTT server of bob.
    const started = await startPair({ bob: { serverUri: ALICE } });
    stops.push(started.stop);
    const call = started.alice.startPrivateCall({
      target: BOB,
      calleeId: BOB,
      commencement: 'automatic',
    });

    await call.established();
    expect(started.recorded.bob.calls[0]?.commencement).toBe('automatic');
  });

  it('rejects a signed INVITE whose Answer-Mode the core changed', async () => {
    const started = await startPair({
      relay: (frame) => frame.replace('\r\nAnswer-Mode: Manual\r\n', '\r\nAnswer-Mode: Auto\r\n'),
    });
    stops.push(started.stop);
    const { recorded, wire } = started;
    const call = started.alice.startPrivateCall({ target: BOB, calleeId: BOB });
    await until(() => responsesOf(wire, call.callId).some((l) => l.includes(' 403 ')));

    expect(wire.find((frame) => frame.startsWith('INVITE '))).toContain('Answer-Mode: Auto');
    expect(recorded.bob.calls).toEqual([]);
    expect(recorded.bob.failures.map((failure) => failure.code)).toEqual(['ERR_HEADER_MISMATCH']);
  });

  it('ignores an Auto that only the core added', async () => {
    const started = await startPair({
      relay: (frame) =>
        frame.startsWith('INVITE ')
          ? frame.replace('\r\nCSeq: ', '\r\nAnswer-Mode: Auto\r\nCSeq: ')
          : frame,
    });
    stops.push(started.stop);
    started.alice.startGroupCall({ target: BOB, groupId: 'sip:group-1@example.org' });
    await until(() => started.recorded.bob.calls.length === 1);
    const incoming = started.recorded.bob.calls[0] as IncomingCallEvent;

    expect(incoming.security.signerUri).toBe(ALICE);
    expect(incoming.security.protectedHeaders.map((header) => header.name)).toEqual([
      'Call-ID',
      'CSeq',
      'To',
    ]);
    expect(incoming.commencement).toBe('manual');
    expect(incoming.call.awaitsAnswer).toBe(true);
    incoming.call.reject(486);
  });

  it('leaves a signed INVITE naming someone else to the user', async () => {
    // As if carol passed on an automatic INVITE that was signed for her.
    const started = await startPair();
    stops.push(started.stop);
    started.alice.startPrivateCall({
      target: BOB,
      calleeId: 'sip:carol@example.org',
      commencement: 'automatic',
    });
    await expectLeftToUser(started);
  });

  it('reads Auto with parameters', () => {
    const received = { parts: [] } as unknown as ReceivedMessage;
    expect(readIncomingCall(received, 'Auto;require').commencement).toBe('automatic');
    expect(readIncomingCall(received, 'Manual;require').commencement).toBe('manual');
  });

  it('rejects an unsigned INVITE with a server', async () => {
    const started = await startPair({ bob: { serverUri: SERVER } });
    stops.push(started.stop);
    const { recorded, wire, transports } = started;

    (transports.b as unknown as { ondata(data: string): void }).ondata(clearAutoInvite(SERVER));
    await until(() => responsesOf(wire, 'clear-auto-call-1').some((l) => l.includes(' 403 ')));
    expect(recorded.bob.calls).toEqual([]);
  });
});
