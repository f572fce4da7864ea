/**
 * The order of a participant's requests inside a call. The SIP core can delay a signed request
 * and deliver it after a later one of the same dialog. RFC 3261 §12.2.2 has a UAS reject a
 * request whose CSeq is lower than the last one of its dialog with 500, so that the late request
 * changes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mcpttInfo, useRelayGroup } from './helpers/call-setup.js';
import { emergencySteps } from './helpers/emergency-calls.js';
import { status } from './helpers/mcptt-test-client.js';

const { fixture, client } = useRelayGroup(['alice', 'bob', 'carol'], ['bob', 'carol']);
const { ordinaryCall, emergencyUpdate, endCarolsCall } = emergencySteps(fixture, client);

afterEach(endCarolsCall);

describe('a delayed request inside a call', () => {
  it('cannot cancel a later emergency', async () => {
    const { call, aliceDialog } = await ordinaryCall();
    const alice = client('alice');
    expect(status(await emergencyUpdate('alice', aliceDialog, true))).toBe(200);
    // Alice's first cancellation never reaches the server: the core delays it.
    const delayed = await alice.protect(
      alice.inDialog(aliceDialog, 'UPDATE', [mcpttInfo({ emergency: false })]),
    );
    // She cancels again, and later raises a new emergency.
    expect(status(await emergencyUpdate('alice', aliceDialog, false))).toBe(200);
    expect(status(await emergencyUpdate('alice', aliceDialog, true))).toBe(200);
    expect(call.emergency).toBe(true);

    const late = await alice.send(delayed);

    expect(status(late)).toBe(500);
    expect(call.emergency).toBe(true);
  });
});
