/**
 * Canonical form of a SIP address-of-record, used as the IndexedDB key of identities and peers.
 *
 * Callers hand over two spellings. Applications, certificates and the core's `addressOfRecord`
 * give a URI with escapes, such as `sip:a%3Ab@example.org`. An application may also write the
 * user part decoded, as `sip:a:b@example.org`, which is no longer a URI with the same meaning.
 * Both spellings map to one key, and the key re-escapes the user part, so that a `:`, `@` or
 * space in a user never reads as a password, a host or a separator.
 *
 * @module
 */

import { parseSipUri, SipParseError } from '@mcptt-smime/smime';
import type { SipUri } from '@mcptt-smime/smime';

// RFC 3261 §25.1: unreserved and user-unreserved characters stay as they are in a user part.
const USER_SAFE = /[A-Za-z0-9\-_.!~*'()&=+$,;?/]/;
const SCHEME = /^(sips?):/i;
// A lone surrogate has no UTF-8 form, and TextEncoder would turn it into U+FFFD, so two
// different users would share one key.
const LONE_SURROGATE = /\p{Cs}/u;

interface AddressParts {
  readonly scheme: 'sip' | 'sips';
  /** User with escapes decoded, case preserved. */
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number | undefined;
}

/**
 * Reduces a SIP or SIPS URI to the address-of-record that RFC 3261 §19.1.4 compares: the scheme
 * and host in lowercase, the user case-sensitive after unescaping and escaped again in one fixed
 * way, and the port. URI parameters and headers are dropped. Returns undefined for anything that
 * is neither a SIP or SIPS URI nor the decoded spelling of one.
 *
 * The form is stable: applied to its own output it returns the output unchanged. A `:` in the
 * user part is read as part of the user, never as a password, because an address-of-record has
 * no password and the decoded spelling of user `a:b` is `sip:a:b@host`.
 *
 * NOTE: in the decoded spelling, a user that itself contains `%` followed by two hex digits is
 * ambiguous, so `sip:a%3Ab@host` is read as the escaped user `a:b`. The escaped spelling
 * (`sip:a%253Ab@host`) is exact.
 *
 * @example
 * ```ts
 * canonicalAddressOfRecord('SIP:Alice@Example.ORG;transport=ws'); // 'sip:Alice@example.org'
 * canonicalAddressOfRecord('sip:a:b@example.org'); // 'sip:a%3Ab@example.org'
 * canonicalAddressOfRecord('sip:a%3ab@example.org'); // 'sip:a%3Ab@example.org'
 * ```
 */
export function canonicalAddressOfRecord(uri: string): string | undefined {
  const parts = readEscaped(uri) ?? readDecoded(uri);
  if (parts === undefined) return undefined;
  const user = parts.user === undefined ? '' : `${escapeUser(parts.user)}@`;
  const port = parts.port === undefined ? '' : `:${parts.port}`;
  return `${parts.scheme}:${user}${parts.host.toLowerCase()}${port}`;
}

/**
 * Returns the canonical address-of-record, or raises SipParseError when `uri` is neither a SIP
 * URI nor the decoded spelling of one. Addresses often come from received messages, so a
 * bad one is a data error, not a programming error.
 */
export function requireAddressOfRecord(uri: string): string {
  const canonical = canonicalAddressOfRecord(uri);
  if (canonical === undefined) {
    throw new SipParseError('invalid SIP address-of-record: expected sip:user@host');
  }
  return canonical;
}

/** Reads the spelling with escapes, as a URI. A password is taken as part of the user. */
function readEscaped(uri: string): AddressParts | undefined {
  const parsed = parseOrUndefined(uri);
  if (parsed === undefined) return undefined;
  const user = parsed.password === undefined ? parsed.user : `${parsed.user}:${parsed.password}`;
  return { scheme: parsed.scheme, user, host: parsed.host, port: parsed.port };
}

/**
 * Reads the decoded spelling: the user is the text up to the last `@`, taken literally,
 * because a host never contains `@`. The host and port must still parse strictly, so a control
 * character or a space in the host is rejected.
 */
function readDecoded(uri: string): AddressParts | undefined {
  const scheme = SCHEME.exec(uri);
  const at = uri.lastIndexOf('@');
  if (scheme === null || at < 0) return undefined;
  const user = uri.slice(scheme[0].length, at);
  if (user === '' || LONE_SURROGATE.test(user)) return undefined;

  const hostport = parseOrUndefined(`sip:${uri.slice(at + 1)}`);
  if (hostport === undefined) return undefined;
  const lower = scheme[1]?.toLowerCase() === 'sips' ? 'sips' : 'sip';
  return { scheme: lower, user, host: hostport.host, port: hostport.port };
}

function parseOrUndefined(uri: string): SipUri | undefined {
  try {
    return parseSipUri(uri);
  } catch (error) {
    if (error instanceof SipParseError) return undefined;
    throw error;
  }
}

function escapeUser(user: string): string {
  const encoder = new TextEncoder();
  let out = '';
  for (const character of user) {
    if (USER_SAFE.test(character)) {
      out += character;
      continue;
    }
    for (const byte of encoder.encode(character)) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}
