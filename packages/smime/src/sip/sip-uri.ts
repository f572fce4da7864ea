/**
 * SIP and SIPS URIs (RFC 3261 §19.1, grammar in §25.1).
 *
 * ```abnf
 * SIP-URI  = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
 * userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 * hostport = host [ ":" port ]
 * host     = hostname / IPv4address / IPv6reference
 * ```
 *
 * @module
 */

import { utf8Encode } from '../bytes.js';
import { SipParseError } from '../errors.js';
import { hasNonUriCharacter, percentDecode } from './grammar.js';

/** A parsed SIP or SIPS URI (RFC 3261 §19.1). */
export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  /** User part with escapes decoded, case preserved. */
  readonly user: string | undefined;
  /** Password with escapes decoded (deprecated by RFC 3261 §19.1.1, still part of the grammar). */
  readonly password: string | undefined;
  /** Host as written: a hostname, an IPv4 address or an IPv6 reference in brackets. */
  readonly host: string;
  readonly port: number | undefined;
  /** URI parameters, names lowercased, values with escapes decoded (`''` for `;lr`). */
  readonly params: ReadonlyMap<string, string>;
  /** Header components after `?`, names as written, values with escapes decoded. */
  readonly headers: ReadonlyMap<string, string>;
}

const ESCAPED = '%[0-9A-Fa-f]{2}';
const USER_PATTERN = new RegExp(`^(?:[A-Za-z0-9\\-_.!~*'()&=+$,;?/]|${ESCAPED})+$`);
const PASSWORD_PATTERN = new RegExp(`^(?:[A-Za-z0-9\\-_.!~*'()&=+$,]|${ESCAPED})*$`);
const PARAM_PATTERN = new RegExp(`^(?:[A-Za-z0-9\\-_.!~*'()[\\]/:&+$]|${ESCAPED})+$`);
const HEADER_PATTERN = new RegExp(`^(?:[A-Za-z0-9\\-_.!~*'()[\\]/?:+$]|${ESCAPED})*$`);
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const HOSTNAME_PATTERN = new RegExp(`^(?:${LABEL}\\.)*${LABEL}\\.?$`);
/** Maximum length of an IPv6 reference with its brackets. An address has 45 characters at most. */
const MAX_IPV6_REFERENCE_LENGTH = 64;
const HEX_GROUP_PATTERN = /^[0-9A-Fa-f]{1,4}$/;
const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * True for an IPv6reference of RFC 3261 §25.1: eight groups of one to four hexadecimal digits,
 * one `::` for one or more groups of zeros, and an IPv4 address in place of the last two groups.
 * RFC 5118 §4.10 has receivers tolerate one `:::` where `::` was meant, so that is accepted too.
 */
function isIpv6Reference(host: string): boolean {
  if (host.length > MAX_IPV6_REFERENCE_LENGTH || !host.startsWith('[') || !host.endsWith(']')) {
    return false;
  }
  let address = host.slice(1, -1).replace(':::', '::');
  const lastColon = address.lastIndexOf(':');
  if (lastColon < 0) return false;
  const tail = address.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIpv4Address(tail)) return false;
    // The IPv4 address stands for two groups.
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  if (!groups.every((group) => HEX_GROUP_PATTERN.test(group))) return false;
  return halves.length === 2 ? groups.length <= 7 : groups.length === 8;
}

function isIpv4Address(text: string): boolean {
  const octets = IPV4_PATTERN.exec(text);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255);
}

/**
 * Parses a SIP or SIPS URI. The user part ends at the first `@`, because `@` appears nowhere
 * else in the grammar, so a user such as `user;par=u%40example.net` keeps its `;`.
 *
 * Raises SipParseError on another scheme, on a NUL, any other control character or whitespace,
 * on a malformed host or port, on a malformed escape, on escapes that decode to invalid UTF-8,
 * and on a parameter given twice, in any case or spelling of its escapes.
 * An escaped NUL (`%00`) is valid (RFC 4475 §3.1.1.4) and decodes to U+0000.
 *
 * @param uri - The URI, without angle brackets.
 * @returns Its scheme, user, password, host, port, parameters and headers, escapes decoded.
 */
