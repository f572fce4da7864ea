/**
 * The rejection of a request that the SDK sent: a final non-2xx response, local or remote.
 *
 * @module
 */
import {
  McpttError,
  isErrorCode,
  type ErrorCode,
  type McpttErrorOptions,
} from '@mcptt-smime/smime';

/**
 * A request answered with a final error response, or one that timed out. It belongs to the one
 * error hierarchy of mcptt-smime, with the response's status as `sipStatus`.
 */
export class SipRequestFailedError extends McpttError {
  /** `ERR_REQUEST_FAILED`, the code of a failure at the far end or a timeout. */
  static readonly code = 'ERR_REQUEST_FAILED';
  // Written out, because a bundler that renames classes would change the name taken from it.
  override readonly name = 'SipRequestFailedError';
  /**
   * The code of the local protection failure that produced the response (from its Warning
   * header), such as `ERR_KEY_NOT_FOUND`, or `ERR_REQUEST_FAILED` for a response from the far end
   * or a timeout.
   */
  readonly code: ErrorCode;
  /** SIP status of the final response; 408 for a local timeout. */
  readonly sipStatus: number;
  readonly #reasonPhrase: string;

  /**
   * @param sipStatus - Status of the final response, or 408 for a timeout.
   * @param reasonPhrase - Its reason phrase.
   * @param code - Code of the local failure that produced the response; `ERR_REQUEST_FAILED`
   *   when absent.
   * @param options - The `cause`, such as the error that kept a request from being protected.
   */
  constructor(
    sipStatus: number,
    reasonPhrase: string,
    code?: ErrorCode,
    options?: McpttErrorOptions,
  ) {
    super(`request failed with ${sipStatus} ${reasonPhrase}`, options);
    this.sipStatus = sipStatus;
    this.code = code ?? SipRequestFailedError.code;
    this.#reasonPhrase = reasonPhrase;
  }

  /** Reason phrase of the final response. */
  override get reasonPhrase(): string {
    return this.#reasonPhrase;
  }
}

/**
 * Reads the error code from the Warning header that the protecting socket writes, or returns
 * undefined when there is none or it is not a known code.
 */
export function warningCode(warning: string | undefined): ErrorCode | undefined {
  const code = warning === undefined ? undefined : /399 mcptt-smime "([A-Z_]+)"/.exec(warning)?.[1];
  return code !== undefined && isErrorCode(code) ? code : undefined;
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
