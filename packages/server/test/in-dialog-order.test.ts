/**
 * The order of a participant's requests inside a call. The SIP core can delay a signed request
 * and deliver it after a later one of the same dialog. RFC 3261 §12.2.2 has a UAS reject a
 * request whose CSeq is lower than the last one of its dialog with 500, so that the late request
 * changes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { textPart } from '../src/body-parts.js';
import { mcpttInfo, useRelayGroup } from './helpers/call-setup.js';
import { emergencySteps } from './helpers/emergency-calls.js';
import { status } from './helpers/mcptt-test-client.js';

const { fixture, client } = useRelayGroup(['alice', 'bob', 'carol'], ['bob', 'carol']);
const { ordinaryCall, emergencyUpdate, endCarolsCall } = emergencySteps(fixture, client);

const TALK_PACKAGE = { name: 'Info-Package', value: 'mcptt-talk' };

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

/**
 * Returns a copy of the server's crypto whose first signature check waits for `release`, and
 * `started`, which resolves when that check begins.
 */
function heldCrypto(original: Crypto) {
  let begin: () => void = () => undefined;
  let release: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (begin = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  let armed = true;
  const subtle: SubtleCrypto = {
    ...original.subtle,
    verify: async (...args: Parameters<SubtleCrypto['verify']>) => {
      if (armed) {
        armed = false;
        begin();
        await gate;
      }
      return original.subtle.verify(...args);
    },
  };
  const crypto: Crypto = {
    subtle,
    getRandomValues: original.getRandomValues.bind(original),
    randomUUID: original.randomUUID.bind(original),
  };
  return { crypto, started, release };
}

describe('requests inside a call that arrive in order', () => {
  it('are all taken when the later one opens first', async () => {
    const { aliceDialog } = await ordinaryCall();
    const alice = client('alice');
    const update = await alice.protect(
      alice.inDialog(aliceDialog, 'UPDATE', [mcpttInfo({ emergency: true })]),
    );
    const info = await alice.protect(
      alice.inDialog(aliceDialog, 'INFO', [textPart('text/plain', 'press')], [TALK_PACKAGE]),
    );
    const context = fixture().server.context as { crypto: Crypto };
    const original = context.crypto;
    const slow = heldCrypto(original);
    context.crypto = slow.crypto;
    try {
      // The UPDATE arrives first and is slow to open. The INFO after it opens at once.
      const updated = alice.send(update);
      await slow.started;
      const pressed = alice.send(info);
      await new Promise((resolve) => setTimeout(resolve, 200));
      slow.release();

      expect(status(await updated)).toBe(200);
      expect(status(await pressed)).toBe(200);
    } finally {
      slow.release();
      context.crypto = original;
    }
  });
});
