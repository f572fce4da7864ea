import { describe, expect, it } from 'vitest';
import type { McpttCall, TalkAction } from '@mcptt-smime/sdk';
import { TalkControl } from '../src/sdk-talk.js';
import { ALICE } from './app-state.js';

/** Returns a call without floor control whose talk requests succeed or fail per `outcome`. */
function fakeCall(outcome: 'accepted' | 'rejected') {
  const requests: TalkAction[] = [];
  const microphone = { kind: 'audio', enabled: false };
  const call = {
    callId: 'c1',
    state: 'established',
    floor: undefined,
    session: { connection: { getSenders: () => [{ track: microphone }] } },
    sendTalkRequest: (action: TalkAction) => {
      requests.push(action);
      return outcome === 'accepted'
        ? Promise.resolve()
        : Promise.reject(new Error('469 Bad Info Package'));
    },
  };
  return { call: call as unknown as McpttCall, requests, microphone };
}

/** Returns a call without floor control whose talk requests the test settles one by one. */
function pendingCall() {
  const settlers: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const call = {
    callId: 'c1',
    state: 'established',
    floor: undefined,
    session: { connection: undefined },
    sendTalkRequest: () =>
      new Promise<void>((resolve, reject) => {
        settlers.push({ resolve, reject });
      }),
  };
  return { call: call as unknown as McpttCall, settlers };
}

/** Returns a talk control of alice that records the talker and the INFOs announced. */
function control() {
  const talkers: (string | undefined)[] = [];
  const infos: TalkAction[] = [];
  const talk = new TalkControl(ALICE, {
    onFloor: () => undefined,
    onTalker: (_callId, talkerId) => talkers.push(talkerId),
    onTalkInfo: (action) => infos.push(action),
  });
  return { talk, talkers, infos };
}

describe('TalkControl without floor control', () => {
  it('sends a press and a release as talk requests', async () => {
    const { call, requests } = fakeCall('accepted');
    const { talk, talkers, infos } = control();

    talk.press(call);
    talk.release();
    await Promise.resolve();

    expect(requests).toEqual(['press', 'release']);
    expect(infos).toEqual(['press', 'release']);
    expect(talkers).toEqual([ALICE, undefined]);
  });

  it('shows no talker after a rejected press', async () => {
    const { call, requests, microphone } = fakeCall('rejected');
    const { talk, talkers } = control();

    talk.press(call);
    expect(microphone.enabled).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 0));

    expect(requests).toEqual(['press']);
    expect(talkers).toEqual([ALICE, undefined]);
    expect(microphone.enabled).toBe(false);
  });

  it('keeps the talker of a later press when an earlier one fails', async () => {
    const { call, settlers } = pendingCall();
    const { talk, talkers } = control();

    talk.press(call);
    talk.release();
    talk.press(call);
    settlers[0]?.reject(new Error('408 Request Timeout'));
    await new Promise((resolve) => setTimeout(resolve, 0));

    expect(talkers).toEqual([ALICE, undefined, ALICE]);
    expect(talk.talking).toBe(call);
  });
});
