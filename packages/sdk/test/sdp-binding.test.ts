/**
 * The DTLS fingerprints of a call's SDP cross the core in clear, so the caller and the callee
 * sign a copy of them, and a core that replaces them, to relay the media through itself, gets
 * the call rejected.
 */
import { describe, expect, it } from 'vitest';

import type { IncomingCallEvent } from '../src/api/events.js';
import { BOB, startPair } from './helpers/clients.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { until } from './helpers/until.js';

const stops = useCallHooks();
const FINGERPRINT = 'a=fingerprint:sha-256 00:11:22:33';
const REPLACED = 'a=fingerprint:sha-256 99:11:22:33';

/**
 * Keeps only the clear SDP of a protected 200 OK to INVITE, with its fingerprint replaced, as a
 * core that strips the signature would send it.
 */
function stripAnswer(frame: string): string {
  if (!frame.startsWith('SIP/2.0 200 ') || !/\r\nCSeq: \d+ INVITE\r\n/i.test(frame)) return frame;
  const split = frame.indexOf('\r\n\r\n');
  const head = frame.slice(0, split);
  const body = frame.slice(split + 4);
  const sdp = /Content-Type: application\/sdp\r\n\r\n([\s\S]*?)\r\n--/.exec(body)?.[1];
  if (sdp === undefined) return frame;
  const forged = sdp.replace(FINGERPRINT, REPLACED);
  const fields = head
    .split('\r\n')
    .filter((line) => !/^Content-(Type|Length):/i.test(line))
    .concat(['Content-Type: application/sdp', `Content-Length: ${forged.length}`]);
  return `${fields.join('\r\n')}\r\n\r\n${forged}`;
}

/** Starts a private call from alice that bob accepts, through a core that applies `relay`. */
async function acceptedCall(relay: (frame: string) => string) {
  const started = await startPair({ relay });
  stops.push(started.stop);
  const call = started.alice.startPrivateCall({ target: BOB, calleeId: BOB });
  await until(() => started.recorded.bob.calls.length === 1);
  (started.recorded.bob.calls[0] as IncomingCallEvent).call.accept();
  return { started, call };
}

describe('signed SDP fingerprints', () => {
  it('binds the offer and the answer of a call', async () => {
    const started = await startPair();
    stops.push(started.stop);
    const call = started.alice.startPrivateCall({ target: BOB, calleeId: BOB });
    await until(() => started.recorded.bob.calls.length === 1);
    const incoming = started.recorded.bob.calls[0] as IncomingCallEvent;
    incoming.call.accept();
    await call.established();

    expect(incoming.security.sdpBound).toBe(true);
    expect(call.security?.sdpBound).toBe(true);
    // The answer carries only SDP, and is now protected for its fingerprints.
    const answer = started.wire.find(
      (frame) => frame.startsWith('SIP/2.0 200 ') && frame.includes('INVITE'),
    );
    expect(answer).toContain('application/pkcs7-mime');
  });

  it('rejects an offer whose fingerprint the core replaced', async () => {
    const started = await startPair({
      relay: (frame) =>
        frame.startsWith('INVITE ') ? frame.replace(FINGERPRINT, REPLACED) : frame,
    });
    stops.push(started.stop);
    const call = started.alice.startPrivateCall({ target: BOB, calleeId: BOB });

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 403 });
    expect(started.wire.find((frame) => frame.startsWith('INVITE '))).toContain(REPLACED);
    expect(started.recorded.bob.calls).toEqual([]);
    expect(started.recorded.bob.failures.map((failure) => failure.code)).toEqual([
      'ERR_HEADER_MISMATCH',
    ]);
  });

  it('rejects an answer whose signature the core stripped', async () => {
    const { started, call } = await acceptedCall(stripAnswer);

    await expect(call.established()).rejects.toMatchObject({
      sipStatus: 403,
      code: 'ERR_DOWNGRADE',
    });
    const answer = started.wire.find((frame) => frame.startsWith('SIP/2.0 200 '));
    expect(answer).toContain(REPLACED);
    expect(answer).not.toContain('pkcs7');
  });

  it('rejects an answer whose fingerprint the core replaced', async () => {
    const { started, call } = await acceptedCall((frame) =>
      frame.startsWith('SIP/2.0 200 ') ? frame.replace(FINGERPRINT, REPLACED) : frame,
    );

    await expect(call.established()).rejects.toMatchObject({
      sipStatus: 403,
      code: 'ERR_HEADER_MISMATCH',
    });
    expect(started.recorded.alice.failures.map((failure) => failure.code)).toContain(
      'ERR_HEADER_MISMATCH',
    );
  });
});
