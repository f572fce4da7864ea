import { describe, expect, it } from 'vitest';
import {
  MAX_TIMER_DELAY_MS,
  PublicationRefresh,
  REFRESH_RETRY_SECONDS,
  refreshDelayMs,
} from '../src/api/publication-refresh.js';
import { grantedExpires, MIN_PUBLISH_EXPIRES } from '../src/api/publish-transaction.js';
import { SipRequestFailedError } from '../src/api/sip-request-failed-error.js';
import { ManualTimers } from './helpers/manual-timers.js';

/** Lets the promise jobs of a fired timer run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function setUp(answers: (() => Promise<number>)[]) {
  const timers = new ManualTimers();
  const failures: { error: unknown; retrying: boolean }[] = [];
  let sent = 0;
  const publish = () => {
    const answer = answers[Math.min(sent, answers.length - 1)];
    sent += 1;
    return answer === undefined ? Promise.resolve(3600) : answer();
  };
  const refresh = new PublicationRefresh({
    schedule: timers.schedule,
    onFailure: (error, retrying) => failures.push({ error, retrying }),
  });
  return { timers, failures, publish, refresh, sent: () => sent };
}

describe('refreshDelayMs', () => {
  it('refreshes 64 s before a long lifetime ends', () => {
    expect(refreshDelayMs(3600)).toBe(3_536_000);
  });

  it('stays within the timer range', () => {
    expect(refreshDelayMs(2 ** 31 - 1)).toBe(MAX_TIMER_DELAY_MS);
  });

  it('refreshes halfway through a short lifetime', () => {
    expect(refreshDelayMs(60)).toBe(30_000);
    expect(refreshDelayMs(1)).toBe(500);
  });
});

describe('grantedExpires', () => {
  it('takes a shorter lifetime from the server', () => {
    expect(grantedExpires('600', 3600)).toBe(600);
    expect(grantedExpires(' 60 ', 3600)).toBe(60);
  });

  it(`takes no lifetime below ${MIN_PUBLISH_EXPIRES} s from the server`, () => {
    expect(MIN_PUBLISH_EXPIRES).toBe(60);
    for (const header of ['0', '1', '59']) {
      expect(grantedExpires(header, 3600)).toBe(MIN_PUBLISH_EXPIRES);
    }
    expect(refreshDelayMs(grantedExpires('1', 3600))).toBe(30_000);
  });

  it('takes the requested lifetime as the floor of a short request', () => {
    expect(grantedExpires('1', 30)).toBe(30);
    expect(grantedExpires('0', 30)).toBe(30);
    expect(grantedExpires('20', 30)).toBe(30);
  });

  it('grants 0 to a withdrawal', () => {
    expect(grantedExpires('0', 0)).toBe(0);
    expect(grantedExpires('3600', 0)).toBe(0);
    expect(grantedExpires(undefined, 0)).toBe(0);
  });

  it('keeps the requested lifetime otherwise', () => {
    expect(grantedExpires(undefined, 3600)).toBe(3600);
    expect(grantedExpires('7200', 3600)).toBe(3600);
    for (const header of ['', 'soon', '-5', '1e3', '12.5', '99999999999']) {
      expect(grantedExpires(header, 3600)).toBe(3600);
    }
  });
});

describe('PublicationRefresh', () => {
  it('publishes again before the lifetime ends', async () => {
    const h = setUp([() => Promise.resolve(600)]);
    h.refresh.start(h.publish, 3600);
    expect(h.timers.active).toEqual([3_536_000]);

    h.timers.fire();
    await settle();
    expect(h.sent()).toBe(1);
    expect(h.timers.active).toEqual([536_000]);
  });

  it('stays stopped for a lifetime of 0', async () => {
    const h = setUp([() => Promise.resolve(0)]);
    h.refresh.start(h.publish, 0);
    expect(h.timers.active).toEqual([]);

    h.refresh.start(h.publish, 60);
    h.timers.fire();
    await settle();
    expect(h.sent()).toBe(1);
    expect(h.timers.active).toEqual([]);
  });

  it('retries a timed-out refresh', async () => {
    const h = setUp([() => Promise.reject(new SipRequestFailedError(408, 'Request Timeout'))]);
    h.refresh.start(h.publish, 3600);
    h.timers.fire();
    await settle();

    expect(h.failures).toHaveLength(1);
    expect(h.failures[0]?.retrying).toBe(true);
    expect(h.timers.active).toEqual([REFRESH_RETRY_SECONDS * 1000]);
  });

  it('retries after a server or transport error', async () => {
    for (const error of [
      new SipRequestFailedError(503, 'Service Unavailable'),
      new Error('down'),
    ]) {
      const h = setUp([() => Promise.reject(error)]);
      h.refresh.start(h.publish, 3600);
      h.timers.fire();
      await settle();
      expect(h.failures[0]?.retrying).toBe(true);
      expect(h.timers.active).toEqual([REFRESH_RETRY_SECONDS * 1000]);
    }
  });

  it('gives up when the server rejects it', async () => {
    const h = setUp([() => Promise.reject(new SipRequestFailedError(403, 'Forbidden'))]);
    h.refresh.start(h.publish, 3600);
    h.timers.fire();
    await settle();

    expect(h.failures).toHaveLength(1);
    expect(h.failures[0]?.retrying).toBe(false);
    expect((h.failures[0]?.error as SipRequestFailedError).sipStatus).toBe(403);
    expect(h.timers.active).toEqual([]);
  });

  it('resumes the lifetime after a retry succeeds', async () => {
    const h = setUp([
      () => Promise.reject(new SipRequestFailedError(500, 'Server Internal Error')),
      () => Promise.resolve(3600),
    ]);
    h.refresh.start(h.publish, 3600);
    h.timers.fire();
    await settle();
    h.timers.fire();
    await settle();

    expect(h.sent()).toBe(2);
    expect(h.timers.active).toEqual([3_536_000]);
  });

  it('arms nothing after close', () => {
    const h = setUp([]);
    h.refresh.close();
    h.refresh.start(h.publish, 3600);

    expect(h.timers.active).toEqual([]);
  });

  it('cancels the timer on stop', () => {
    const h = setUp([]);
    h.refresh.start(h.publish, 3600);
    h.refresh.stop();
    expect(h.timers.active).toEqual([]);
  });

  it('does not re-arm from a refresh in flight at stop', async () => {
    let answer: (granted: number) => void = () => undefined;
    const h = setUp([() => new Promise<number>((resolve) => (answer = resolve))]);
    h.refresh.start(h.publish, 3600);
    h.timers.fire();
    h.refresh.stop();
    answer(3600);
    await settle();

    expect(h.sent()).toBe(1);
    expect(h.timers.active).toEqual([]);
  });

  it('reports no failure of a refresh replaced meanwhile', async () => {
    let fail: (error: Error) => void = () => undefined;
    const h = setUp([() => new Promise<number>((_resolve, reject) => (fail = reject))]);
    h.refresh.start(h.publish, 3600);
    h.timers.fire();
    h.refresh.start(() => Promise.resolve(3600), 600);
    fail(new SipRequestFailedError(408, 'Request Timeout'));
    await settle();

    expect(h.failures).toEqual([]);
    expect(h.timers.active).toEqual([536_000]);
  });
});
