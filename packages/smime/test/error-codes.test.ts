/** The stable codes of the error hierarchy, as a code read from the network is checked. */
import { describe, expect, it } from 'vitest';

import { IdentityMismatchError, isErrorCode, type McpttError } from '../src/errors.js';

describe('isErrorCode', () => {
  it.each(['ERR_IDENTITY_MISMATCH', 'ERR_REQUEST_FAILED', 'ERR_INTERNAL'])('accepts %s', (code) => {
    expect(isErrorCode(code)).toBe(true);
  });

  it.each(['', 'ERR_UNKNOWN', 'err_downgrade', 'toString', '__proto__'])('rejects %j', (code) => {
    expect(isErrorCode(code)).toBe(false);
  });

  it('accepts the code of every error class', () => {
    const error: McpttError = new IdentityMismatchError('signer is not the sender');

    expect(isErrorCode(error.code)).toBe(true);
  });
});