export function parseSipUri(uri: string): SipUri {
  // A NUL or any other control character is rejected before parsing, so that
  // `sip:alice@example.org\0.evil.example` never parses as alice's URI.
  if (hasNonUriCharacter(uri)) throw new SipParseError('invalid character in SIP URI');
  const schemeMatch = /^(sips?):/i.exec(uri);
  if (schemeMatch === null) throw new SipParseError('not a SIP or SIPS URI');
  const scheme = schemeMatch[1]?.toLowerCase() === 'sips' ? 'sips' : 'sip';
  let rest = uri.slice(schemeMatch[0].length);

  let user: string | undefined;
  let password: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    [user, password] = parseUserinfo(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }

  const query = rest.indexOf('?');
  const headerText = query >= 0 ? rest.slice(query + 1) : undefined;
  if (query >= 0) rest = rest.slice(0, query);
  const [hostport = '', ...paramTexts] = rest.split(';');
  const { host, port } = parseHostport(hostport);

  return {
    scheme,
    user,
    password,
    host,
    port,
    params: parseUriParams(paramTexts),
    headers: parseUriHeaders(headerText),
  };
}

function parseUserinfo(userinfo: string): [string, string | undefined] {
  const colon = userinfo.indexOf(':');
  const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
  const password = colon >= 0 ? userinfo.slice(colon + 1) : undefined;
  if (!USER_PATTERN.test(user)) throw new SipParseError('invalid user in SIP URI');
  if (password !== undefined && !PASSWORD_PATTERN.test(password)) {
    throw new SipParseError('invalid password in SIP URI');
  }
  const decodedPassword =
    password === undefined ? undefined : percentDecode(password, 'SIP URI password');
  return [percentDecode(user, 'SIP URI user'), decodedPassword];
}

/** Parses `host [ ":" port ]`, for SIP URIs and the `sent-by` of Via alike. */
export function parseHostport(hostport: string): { host: string; port: number | undefined } {
  let host: string;
  let portText: string | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    host = hostport.slice(0, close + 1);
    const after = hostport.slice(close + 1);
    if (close < 0 || (after !== '' && !after.startsWith(':'))) throw invalidHost();
    portText = after === '' ? undefined : after.slice(1);
    if (!isIpv6Reference(host)) throw invalidHost();
  } else {
    const colon = hostport.indexOf(':');
    host = colon >= 0 ? hostport.slice(0, colon) : hostport;
    portText = colon >= 0 ? hostport.slice(colon + 1) : undefined;
    if (!HOSTNAME_PATTERN.test(host)) throw invalidHost();
  }
  return { host, port: portText === undefined ? undefined : parsePort(portText) };
}

function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port <= 65535)) throw new SipParseError('invalid port in SIP URI');
  return port;
}

function invalidHost(): SipParseError {
  return new SipParseError('invalid host in SIP URI');
}

function parseUriParams(texts: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const text of texts) {
    const eq = text.indexOf('=');
    const name = eq >= 0 ? text.slice(0, eq) : text;
    const value = eq >= 0 ? text.slice(eq + 1) : '';
    if (!PARAM_PATTERN.test(name) || (eq >= 0 && !PARAM_PATTERN.test(value))) {
      throw new SipParseError('invalid parameter in SIP URI');
    }
    const key = percentDecode(name, 'SIP URI parameter').toLowerCase();
    // Parsers that keep the last of two values would compare `user=` or `maddr=` differently.
    if (params.has(key)) throw new SipParseError('repeated parameter in SIP URI');
    params.set(key, percentDecode(value, 'SIP URI parameter'));
  }
  return params;
}

