/**
 * Responses built from requests (RFC 3261 §8.2.6), including the 400 to a request that does not
 * parse, as long as the fields a response copies can still be read.
 *
 * @module
 */

import {
  SIP_REASON_PHRASES,
  LimitExceededError,
  SipParseError,
  SipVersionError,
} from '../errors.js';
import { parseNameAddress } from './address.js';
import { frameMessage } from './framing.js';
import { hasControlCharacter, hasNonUriCharacter, isToken } from './grammar.js';
import { canonicalHeaderName } from './header-names.js';
import type { SipHeader, SipRequestLine, SipStatusLine } from './message.js';
import { SipMessage } from './message.js';
import type { SipParseOptions } from './parse.js';
import { splitHeaderField } from './parse.js';
import { SIP_VERSION } from './start-line.js';
import { validateHeaders } from './validate.js';

/** Options of {@link createResponse}. */
export interface SipResponseOptions {
  /**
   * Tag added to the To header when it has none and the status is above 100, as a UAS must do
   * (RFC 3261 §8.2.6.2).
   */
  readonly toTag?: string;
}

/** Result of {@link tryParseForResponse}. */
export type SipParseResult =
  | { readonly ok: true; readonly message: SipMessage }
  | {
      readonly ok: false;
      readonly error: SipParseError | SipVersionError | LimitExceededError;
      /**
       * A request with only the start line and the Via, From, To, Call-ID and CSeq fields of the
       * input, enough for {@link createResponse}; undefined when the input is a response, an
       * ACK, or when one of Via, From, To and Call-ID is missing or malformed.
       */
      readonly partialRequest: SipMessage | undefined;
    };

const COPIED_HEADERS = ['via', 'from', 'to', 'call-id', 'cseq'];
const LONG_NAMES: Readonly<Record<string, string>> = {
  via: 'Via',
  from: 'From',
  to: 'To',
  'call-id': 'Call-ID',
  cseq: 'CSeq',
};

/**
 * Creates a response to `request` that copies its Via fields in order, From, To, Call-ID and
 * CSeq (RFC 3261 §8.2.6.2), with an empty body. Throws TypeError when `request` is a response or
 * `status` is not from 100 to 699.
 *
 * NOTE: Record-Route is not copied, so a UAS that accepts a dialog-creating request with 2xx adds
 * it itself (RFC 3261 §12.1.1).
 */
export function createResponse(
  request: SipMessage,
  status: number,
  reasonPhrase: string = SIP_REASON_PHRASES[status] ?? '',
  options: SipResponseOptions = {},
): SipMessage {
  if (!request.isRequest) throw new TypeError('createResponse expects a request, not a response');
  const headers: SipHeader[] = [];
  for (const header of request.headers) {
    const canonical = canonicalHeaderName(header.name);
    if (!COPIED_HEADERS.includes(canonical)) continue;
    const name = Object.hasOwn(LONG_NAMES, canonical)
      ? (LONG_NAMES[canonical] ?? header.name)
      : header.name;
    const value = canonical === 'to' ? tagTo(header.value, status, options.toTag) : header.value;
    headers.push({ name, value });
  }
  const startLine = { type: 'response', status, reasonPhrase, version: SIP_VERSION } as const;
  return SipMessage.create(startLine, headers);
}

function tagTo(value: string, status: number, toTag: string | undefined): string {
  if (toTag === undefined || status <= 100) return value;
  if (!isToken(toTag)) throw new TypeError('To tag must be a token');
  return parseNameAddress(value, 'To').params.has('tag') ? value : `${value};tag=${toTag}`;
}

