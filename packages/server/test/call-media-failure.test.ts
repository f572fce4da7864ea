/**
 * A participant whose media connection failed, as when its browser crashed, leaves the call: the
 * server sends its leg a BYE and ends the call when that leaving ends it. werift reports the
 * failure through `MediaLeg.onFailed`, which these cases call at once instead of waiting 30 s
 * for ICE consent to expire.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Call } from '../src/call-store.js';
import { useRelayGroup } from './helpers/call-setup.js';
import { emergencySteps } from './helpers/emergency-calls.js';
import type { Incoming } from './helpers/mcptt-test-client.js';
import { status } from './helpers/mcptt-test-client.js';
import { GROUP_ID } from './helpers/server-fixture.js';

const { fixture, client } = useRelayGroup(['alice', 'bob', 'carol'], ['bob', 'carol']);
const { calls, legOf, ordinaryCall, emergencyUpdate, pressTalk, endCarolsCall } = emergencySteps(
  fixture,
  client,
);

afterEach(endCarolsCall);

/** Reports the failure of the media connection of `name`'s leg in `call`. */
function failMedia(call: Call, name: string): void {
  const callId = legOf(call, name)?.callId ?? '';
  const media = call.media.media(callId);
  expect(media?.onFailed).toBeTypeOf('function');
  media?.onFailed?.();
}

/**
 * Fails the media of `name`'s leg when the server next reads its clock, which it does while it
 * opens a request, after it has found the request's leg.
 */
function failMediaWhileOpening(call: Call, name: string): void {
  const context = fixture().server.context as { now: () => Date };
  const now = context.now;
  context.now = () => {
    context.now = now;
    failMedia(call, name);
    return now();
  };
}

/** Resolves with the BYE that `name` receives in the dialog with `callId`. */
function byeAt(name: string, callId: string): Promise<Incoming> {
  return client(name).receive(
    (incoming) => incoming.raw.method === 'BYE' && incoming.raw.callId === callId,
  );
}

describe('a failed media connection', () => {
  it('ends the leg and keeps the call', async () => {
    const { call, aliceDialog } = await ordinaryCall();
    const bye = byeAt('alice', aliceDialog.callId);

    failMedia(call, 'alice');

    expect((await bye).raw.getHeader('Reason')).toBe(
      'SIP;cause=200;text="media connection failed"',
    );
    expect(legOf(call, 'alice')).toBeUndefined();
    expect(call.media.media(aliceDialog.callId)).toBeUndefined();
    expect(calls().byGroup(GROUP_ID)).toBe(call);
    expect([...call.legs.values()].map((leg) => leg.uri).sort()).toEqual(
      [client('bob').uri, client('carol').uri].sort(),
    );
  });

  it("ends the call with the originator's leg", async () => {
    const { call, carolDialog } = await ordinaryCall();
    const bobCallId = legOf(call, 'bob')?.callId ?? '';
    const atCarol = byeAt('carol', carolDialog.callId);
    const atBob = byeAt('bob', bobCallId);

    failMedia(call, 'carol');

    await atCarol;
    await atBob;
    expect(calls().byGroup(GROUP_ID)).toBeUndefined();
  });

  it("rejects the leg's UPDATE in flight: 481", async () => {
    const { call, aliceDialog } = await ordinaryCall();
    failMediaWhileOpening(call, 'alice');

    const response = await emergencyUpdate('alice', aliceDialog, true);

    expect(status(response)).toBe(481);
    expect(call.emergency).toBe(false);
    expect(call.emergencyCaller).toBeUndefined();
    expect(legOf(call, 'alice')).toBeUndefined();
  });

  it("rejects the leg's INFO in flight: 481", async () => {
    const { call, aliceDialog } = await ordinaryCall();
    failMediaWhileOpening(call, 'alice');

    const statusCode = await pressTalk('alice', aliceDialog);

    expect(statusCode).toBe(481);
    expect(legOf(call, 'alice')).toBeUndefined();
  });
});