function parseUriHeaders(text: string | undefined): Map<string, string> {
  const headers = new Map<string, string>();
  if (text === undefined) return headers;
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (eq <= 0 || !HEADER_PATTERN.test(name) || !HEADER_PATTERN.test(value)) {
      throw new SipParseError('invalid header in SIP URI');
    }
    headers.set(percentDecode(name, 'SIP URI header'), percentDecode(value, 'SIP URI header'));
  }
  return headers;
}

/**
 * URI parameters that RFC 3261 §19.1.4 never lets match when only one URI has them: `user`, `ttl`
 * and `method`, even with the default value, and `maddr`.
 */
const DISTINGUISHING_PARAMS = ['user', 'ttl', 'method', 'maddr'] as const;

/**
 * Compares the address-of-record parts of two URIs with the rules of RFC 3261 §19.1.4: scheme and host
 * case-insensitive, user and password case-sensitive with escapes decoded, and the port compared
 * (an absent port does not equal an explicit 5060). A `user`, `ttl`, `method` or `maddr`
 * parameter must be in both URIs or in neither, with values equal ignoring case, so that
 * `sip:alice@example.org;user=phone` does not match `sip:alice@example.org`. Other parameters and
 * headers are ignored, because an address-of-record names the user, not a transport. Returns
 * false when either URI does not parse.
 *
 * @param a - One URI.
 * @param b - The other URI.
 * @returns True when both name the same address-of-record.
 */
export function sameAddressOfRecord(a: string, b: string): boolean {
  const left = parseSipUriOrUndefined(a);
  const right = parseSipUriOrUndefined(b);
  return left !== undefined && right !== undefined && sameParsedAddress(left, right);
}

// RFC 3261 §25.1: the characters that a user part and a password hold without an escape.
const USER_UNESCAPED = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]$/;
const PASSWORD_UNESCAPED = /^[A-Za-z0-9\-_.!~*'()&=+$,]$/;

/**
 * Returns the address-of-record of a parsed URI as a URI: the scheme, the user and password with
 * their escapes written again in one way, the host in lowercase, and the port, without parameters
 * or headers. Two URIs whose address-of-record parts {@link sameAddressOfRecord} finds equal, and
 * whose `user`, `ttl`, `method` and `maddr` parameters are absent, give the same string.
 *
 * @internal
 */
export function formatAddressOfRecord(uri: SipUri): string {
  let userinfo = '';
  if (uri.user !== undefined) {
    const password =
      uri.password === undefined ? '' : `:${escapeUriPart(uri.password, PASSWORD_UNESCAPED)}`;
    userinfo = `${escapeUriPart(uri.user, USER_UNESCAPED)}${password}@`;
  }
  const port = uri.port === undefined ? '' : `:${uri.port}`;
  return `${uri.scheme}:${userinfo}${uri.host.toLowerCase()}${port}`;
}

/** Escapes each character that `unescaped` does not match as the %XX of its UTF-8 bytes. */
function escapeUriPart(text: string, unescaped: RegExp): string {
  let out = '';
  for (const character of text) {
    if (unescaped.test(character)) {
      out += character;
      continue;
    }
    for (const byte of utf8Encode(character)) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/**
 * Parses a SIP or SIPS URI as {@link parseSipUri} does, or returns undefined where it would raise
 * SipParseError.
 *
 * @internal
 */
export function parseSipUriOrUndefined(uri: string): SipUri | undefined {
  try {
    return parseSipUri(uri);
  } catch (error) {
    if (error instanceof SipParseError) return undefined;
    throw error;
  }
}

/**
 * Compares two parsed URIs as {@link sameAddressOfRecord} compares their text.
 *
 * @internal
 */
export function sameParsedAddress(left: SipUri, right: SipUri): boolean {
  return (
    left.scheme === right.scheme &&
    left.user === right.user &&
    left.password === right.password &&
    left.host.toLowerCase() === right.host.toLowerCase() &&
    left.port === right.port &&
    DISTINGUISHING_PARAMS.every(
      (name) => left.params.get(name)?.toLowerCase() === right.params.get(name)?.toLowerCase(),
    )
  );
}
