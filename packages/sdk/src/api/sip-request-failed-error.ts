/**
 * The rejection of a request that the SDK sent: a final non-2xx response, local or remote.
 *
 * @module
 */

/** A request answered with a final error response, or one that timed out. */
export class SipRequestFailedError extends Error {
  /** SIP status of the final response; 408 for a local timeout. */
  readonly sipStatus: number;
  /** The error code of a local protection failure (from the Warning header), if any. */
  readonly code: string | undefined;

  constructor(sipStatus: number, reasonPhrase: string, code?: string) {
    super(`request failed with ${sipStatus} ${reasonPhrase}`);
    this.name = 'SipRequestFailedError';
    this.sipStatus = sipStatus;
    this.code = code;
  }
}

/** Reads the error code from the Warning header that the protecting socket writes. */
export function warningCode(warning: string | undefined): string | undefined {
  return warning === undefined ? undefined : /399 mcptt-smime "([A-Z_]+)"/.exec(warning)?.[1];
}

/** The fields of a JsSIP response that the SDK reads. */
export interface SipResponseLike {
  readonly status_code: number;
  readonly reason_phrase: string;
  getHeader(name: string): string;
}

/**
 * Builds the error of a request from its final response, with 408 when there is none (a
 * timeout). The socket's Warning header gives the code of a local protection failure.
 */
export function failureOf(response: SipResponseLike | null | undefined): SipRequestFailedError {
  if (response === null || response === undefined) {
    return new SipRequestFailedError(408, 'Request Timeout');
  }
  const code = warningCode(response.getHeader('Warning') || undefined);
  return new SipRequestFailedError(response.status_code, response.reason_phrase, code);
}
