import { describe, expect, it } from 'vitest';
import { SipRequestFailedError } from '@mcptt-smime/sdk';
import { CmsParseError, CredentialInvalidError, SipParseError } from '@mcptt-smime/smime';
import {
  describeError,
  describeRegistrationFailure,
  registrationFailureText,
} from '../src/error-text.js';
import { EnrolmentRejectedError } from '../src/identity.js';

describe('describeError', () => {
  const sipCases: [number, string, string][] = [
    [404, 'Not Found', 'The user or group was not found, or the MCPTT server is offline.'],
    [408, 'Request Timeout', 'The server did not answer in time.'],
    [480, 'Temporarily Unavailable', 'The user is not available right now.'],
    [487, 'Request Terminated', 'The call was cancelled.'],
    [603, 'Decline', 'The call was declined.'],
    [599, 'Odd Failure', 'The server failed to handle the request.'],
  ];
  for (const [status, phrase, message] of sipCases) {
    it(`words a SIP ${String(status)}`, () => {
      const text = describeError(new SipRequestFailedError(status, phrase));
      expect(text.message).toBe(message);
      expect(text.detail).toBe(`${String(status)} ${phrase}`);
    });
  }

  it('keeps the code of a local failure', () => {
    const text = describeError(new SipRequestFailedError(403, 'Forbidden', 'ERR_CERT_UNTRUSTED'));
    expect(text.message).toBe('The server rejected the request.');
    expect(text.detail).toBe('403 Forbidden, ERR_CERT_UNTRUSTED');
  });

  it('words an enrolment rejection once', () => {
    const text = describeError(new EnrolmentRejectedError(403, 'unknown user or wrong code'));
    expect(text.message).toBe(
      'The MCPTT ID or the one-time code is wrong, or the code was used already.',
    );
    expect(text.detail).toBe('HTTP 403: unknown user or wrong code');
    const locked = new EnrolmentRejectedError(429, 'too many wrong codes: try again in 60 s');
    expect(describeError(locked)).toEqual({
      message: 'Too many wrong codes for this MCPTT ID. Wait, then enter the code again.',
      detail: 'HTTP 429: too many wrong codes: try again in 60 s',
    });
    expect(describeError(new EnrolmentRejectedError(502, undefined))).toEqual({
      message: 'The enrolment service failed. Try again later.',
      detail: 'HTTP 502',
    });
  });

  it('words a file that is no PKCS#12', () => {
    const text = describeError(new CmsParseError('PKCS#12 file does not match the PFX schema'));
    expect(text.message).toBe(
      'The key or certificate data is damaged or in a format that this app cannot read.',
    );
    expect(text.detail).toBe('ERR_CMS_MALFORMED: PKCS#12 file does not match the PFX schema');
  });

  it('words a wrong password and a foreign certificate', () => {
    const password = new CredentialInvalidError('PKCS#12 MAC check failed: wrong password');
    expect(describeError(password).message).toBe('The password is wrong, or the file was changed.');
    const foreign = new CredentialInvalidError(
      'certificate does not chain to a stored trust anchor',
    );
    expect(describeError(foreign).message).toBe(
      'The certificate was not issued by an authority that this app trusts.',
    );
  });

  it('words a certificate outside its validity period', () => {
    const early = new CredentialInvalidError(
      'issued certificate is not valid until 2027-01-01T00:00:00.000Z: check the clock of this device',
    );
    const late = new CredentialInvalidError('certificate expired on 2025-01-01T00:00:00.000Z');

    expect(describeError(early).message).toBe(
      'The certificate is not valid yet. Check the date and time of this device.',
    );
    expect(describeError(late).message).toBe('The certificate has expired.');
  });

  it('words an unreachable server', () => {
    expect(describeError(new TypeError('Failed to fetch')).message).toBe(
      'The server cannot be reached.',
    );
  });

  it('words a connection that timed out', () => {
    const timeout = new DOMException('signal timed out', 'TimeoutError');

    expect(describeError(timeout)).toEqual({
      message: 'The SIP core cannot be reached.',
      detail: 'signal timed out',
    });
  });

  it.each([
    ['ERR_CERT_REVOKED', 'The certificate was revoked by its authority.'],
    ['ERR_IDENTITY_MISMATCH', 'The certificate names another user or server.'],
  ])('words a server certificate rejected with %s', (code, message) => {
    const error = Object.assign(new Error('server certificate rejected'), { code });

    expect(describeError(error).message).toBe(message);
  });

  it('words an MCPTT ID that is no SIP URI', () => {
    const error = new SipParseError('invalid SIP address-of-record: expected sip:user@host');

    expect(describeError(error, { typedUri: true })).toEqual({
      message: 'The MCPTT ID is not a SIP URI. Enter it in the form sip:name@domain.',
      detail: 'ERR_SIP_MALFORMED: invalid SIP address-of-record: expected sip:user@host',
    });
  });

  it('words other malformed SIP neutrally', () => {
    const error = new SipParseError('invalid SIP address-of-record: expected sip:user@host');

    expect(describeError(error)).toEqual({
      message: 'A SIP address or message is malformed.',
      detail: 'ERR_SIP_MALFORMED: invalid SIP address-of-record: expected sip:user@host',
    });
  });

  it('keeps an unknown error as the detail', () => {
    expect(describeError(new Error('worker crashed'))).toEqual({
      message: 'The operation failed.',
      detail: 'worker crashed',
    });
  });
});

describe('describeRegistrationFailure', () => {
  it('words the causes of JsSIP', () => {
    expect(describeRegistrationFailure('Request Timeout')).toEqual({
      message: 'The SIP core did not answer in time.',
      detail: 'Request Timeout',
    });
    expect(describeRegistrationFailure('Connection Error').message).toBe(
      'The SIP core cannot be reached.',
    );
  });

  it('words a rejected service authorisation', () => {
    expect(describeRegistrationFailure('service authorisation rejected (403)').message).toBe(
      'The MCPTT server does not accept this user.',
    );
    expect(
      describeRegistrationFailure('service authorisation refresh rejected (500)').message,
    ).toBe('The MCPTT server did not authorise the service.');
  });

  it('words an MCPTT server that is offline', () => {
    // The core responds with 404 for the server's URI while the server is not registered.
    expect(describeRegistrationFailure('service authorisation rejected (404)')).toEqual({
      message: 'The MCPTT server is offline: the SIP core cannot reach it.',
      detail: 'service authorisation rejected (404)',
    });
  });
});

describe('registrationFailureText', () => {
  it('adds a known reason', () => {
    expect(registrationFailureText(describeRegistrationFailure('Request Timeout'))).toBe(
      'Registration failed: The SIP core did not answer in time.',
    );
  });

  it('leaves out a generic reason', () => {
    expect(registrationFailureText(describeRegistrationFailure('Service Unavailable'))).toBe(
      'Registration failed',
    );
    expect(registrationFailureText(describeRegistrationFailure(undefined))).toBe(
      'Registration failed',
    );
    expect(registrationFailureText(describeError(new Error('socket closed')))).toBe(
      'Registration failed',
    );
    expect(registrationFailureText(undefined)).toBe('Registration failed');
  });
});
