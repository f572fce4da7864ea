/** Assertion for the typed errors of the library: class, code and SIP status together. */
import { expect } from 'vitest';
import type { McpttError } from '../../src/errors.js';

type ErrorClass = abstract new (...args: never[]) => McpttError;

/** Runs `action` and asserts that it throws an instance of `errorClass` with `code` and `sipStatus`. */
export function expectMcpttError(
  action: () => unknown,
  errorClass: ErrorClass,
  code: string,
  sipStatus: number,
): McpttError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(errorClass);
  const error = caught as McpttError;
  expect(error.code).toBe(code);
  expect(error.sipStatus).toBe(sipStatus);
  return error;
}

/** Returns the rejection of `attempt`, failing the test when it resolves. */
export async function rejection(attempt: Promise<unknown>): Promise<Error> {
  try {
    await attempt;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
