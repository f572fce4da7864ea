/**
 * Builders for the requests and responses that the server writes (RFC 3261 §8.1.1, §8.2.6).
 *
 * @module
 */
import {
  SIP_REASON_PHRASES,
  SipMessage,
  parseNameAddress,
  type SipHeader,
} from '@mcptt-smime/smime';

/** Reason phrases of the statuses the server sends besides those of the error classes. */
const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  202: 'Accepted',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  469: 'Bad Info Package',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  503: 'Service Unavailable',
  ...SIP_REASON_PHRASES,
};

/** Returns the reason phrase of a status code. */
export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status < 300 ? 'OK' : 'Server Internal Error');
}

/** Returns random lowercase hex characters from WebCrypto, for tags, branches and Call-IDs. */
export function randomToken(bytes = 8): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(random, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Returns the `tag` parameter of a From or To value. */
export function tagOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : parseNameAddress(value).params.get('tag');
}

/** Returns the URI of a From, To or Contact value. */
export function uriOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : parseNameAddress(value).uri;
}

/** Options of {@link createResponse}. */
export interface ResponseOptions {
  /** To tag added when the request's To has none. */
  readonly toTag?: string;
  /** Extra header fields, after the copied ones. */
  readonly headers?: readonly SipHeader[];
  readonly reasonPhrase?: string;
}

/**
 * Builds a response to `request`: Via, From, To, Call-ID and CSeq copied in order, and a To tag
 * added when the request had none and a tag is given (RFC 3261 §8.2.6.2).
 */
export function createResponse(
  request: SipMessage,
  status: number,
  options: ResponseOptions = {},
): SipMessage {
  const copied = ['via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq', 'record-route'];
  const headers: SipHeader[] = [];
  for (const field of request.headers) {
    const name = field.name.toLowerCase();
    if (!copied.includes(name)) {
      continue;
    }
    if (status > 100 && (name === 'to' || name === 't') && options.toTag !== undefined) {
      const hasTag = tagOf(field.value) !== undefined;
      headers.push(hasTag ? field : { name: 'To', value: `${field.value};tag=${options.toTag}` });
    } else if (name !== 'record-route' || (status > 100 && status < 300)) {
      headers.push(field);
    }
  }
  headers.push(...(options.headers ?? []));

  const startLine = {
    type: 'response',
    status,
    reasonPhrase: options.reasonPhrase ?? reasonPhrase(status),
    version: 'SIP/2.0',
  } as const;
  return SipMessage.create(startLine, headers);
}

/** The start line of a request. */
export function requestLine(method: string, requestUri: string) {
  return { type: 'request', method, requestUri, version: 'SIP/2.0' } as const;
}
