import { describe, expect, it } from 'vitest';
import { SipRequestFailedError } from '@mcptt-smime/sdk';
import { failedStart, MAX_START_RETRY_MS, START_RETRY_MS, startWithRetries } from '../src/app.js';
import { describeRegistrationFailure } from '../src/error-text.js';
import { testState } from './app-state.js';

describe('failedStart', () => {
  it('keeps a reported authorisation failure', () => {
    const registrationError = describeRegistrationFailure('service authorisation rejected (404)');
    const state = testState([], { registration: 'failed', registrationError });
    expect(failedStart(state, new SipRequestFailedError(404, 'Not Found'))).toEqual({});
  });

  it('describes an unreported failure', () => {
    const state = testState([], { registration: 'registering' });
    const timeout = new DOMException('signal timed out', 'TimeoutError');
    expect(failedStart(state, timeout)).toEqual({
      registration: 'failed',
      registrationError: { message: 'The SIP core cannot be reached.', detail: 'signal timed out' },
    });
  });
});

describe('startWithRetries', () => {
  /** Returns a client whose first `failing` starts fail, and the list of calls it received. */
  function flakyClient(failing: number) {
    const calls: string[] = [];
    let starts = 0;
    const client = {
      start: () => {
        starts += 1;
        calls.push(`start ${String(starts)}`);
        return starts <= failing
          ? Promise.reject(new Error(`start ${String(starts)} failed`))
          : Promise.resolve();
      },
      stop: () => {
        calls.push('stop');
        return Promise.resolve();
      },
    };
    return { client, calls };
  }

  /** Runs `startWithRetries` and every retry it schedules, and returns what happened. */
  async function run(failing: number) {
    const { client, calls } = flakyClient(failing);
    const delays: number[] = [];
    const failures: string[] = [];
    const pending: (() => void)[] = [];
    startWithRetries(
      client,
      {},
      (error, retryMs) => failures.push(`${(error as Error).message}, retry in ${String(retryMs)}`),
      (retry, ms) => {
        delays.push(ms);
        pending.push(retry);
      },
    );
    for (let round = 0; round < 20; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      pending.shift()?.();
    }
    return { calls, delays, failures };
  }

  it('starts once when the start succeeds', async () => {
    const { calls, delays } = await run(0);

    expect(calls).toEqual(['start 1']);
    expect(delays).toEqual([]);
  });

  it('stops and starts again after a failed start', async () => {
    const { calls, failures } = await run(2);

    expect(calls).toEqual(['start 1', 'stop', 'start 2', 'stop', 'start 3']);
    expect(failures).toEqual([
      `start 1 failed, retry in ${String(START_RETRY_MS)}`,
      `start 2 failed, retry in ${String(START_RETRY_MS * 2)}`,
    ]);
  });

  it('doubles the delay up to the maximum', async () => {
    const { delays } = await run(6);

    expect(delays).toEqual([5_000, 10_000, 20_000, 40_000, MAX_START_RETRY_MS, MAX_START_RETRY_MS]);
  });
});
