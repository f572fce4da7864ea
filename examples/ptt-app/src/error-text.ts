/**
 * Errors in words for the user. Each error becomes a short sentence, and its SIP status, HTTP
 * status or error code goes into a detail that the views show in smaller print. The module reads
 * the errors by their fields, so that the first-run screen does not load the SIP stack.
 *
 * @module
 */

import { EnrolmentRejectedError } from './identity.js';

/** An error as the app shows it. */
export interface ErrorText {
  /** A sentence for the user. */
  readonly message: string;
  /** The technical cause, such as `408 Request Timeout`, or undefined when there is none. */
  readonly detail: string | undefined;
}

/** The code of a SipRequestFailedError for a response from the far end or a timeout. */
const REQUEST_FAILED = 'ERR_REQUEST_FAILED';

/** Sentences for the final SIP statuses that reach the user. */
const SIP_STATUS_MESSAGES: Readonly<Record<number, string>> = {
  400: 'The server could not read the request.',
  403: 'The server rejected the request.',
  // The SIP core also responds with 404 to a request to the MCPTT server while the server is not
  // registered with it, so the sentence names that case too.
  404: 'The user or group was not found, or the MCPTT server is offline.',
  408: 'The server did not answer in time.',
  480: 'The user is not available right now.',
  486: 'The user is busy.',
  487: 'The call was cancelled.',
  488: 'The call media could not be agreed on.',
  493: 'The server could not decrypt the request.',
  500: 'The server failed to handle the request.',
  503: 'The service is not available. Try again later.',
  603: 'The call was declined.',
};

/** Sentences for the error codes of `@mcptt-smime/smime` and `@mcptt-smime/keystore`. */
const CODE_MESSAGES: Readonly<Record<string, string>> = {
  ERR_CMS_MALFORMED:
    'The key or certificate data is damaged or in a format that this app cannot read.',
  ERR_MIME_MALFORMED: 'The message is damaged.',
  ERR_NOT_SUPPORTED: 'The file uses a format that this app does not support.',
  ERR_CERT_UNTRUSTED: 'The certificate was not issued by an authority that this app trusts.',
  ERR_CERT_REVOKED: 'The certificate was revoked by its authority.',
  ERR_IDENTITY_MISMATCH: 'The certificate names another user or server.',
  ERR_KEY_NOT_FOUND: 'No key is stored for this identity.',
  ERR_SIP_MALFORMED: 'A SIP address or message is malformed.',
  ERR_STORAGE_QUOTA: 'The browser has no room left to store the key.',
  ERR_STORAGE_FAILED: 'The browser could not store the key.',
  ERR_STORAGE_BLOCKED: 'Another tab of this app blocks the key storage. Close it and try again.',
};

/** Sentences for the HTTP statuses of the enrolment endpoint. */
const ENROLMENT_MESSAGES: Readonly<Record<number, string>> = {
  400: 'The enrolment service rejected the certificate request.',
  403: 'The MCPTT ID or the one-time code is wrong, or the code was used already.',
  404: 'The enrolment service was not found.',
  413: 'The certificate request is too large for the enrolment service.',
  429: 'Too many wrong codes for this MCPTT ID. Wait, then enter the code again.',
};

/** The sentence of a failure without a known cause. */
const OPERATION_FAILED = 'The operation failed.';

/** The sentence of a registration failure without a known cause. */
const REGISTRATION_FAILED = 'The registration failed.';

/** Sentences for the registration failures that JsSIP and the SDK report. */
const REGISTRATION_MESSAGES: Readonly<Record<string, string>> = {
  'Connection Error': 'The SIP core cannot be reached.',
  'Request Timeout': 'The SIP core did not answer in time.',
  Rejected: 'The SIP core rejected the registration.',
  'Authentication Error': 'The SIP core rejected the credentials.',
};

/** Options of {@link describeError}. */
export interface DescribeErrorOptions {
  /**
   * True when the user typed the SIP URI that the failed step read, as the MCPTT ID of an
   * enrolment. A malformed SIP URI then reads as that ID. The other URIs come from the demo
   * configuration, certificates and messages, which the user cannot correct.
   */
  readonly typedUri?: boolean;
}

