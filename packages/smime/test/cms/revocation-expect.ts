/** Assertions shared by the revocation tests: the outcome of a verification that must fail. */
import { expect } from 'vitest';

import { CertificateRevokedError, CertificateUntrustedError } from '../../src/errors.js';
import { rejection } from '../mime/expect-error.js';

/** Asserts that `attempt` fails because a certificate of the path is revoked. */
export async function expectRevoked(attempt: Promise<unknown>): Promise<Error> {
  const error = await rejection(attempt);

  expect(error).toBeInstanceOf(CertificateRevokedError);
  expect(error).toMatchObject({ code: 'ERR_CERT_REVOKED', sipStatus: 403 });
  return error;
}

/** Asserts that `attempt` fails because no current list covers a certificate of the path. */
export async function expectUnknown(attempt: Promise<unknown>): Promise<Error> {
  const error = await rejection(attempt);

  expect(error).toBeInstanceOf(CertificateUntrustedError);
  expect(error).toMatchObject({ code: 'ERR_CERT_UNTRUSTED', sipStatus: 403 });
  expect(error.message).toMatch(/^revocation status unknown: /);
  return error;
}
