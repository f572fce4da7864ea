/**
 * The talk request of a call without the floor control data channel: a signed and encrypted INFO
 * of the `mcptt-talk` Info Package whose body is `press` or `release`.
 */
import { describe, expect, it } from 'vitest';
import { SipMessage, unprotectMessage, utf8Decode, utf8Encode } from '@mcptt-smime/smime';

import type { TalkAction } from '../src/index.js';
import { useCallHooks } from './helpers/call-hooks.js';
import { ALICE, establishedCall, sent, startCall } from './helpers/group-call.js';
import { testCrypto } from './helpers/pki.js';
import { responseTo } from './helpers/sip-samples.js';
import { until } from './helpers/until.js';

const stops = useCallHooks();

/** Starts an established call and sends a talk request with `action`; returns the INFO sent. */
async function talk(action: TalkAction) {
  const started = await establishedCall(stops);
  const request = started.call.sendTalkRequest(action);
  await until(() => sent(started.socket, 'INFO ').length === 1);
  return { ...started, request, info: sent(started.socket, 'INFO ')[0] ?? '' };
}

describe('sendTalkRequest', () => {
  it.each(['press', 'release'] as const)('sends a signed, encrypted %s', async (action) => {
    const { info, request, socket, stores } = await talk(action);
    const message = SipMessage.parse(utf8Encode(info));
    const opened = await unprotectMessage(message, {
      crypto: testCrypto,
      identity: await stores.pki.identity('bob'),
      trustAnchors: [stores.pki.caCertificate],
      now: stores.now,
    });
    socket.receive(responseTo(info, '200 OK'));

    await expect(request).resolves.toBeUndefined();
    expect(message.getHeader('Info-Package')).toBe('mcptt-talk');
    expect(info).not.toContain(action);
    expect(opened.security.signerUri).toBe(ALICE);
    expect(opened.security.encrypted).toBe(true);
    expect(opened.parts.map((part) => part.contentType.mediaType)).toEqual(['text/plain']);
    expect(utf8Decode(opened.parts[0]?.decodedBody() ?? new Uint8Array())).toBe(action);
  });

  it('rejects with the status of a rejection', async () => {
    const { info, request, socket, call } = await talk('press');
    socket.receive(responseTo(info, '469 Bad Info Package'));

    await expect(request).rejects.toMatchObject({ code: 'ERR_REQUEST_FAILED', sipStatus: 469 });
    expect(call.state).toBe('established');
  });

  it('rejects with 503 when the request cannot leave', async () => {
    const { socket, call } = await establishedCall(stops);
    socket.disconnect();

    await expect(call.sendTalkRequest('press')).rejects.toMatchObject({ sipStatus: 503 });
    expect(sent(socket, 'INFO ')).toEqual([]);
  });

  it('rejects before the call is established', async () => {
    const { socket, call } = await startCall(stops);

    await expect(call.sendTalkRequest('press')).rejects.toThrow('the call is not established');
    expect(sent(socket, 'INFO ')).toEqual([]);
  });

  it('rejects an unknown action', async () => {
    const { socket, call } = await establishedCall(stops);

    await expect(call.sendTalkRequest('hold' as TalkAction)).rejects.toThrow(TypeError);
    expect(sent(socket, 'INFO ')).toEqual([]);
  });
});
