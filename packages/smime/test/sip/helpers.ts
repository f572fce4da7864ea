/** Shared helpers of the SIP codec tests. */
import { expect } from 'vitest';
import { LimitExceededError, SipParseError, SipVersionError } from '../../src/errors.js';

/** Encodes a message written with `\n` line ends as CRLF bytes. */
export function sipBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text.replace(/\r?\n/g, '\r\n'));
}

/** A valid MESSAGE request as CRLF text, body `hello`. */
export const MESSAGE_TEXT = [
  'MESSAGE sip:bob@example.org SIP/2.0',
  'Via: SIP/2.0/WSS edge.example.org;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@example.org>',
  'From: "Alice" <sip:alice@example.org>;tag=1928301774',
  'Call-ID: a84b4c76e66710@example.org',
  'CSeq: 314159 MESSAGE',
  'Content-Type: text/plain',
  'Content-Length: 5',
  '',
  'hello',
].join('\r\n');

/** Runs `action` and returns what it threw, failing the test when it throws nothing. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  expect.fail('expected an error');
}

/** Asserts that `action` raises SipParseError (code and status), with `message` when given. */
export function expectSipParseError(action: () => unknown, message?: string | RegExp): void {
  const error = thrownBy(action);
  expect(error).toBeInstanceOf(SipParseError);
  expect((error as SipParseError).code).toBe('ERR_SIP_MALFORMED');
  expect((error as SipParseError).sipStatus).toBe(400);
  if (message !== undefined) expect((error as SipParseError).message).toMatch(message);
}

/** Asserts that `action` raises LimitExceededError with its code and status. */
export function expectLimitExceeded(action: () => unknown): void {
  const error = thrownBy(action);
  expect(error).toBeInstanceOf(LimitExceededError);
  expect((error as LimitExceededError).code).toBe('ERR_LIMIT_EXCEEDED');
  expect((error as LimitExceededError).sipStatus).toBe(413);
}

/** Asserts that `action` either returns or raises one of the codec's typed errors. */
export function expectTypedOutcome(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    const typed =
      error instanceof SipParseError ||
      error instanceof SipVersionError ||
      error instanceof LimitExceededError;
    if (!typed) throw error;
  }
}
