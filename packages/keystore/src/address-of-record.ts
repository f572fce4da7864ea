/**
 * Canonical form of a SIP address-of-record, used as the IndexedDB key of identities and peers.
 *
 * @module
 */

import { parseSipUri } from '@mcptt-smime/smime';

// RFC 3261 §25.1: unreserved and user-unreserved characters stay as they are in a user part.
const USER_SAFE = /[A-Za-z0-9\-_.!~*'()&=+$,;?/]/;

/**
 * Reduces a SIP or SIPS URI to the address-of-record that RFC 3261 §19.1.4 compares: the scheme,
 * the user with its escapes normalised, the lowercased host and the port. URI parameters and
 * headers are dropped. Two URIs that the core's `sameAddressOfRecord` calls equal get the same
 * form. Returns undefined for anything that is not a SIP or SIPS URI, including URIs with a NUL
 * or another control character.
 *
 * @example
 * ```ts
 * canonicalAddressOfRecord('SIP:Alice@Example.ORG;transport=ws'); // 'sip:Alice@example.org'
 * ```
 */
export function canonicalAddressOfRecord(uri: string): string | undefined {
  let parsed;
  try {
    parsed = parseSipUri(uri);
  } catch {
    return undefined;
  }
  const user = parsed.user === undefined ? '' : `${escapeUser(parsed.user)}@`;
  const port = parsed.port === undefined ? '' : `:${parsed.port}`;
  return `${parsed.scheme}:${user}${parsed.host.toLowerCase()}${port}`;
}

/** Returns the canonical address-of-record, or raises a `TypeError` when `uri` is no SIP URI. */
export function requireAddressOfRecord(uri: string): string {
  const canonical = canonicalAddressOfRecord(uri);
  if (canonical === undefined) throw new TypeError('invalid SIP URI: expected sip:user@host');
  return canonical;
}

function escapeUser(user: string): string {
  let out = '';
  for (const character of user) {
    if (USER_SAFE.test(character)) {
      out += character;
      continue;
    }
    for (const byte of new TextEncoder().encode(character)) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}
