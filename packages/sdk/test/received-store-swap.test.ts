/**
 * The plaintext of an incoming request reaches JsSIP's event through a store keyed by Call-ID,
 * CSeq and method. The SIP core relays those in clear, so it can send a request of its own with
 * the same key ahead of a protected one. While a slow message before both delays their delivery,
 * the protected request is opened and stored under the key, and JsSIP's event for the forged
 * request then takes the protected request's parts and security.
 */
import { describe, expect, it } from 'vitest';
import { SipMessage, protectMessage, utf8Encode } from '@mcptt-smime/smime';
import { BOB, startPair } from './helpers/clients.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { createKeyStores, testCrypto } from './helpers/pki.js';
import { fakeSdp } from './helpers/webrtc-shims.js';
import { until } from './helpers/until.js';

const stops = useCallHooks();
const MALLORY = 'sip:mallory@example.org';
const CORE_FINGERPRINT = 'DE:AD:BE:EF'.padEnd(95, ':00');

/** Returns the value of the first header field `name` of a SIP text. */
function field(text: string, name: string): string {
  const line = text.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim() ?? '';
}

/** Builds the core's INVITE in clear with the Call-ID, CSeq and From of `invite`. */
function forgedInvite(invite: string): string {
  const sdp = fakeSdp('66').replace(
    /a=fingerprint:sha-256 .*/,
    `a=fingerprint:sha-256 ${CORE_FINGERPRINT}`,
  );
  return [
    `INVITE ${BOB} SIP/2.0`,
    'Via: SIP/2.0/WS 127.0.0.1:9;branch=z9hG4bKforged1',
    'Max-Forwards: 70',
    `From: ${field(invite, 'From')}`,
    `To: <${BOB}>`,
    `Call-ID: ${field(invite, 'Call-ID')}`,
    `CSeq: ${field(invite, 'CSeq')}`,
    'Contact: <sip:core@127.0.0.1:9;transport=ws>',
    'Content-Type: application/sdp',
    `Content-Length: ${String(utf8Encode(sdp).length)}`,
    '',
    sdp,
  ].join('\r\n');
}

/** Builds a MESSAGE that mallory signed and encrypted for bob. */
async function malloryMessage(
  stores: Awaited<ReturnType<typeof createKeyStores>>,
): Promise<string> {
  const message = SipMessage.create(
    { type: 'request', version: 'SIP/2.0', method: 'MESSAGE', requestUri: BOB },
    [
      { name: 'Via', value: 'SIP/2.0/WS 127.0.0.1:9;branch=z9hG4bKslow1' },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<${MALLORY}>;tag=m1` },
      { name: 'To', value: `<${BOB}>` },
      { name: 'Call-ID', value: 'slow-1' },
      { name: 'CSeq', value: '1 MESSAGE' },
    ],
  );
  const signed = await protectMessage(
    message.withBody(utf8Encode('hi'), { contentType: 'text/plain' }),
    {
      crypto: testCrypto,
      signer: await stores.pki.identity('mallory'),
      recipients: [stores.pki.certificate('bob')],
      now: stores.now,
    },
  );
  return new TextDecoder().decode(signed.toBytes());
}

describe('an INVITE of the core with the key of a protected one', () => {
  it('does not take its security', async () => {
    const stores = await createKeyStores();
    let captured: string | undefined;
    // The core delays alice's INVITE and passes a keep-alive on in its place.
    const relay = (frame: string): string => {
      if (captured === undefined && frame.startsWith('INVITE ')) {
        captured = frame;
        return '\r\n\r\n';
      }
      return frame;
    };
    // Bob's key store is slow to read mallory's pin, as a store on disk can be.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const read = stores.bob.getPeerCertificate.bind(stores.bob);
    stores.bob.getPeerCertificate = async (aor: string) => {
      if (aor === MALLORY) await gate;
      return read(aor);
    };
    const started = await startPair({ stores, relay });
    stops.push(started.stop);
    const bob = started.transports.b as unknown as { ondata(data: string): void };
    started.alice.startPrivateCall({ target: BOB, calleeId: BOB, commencement: 'automatic' });
    await until(() => captured !== undefined);
    const invite = captured ?? '';

    // A slow message first, then the forged INVITE, then alice's.
    bob.ondata(await malloryMessage(stores));
    bob.ondata(forgedInvite(invite));
    bob.ondata(invite);
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await until(() => started.wire.some((f) => f.startsWith('SIP/2.0 482 ')));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const toForged = started.wire.filter(
      (frame) => frame.startsWith('SIP/2.0 2') && frame.includes('z9hG4bKforged1'),
    );
    expect(toForged).toEqual([]);
    for (const call of started.recorded.bob.calls) {
      expect(call.commencement).toBe('manual');
      expect(call.security.signed).toBe(false);
    }
  });
});
