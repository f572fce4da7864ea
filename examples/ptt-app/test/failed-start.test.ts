import { describe, expect, it } from 'vitest';
import { SipRequestFailedError } from '@mcptt-smime/sdk';
import { failedStart } from '../src/app.js';
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
