/**
 * Request-Line and Status-Line (RFC 3261 §7.1, §7.2, grammar in §25.1).
 *
 * ```abnf
 * Request-Line = Method SP Request-URI SP SIP-Version CRLF
 * Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase CRLF
 * ```
 *
 * @module
 */

import { SipParseError, SipVersionError } from '../errors.js';
import { assertValidUri } from './address.js';
import { hasRawControlCharacter, isToken } from './grammar.js';
import type { SipRequestLine, SipStatusLine } from './message.js';
import { parseSipUri } from './sip-uri.js';

/** The only SIP version this codec accepts. */
export const SIP_VERSION = 'SIP/2.0';

const VERSION_PATTERN = /^SIP\/\d+\.\d+$/i;

/**
 * Parses a start line. The elements are separated by exactly one SP and nothing trails the
 * version (RFC 4475 §3.1.2.9 and §3.1.2.10). Raises SipVersionError (505) for a well-formed
 * version other than 2.0, and SipParseError for anything else that is malformed.
 */
export function parseStartLine(line: string): SipRequestLine | SipStatusLine {
  if (/^SIP\//i.test(line)) return parseStatusLine(line);
  return parseRequestLine(line);
}

function parseRequestLine(line: string): SipRequestLine {
  const parts = line.split(' ');
  const [method = '', requestUri = '', version = ''] = parts;
  if (parts.length !== 3 || !isToken(method)) throw new SipParseError('invalid request line');
  assertVersion(version);
  assertRequestUri(requestUri);
  return { type: 'request', method, requestUri, version };
}

function assertRequestUri(uri: string): void {
  try {
    assertValidUri(uri, 'Request-URI');
  } catch (cause) {
    throw new SipParseError('invalid Request-URI', { cause });
  }
  // RFC 3261 §19.1.1: header components are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
  if (/^sips?:/i.test(uri) && parseSipUri(uri).headers.size > 0) {
    throw new SipParseError('invalid Request-URI');
  }
}

function parseStatusLine(line: string): SipStatusLine {
  const match = /^(\S+) (\d{3})(?: (.*))?$/s.exec(line);
  if (match === null) throw new SipParseError('invalid status line');
  const [, version = '', code = '', reasonPhrase = ''] = match;
  assertVersion(version);
  const status = Number(code);
  if (status < 100 || status > 699 || hasRawControlCharacter(reasonPhrase)) {
    throw new SipParseError('invalid status line');
  }
  return { type: 'response', status, reasonPhrase, version };
}

function assertVersion(version: string): void {
  if (!VERSION_PATTERN.test(version)) throw new SipParseError('invalid SIP version');
  if (version.toUpperCase() !== SIP_VERSION) throw new SipVersionError('unsupported SIP version');
}
