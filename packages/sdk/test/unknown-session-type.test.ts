/**
 * An incoming call of a session-type that the SDK does not know, as from a later release of
 * TS 24.379, gets 488 Not Acceptable Here, as at the server. The SDK cannot tell what such a call
 * is for, and an automatic one would open the microphone.
 */
import { describe, expect, it } from 'vitest';
import { BOB, startPair } from './helpers/clients.js';
import { useCallHooks } from './helpers/call-hooks.js';

const GROUP = 'sip:group-7@example.org';
const stops = useCallHooks();

describe('an incoming call with an unknown session-type', () => {
  it.each(['broadcast-v2', 'Private', ''])('rejects the session-type %j with 488', async (type) => {
    const started = await startPair({
      bob: { onIncomingCall: (event: { call: { accept(): void } }) => event.call.accept() },
    });
    stops.push(started.stop);
    // The SDK's own API offers only known types, so the test writes another one.
    const call = started.alice.startGroupCall({
      target: BOB,
      groupId: GROUP,
      sessionType: type as 'chat',
    });

    await expect(call.established()).rejects.toMatchObject({ sipStatus: 488 });
    expect(started.recorded.bob.calls).toEqual([]);
  });
});