/** Returns the sentence and the detail that show an error. */
export function describeError(error: unknown, options: DescribeErrorOptions = {}): ErrorText {
  if (error instanceof EnrolmentRejectedError) return describeEnrolment(error);
  if (!(error instanceof Error)) return { message: OPERATION_FAILED, detail: String(error) };
  const { sipStatus, code, reasonPhrase } = error as Error & {
    sipStatus?: unknown;
    code?: unknown;
    reasonPhrase?: unknown;
  };
  // The SDK's SipRequestFailedError: a final response, or a local timeout as 408.
  if (error.name === 'SipRequestFailedError' && typeof sipStatus === 'number') {
    const phrase = typeof reasonPhrase === 'string' ? reasonPhrase : '';
    // ERR_REQUEST_FAILED marks a response of the far end or a timeout, and any other code a
    // local failure.
    const localCode = typeof code === 'string' && code !== REQUEST_FAILED ? code : undefined;
    return describeSipFailure(sipStatus, phrase, localCode);
  }
  // The McpttError hierarchy of the packages carries a stable code.
  if (typeof code === 'string' && code.startsWith('ERR_')) {
    const message =
      code === 'ERR_SIP_MALFORMED' && options.typedUri === true
        ? 'The MCPTT ID is not a SIP URI. Enter it in the form sip:name@domain.'
        : codeMessage(code, error.message);
    return { message, detail: `${code}: ${error.message}` };
  }
  // AbortSignal.timeout() aborts with a TimeoutError, such as the app's limit on connecting.
  if (error.name === 'TimeoutError') {
    return { message: 'The SIP core cannot be reached.', detail: error.message };
  }
  if (error.name === 'TypeError' && /fetch|network/i.test(error.message)) {
    return { message: 'The server cannot be reached.', detail: error.message };
  }
  return { message: OPERATION_FAILED, detail: error.message };
}

/**
 * Returns the sentence and the detail of a registration failure, from the cause that JsSIP or
 * the SDK gives, such as `Request Timeout` or `service authorisation rejected (403)`.
 */
export function describeRegistrationFailure(cause: string | undefined): ErrorText {
  if (cause === undefined) return { message: REGISTRATION_FAILED, detail: undefined };
  const authorisation = /^service authorisation (refresh )?rejected \((\d+)\)$/.exec(cause);
  if (authorisation !== null) {
    return { message: authorisationMessage(Number(authorisation[2])), detail: cause };
  }
  return { message: REGISTRATION_MESSAGES[cause] ?? REGISTRATION_FAILED, detail: cause };
}

/** Returns the sentence of a service authorisation that the MCPTT server or the core rejected. */
function authorisationMessage(status: number): string {
  if (status === 403) return 'The MCPTT server does not accept this user.';
  // The core responds with 404 to a request for the MCPTT server while it is not registered.
  if (status === 404) return 'The MCPTT server is offline: the SIP core cannot reach it.';
  return 'The MCPTT server did not authorise the service.';
}

/**
 * Returns the header's text of a failed registration: `Registration failed`, and after a colon the
 * sentence of a known cause. A generic failure sentence is left out, so that the text does not
 * repeat itself.
 */
export function registrationFailureText(error: ErrorText | undefined): string {
  const message = error?.message;
  if (message === undefined || message === REGISTRATION_FAILED || message === OPERATION_FAILED) {
    return 'Registration failed';
  }
  return `Registration failed: ${message}`;
}

function describeSipFailure(status: number, phrase: string, code: string | undefined): ErrorText {
  const statusLine = `${String(status)} ${phrase}`.trim();
  const classMessage =
    status >= 600
      ? 'The request was declined.'
      : status >= 500
        ? 'The server failed to handle the request.'
        : 'The request was rejected.';
  return {
    message: SIP_STATUS_MESSAGES[status] ?? classMessage,
    detail: code === undefined ? statusLine : `${statusLine}, ${code}`,
  };
}

function codeMessage(code: string, text: string): string {
  if (code === 'ERR_CREDENTIAL_INVALID') {
    if (/wrong password/.test(text)) return 'The password is wrong, or the file was changed.';
    if (/ is not valid until /.test(text)) {
      return 'The certificate is not valid yet. Check the date and time of this device.';
    }
    if (/ expired on /.test(text)) return 'The certificate has expired.';
    if (/chain/.test(text)) return CODE_MESSAGES['ERR_CERT_UNTRUSTED'] ?? '';
    return 'The key or the certificate cannot be used.';
  }
  if (code.startsWith('ERR_STORAGE_') && CODE_MESSAGES[code] === undefined) {
    return CODE_MESSAGES['ERR_STORAGE_FAILED'] ?? '';
  }
  return CODE_MESSAGES[code] ?? OPERATION_FAILED;
}

function describeEnrolment(error: EnrolmentRejectedError): ErrorText {
  const { status, reason } = error;
  const fallback =
    status >= 500
      ? 'The enrolment service failed. Try again later.'
      : 'The enrolment service rejected the request.';
  return {
    message: ENROLMENT_MESSAGES[status] ?? fallback,
    detail: reason === undefined ? `HTTP ${String(status)}` : `HTTP ${String(status)}: ${reason}`,
  };
}