/**
 * Parses a message like {@link SipMessage.parse}, but returns the error instead of raising it,
 * together with a partial request when the fields a response copies are readable. This is how a
 * transport responds `400 Bad Request` to a request with one malformed header, such as
 * `CSeq: abcdefg`, instead of dropping it and leaving the sender to retransmit. A malformed CSeq
 * is copied as it is, because RFC 3261 §8.2.6.2 wants the response CSeq equal to the request's.
 *
 * @example
 * ```ts
 * // context: send: (bytes: Uint8Array) => void, handle: (message: SipMessage) => void
 * function onFrame(frame: Uint8Array): void {
 *   const result = tryParseForResponse(frame);
 *   if (!result.ok) {
 *     if (result.partialRequest) {
 *       const reason = `${result.error.reasonPhrase} (${result.error.message})`;
 *       send(createResponse(result.partialRequest, result.error.sipStatus, reason).toBytes());
 *     }
 *     return;
 *   }
 *   handle(result.message);
 * }
 * ```
 */
export function tryParseForResponse(bytes: Uint8Array, options?: SipParseOptions): SipParseResult {
  try {
    return { ok: true, message: SipMessage.parse(bytes, options) };
  } catch (error) {
    const rejected =
      error instanceof SipParseError ||
      error instanceof SipVersionError ||
      error instanceof LimitExceededError;
    if (!rejected) throw error;
    return { ok: false, error, partialRequest: readPartialRequest(bytes) };
  }
}

/**
 * Builds the bytes of an error response to a request given as bytes or as a parsed message.
 * Returns undefined when the input is a response or an ACK, which get no response
 * (RFC 3261 §17), or when its Via, From, To or Call-ID cannot be read.
 */
export function buildErrorResponse(
  request: Uint8Array | SipMessage,
  status: number,
  reasonPhrase?: string,
): Uint8Array | undefined {
  let basis: SipMessage | undefined;
  if (request instanceof SipMessage) basis = request;
  else {
    const result = tryParseForResponse(request);
    basis = result.ok ? result.message : result.partialRequest;
  }
  if (basis === undefined || basis.startLine.type !== 'request') return undefined;
  if (basis.startLine.method === 'ACK') return undefined;
  return createResponse(basis, status, reasonPhrase).toBytes();
}

function readPartialRequest(bytes: Uint8Array): SipMessage | undefined {
  try {
    const framed = frameMessage(bytes);
    const startLine = readRequestLine(framed.startLine);
    if (startLine === undefined || startLine.method === 'ACK') return undefined;
    const headers: SipHeader[] = [];
    for (const field of framed.fields) {
      const header = trySplitHeaderField(field.text);
      if (header === undefined) continue;
      const canonical = canonicalHeaderName(header.name);
      if (COPIED_HEADERS.includes(canonical) && !hasControlCharacter(header.value)) {
        headers.push(header);
      }
    }
    return SipMessage.create(startLine, selectCopiedHeaders(headers));
  } catch (error) {
    if (error instanceof SipParseError || error instanceof LimitExceededError) return undefined;
    throw error;
  }
}

/** Reads a request line loosely: the response may be a 505 to an unknown version. */
function readRequestLine(line: string): SipRequestLine | undefined {
  const [method = '', requestUri = '', version = '', ...rest] = line.split(' ');
  if (rest.length > 0 || !isToken(method) || !/^SIP\/\d+\.\d+$/i.test(version)) return undefined;
  if (requestUri === '' || hasNonUriCharacter(requestUri)) return undefined;
  return { type: 'request', method, requestUri, version };
}

function trySplitHeaderField(text: string): SipHeader | undefined {
  try {
    return splitHeaderField(text);
  } catch (error) {
    if (error instanceof SipParseError) return undefined;
    throw error;
  }
}

/**
 * Validates Via, From, To and Call-ID as a full parse would, with a stand-in CSeq, because the
 * request's own CSeq is copied even when malformed. Keeps the first CSeq only.
 */
function selectCopiedHeaders(headers: readonly SipHeader[]): SipHeader[] {
  const others = headers.filter((h) => canonicalHeaderName(h.name) !== 'cseq');
  const cseq = headers.find((h) => canonicalHeaderName(h.name) === 'cseq');
  const placeholder: SipStatusLine = {
    type: 'response',
    status: 400,
    reasonPhrase: '',
    version: SIP_VERSION,
  };
  validateHeaders(placeholder, [...others, { name: 'CSeq', value: '1 ACK' }]);
  return cseq === undefined ? others : [...others, cseq];
}
