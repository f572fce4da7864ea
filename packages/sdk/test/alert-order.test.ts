import { describe, expect, it } from 'vitest';
import type { SecurityInfo } from '@mcptt-smime/smime';

import { AlertOrder, MAX_ALERT_ORDER_ENTRIES } from '../src/api/alert-order.js';

const GROUP = 'sip:engine-1@example.org';

/** Returns the part of a SecurityInfo that the order reads. */
function signedAt(seconds: number | undefined): SecurityInfo {
  const signingTime = seconds === undefined ? undefined : new Date(seconds * 1000);
  return { signingTime } as SecurityInfo;
}

describe('AlertOrder', () => {
  it('rejects an alert signed before the last', () => {
    const order = new AlertOrder();

    expect(order.isSuperseded('sip:carol@example.org', GROUP, signedAt(20))).toBe(false);
    expect(order.isSuperseded('sip:carol@example.org', GROUP, signedAt(10))).toBe(true);
    expect(order.isSuperseded('sip:carol@example.org', GROUP, signedAt(20))).toBe(false);
  });

  it('keeps senders and groups apart', () => {
    const order = new AlertOrder();
    order.isSuperseded('sip:carol@example.org', GROUP, signedAt(20));

    expect(order.isSuperseded('sip:dave@example.org', GROUP, signedAt(10))).toBe(false);
    expect(order.isSuperseded('sip:carol@example.org', undefined, signedAt(10))).toBe(false);
    expect(order.isSuperseded('sip:carol@example.org', 'sip:all@example.org', signedAt(10))).toBe(
      false,
    );
  });

  it('compares senders and groups as addresses of record', () => {
    const order = new AlertOrder();
    order.isSuperseded('sip:carol@example.org', GROUP, signedAt(20));

    expect(order.isSuperseded('sip:carol@EXAMPLE.org', GROUP, signedAt(10))).toBe(true);
    expect(order.isSuperseded('sip:carol@example.org', `${GROUP};x=1`, signedAt(10))).toBe(true);
    expect(order.isSuperseded('sip:carol@example.org', GROUP.toUpperCase(), signedAt(10))).toBe(
      false,
    );
  });

  it('never rejects an alert without signingTime', () => {
    const order = new AlertOrder();
    order.isSuperseded('sip:carol@example.org', GROUP, signedAt(20));

    expect(order.isSuperseded('sip:carol@example.org', GROUP, signedAt(undefined))).toBe(false);
  });

  it('forgets the oldest pair past the limit', () => {
    const order = new AlertOrder();
    for (let index = 0; index <= MAX_ALERT_ORDER_ENTRIES; index++) {
      order.isSuperseded(`sip:user${String(index)}@example.org`, GROUP, signedAt(20));
    }

    expect(order.isSuperseded('sip:user0@example.org', GROUP, signedAt(10))).toBe(false);
    expect(order.isSuperseded('sip:user2@example.org', GROUP, signedAt(10))).toBe(true);
  });
});
