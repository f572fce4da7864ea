/**
 * How the socket reads a failure raised by the protection pipeline. The errors of
 * `@mcptt-smime/smime` carry a stable `code` and a `sipStatus`; they are read structurally so that
 * an error from a second copy of the package is understood as well.
 *
 * @module
 */
import { isErrorCode, SIP_REASON_PHRASES, type ErrorCode } from '@mcptt-smime/smime';

/** The fields of a protection error that the socket uses. */
export interface ProtectionFailure {
  readonly code: ErrorCode;
  readonly sipStatus: number;
  /** DER of a certs-only SignedData for a 493 response (RFC 3261 §23.2). */
  readonly certsOnly?: Uint8Array | undefined;
  /** Content codings for the Accept-Encoding field of a 415 (RFC 3261 §8.2.3). */
  readonly acceptEncoding?: string | undefined;
}

/** Code given to failures that are not errors of the library, such as a bug in a callback. */
export const INTERNAL_FAILURE_CODE: ErrorCode = 'ERR_INTERNAL';

/** Reads `code` and `sipStatus` from an error, with 500 for anything that is not a library error. */
export function toProtectionFailure(error: unknown): ProtectionFailure {
  if (typeof error === 'object' && error !== null) {
    const { code, sipStatus, certsOnly, acceptEncoding } = error as Record<string, unknown>;
    const known = typeof code === 'string' && isErrorCode(code);
    if (known && typeof sipStatus === 'number' && sipStatus >= 400) {
      return {
        code,
        sipStatus,
        certsOnly: certsOnly instanceof Uint8Array ? certsOnly : undefined,
        acceptEncoding: typeof acceptEncoding === 'string' ? acceptEncoding : undefined,
      };
    }
  }
  return { code: INTERNAL_FAILURE_CODE, sipStatus: 500 };
}

/** Reason phrase of a status, `Server Internal Error` when unknown. */
export function reasonPhraseOf(status: number): string {
  return SIP_REASON_PHRASES[status] ?? 'Server Internal Error';
}
