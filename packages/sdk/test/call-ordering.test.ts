import { describe, expect, it } from 'vitest';
import { composeMixedBody } from '../src/core/multipart-bridge.js';
import { buildMcpttInfo } from '../src/mcptt/mcptt-info.js';
import { MCPTT_INFO_TYPE } from '../src/mcptt/media-types.js';
import { startPair } from './helpers/clients.js';
import { testCrypto } from './helpers/pki.js';
import { createSlowCrypto } from './helpers/slow-crypto.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { fakeSdp } from './helpers/webrtc-shims.js';
import { until } from './helpers/until.js';

const stops = useCallHooks();

const HEAD = [
  'Via: SIP/2.0/WS alice.invalid;branch=z9hG4bKorder1',
  'Max-Forwards: 70',
  'To: <sip:bob@example.org>',
  'From: <sip:alice@example.org>;tag=ord1',
  'Call-ID: order-test-1',
];

/** A group-call INVITE as JsSIP would send it after the `sending` hook. */
function invite(): string {
  const info = buildMcpttInfo({
    sessionType: 'prearranged',
    requestUri: 'sip:group-3@example.org',
  });
  const { contentType, body } = composeMixedBody(
    fakeSdp('1'),
    [{ contentType: MCPTT_INFO_TYPE, body: info }],
    testCrypto,
  );
  return [
    'INVITE sip:bob@example.org SIP/2.0',
    ...HEAD,
    'CSeq: 1 INVITE',
    'Contact: <sip:alice@alice.invalid;transport=ws>',
    `Content-Type: ${contentType}`,
    `Content-Length: ${new TextEncoder().encode(body).length}`,
    '',
    body,
  ].join('\r\n');
}

function cancel(): string {
  return [
    'CANCEL sip:bob@example.org SIP/2.0',
    ...HEAD,
    'CSeq: 1 CANCEL',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

describe('call ordering', () => {
  it('keeps a CANCEL behind its slowly signed INVITE', async () => {
    const started = await startPair({ alice: { crypto: createSlowCrypto(80) } });
    stops.push(started.stop);
    const { alice, wire, recorded } = started;

    expect(alice.socket.send(invite())).toBe(true);
    expect(alice.socket.send(cancel())).toBe(true);
    await until(() => recorded.bob.calls[0]?.call.state === 'failed');

    const requests = wire.filter((frame) => !frame.startsWith('SIP/2.0'));
    expect(requests.map((frame) => frame.split(' ', 1)[0])).toEqual(['INVITE', 'CANCEL']);
    expect(requests[0]).toContain('application/pkcs7-mime');
    expect(wire.some((frame) => /^SIP\/2\.0 487 .*CSeq: 1 INVITE/s.test(frame))).toBe(true);
    expect(wire.join('')).not.toContain('group-3');
  });

  it('rejects a clear mcptt-info as a downgrade', async () => {
    const started = await startPair();
    stops.push(started.stop);
    const { transports, wire, recorded } = started;

    // The raw transport bypasses alice's protecting socket, as an attacker in the core would.
    transports.a.send(invite());
    await until(() => recorded.bob.failures.length === 1);
    await until(() => wire.some((frame) => frame.startsWith('SIP/2.0 403')));

    expect(recorded.bob.failures[0]).toMatchObject({
      direction: 'incoming',
      code: 'ERR_DOWNGRADE',
      sipStatus: 403,
    });
    expect(recorded.bob.calls).toEqual([]);
  });
});
