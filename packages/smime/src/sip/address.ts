/**
 * Addresses of From, To, Contact and similar header fields (RFC 3261 §20.10, §25.1).
 *
 * ```abnf
 * name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 * addr-spec    = SIP-URI / SIPS-URI / absoluteURI
 * display-name = *(token LWS) / quoted-string
 * ```
 *
 * @module
 */

import { SipParseError } from '../errors.js';
import {
  invalidHeader,
  isToken,
  isWsp,
  parseHeaderParams,
  readQuotedString,
  skipWsp,
} from './grammar.js';
import type { SipMessage } from './message.js';
import { parseSipUri, type SipUri } from './sip-uri.js';

export { parseSipUri, sameAddressOfRecord } from './sip-uri.js';
export type { SipUri } from './sip-uri.js';

/** A name-addr or addr-spec of From, To, Contact and similar headers (RFC 3261 §20.10). */
export interface NameAddress {
  /** Display name, unquoted with its escapes undone, or undefined when there is none. */
  readonly displayName: string | undefined;
  readonly uri: string;
  /** Header parameters after the URI, names lowercased (`tag`, `expires`). */
  readonly params: ReadonlyMap<string, string>;
}

const ABSOLUTE_URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"]+$/;

/**
 * Parses a name-addr (`"Bob" <sip:bob@example.org>;tag=1`) or a bare addr-spec
 * (`sip:bob@example.org;tag=1`). In the bare form the parameters after the URI belong to the
 * header, not to the URI (RFC 3261 §20.10), and a URI with a comma or a question mark is
 * rejected because it must be enclosed in angle brackets. SIP and SIPS URIs must parse with
 * {@link parseSipUri}, other schemes must be absolute URIs. Raises SipParseError naming
 * `header` (default `address`).
 *
 * NOTE: a header parameter given twice keeps its first value. A registrar may respond to a
 * REGISTER with the client's Contact and an `expires` of its own, so a repeat is not rejected.
 *
 * @param value - The header value, such as the value of From, To or Contact.
 * @param header - The header name for the error message.
 * @returns The display name, the URI and the header parameters.
 */
export function parseNameAddress(value: string, header = 'address'): NameAddress {
  return readNameAddress(value, header, undefined);
}

/** Receives the parsed form of a SIP or SIPS URI that a reader has checked. */
interface ParsedUriHolder {
  sipUri: SipUri | undefined;
}

/**
 * Parses a name-addr as {@link parseNameAddress} does, and returns its URI with the parsed form
 * of a SIP or SIPS URI (undefined for another scheme), which the check of the URI computes
 * anyway. A caller that compares the URI then need not parse it a second time.
 *
 * @internal
 */
export function parseNameAddressUri(
  value: string,
  header = 'address',
): { readonly uri: string; readonly sipUri: SipUri | undefined } {
  const holder: ParsedUriHolder = { sipUri: undefined };
  const { uri } = readNameAddress(value, header, holder);
  return { uri, sipUri: holder.sipUri };
}

function readNameAddress(
  value: string,
  header: string,
  holder: ParsedUriHolder | undefined,
): NameAddress {
  const text = value.trim();
  if (text.startsWith('"')) {
    const quoted = readQuotedString(text, 0);
    if (quoted === undefined) throw invalidHeader(header);
    const angle = skipWsp(text, quoted.end);
    if (text[angle] !== '<') throw invalidHeader(header);
    return readAngleAddress(text, angle, quoted.value, header, holder);
  }

  const angle = indexOfUnquoted(text, '<');
  if (angle >= 0) {
    const displayName = text.slice(0, angle).trim();
    if (displayName !== '' && !displayName.split(/[ \t]+/).every(isToken)) {
      throw invalidHeader(header);
    }
    const name = displayName === '' ? undefined : displayName;
    return readAngleAddress(text, angle, name, header, holder);
  }
  return readBareAddress(text, header, holder);
}

function readAngleAddress(
  text: string,
  angle: number,
  displayName: string | undefined,
  header: string,
  holder: ParsedUriHolder | undefined,
): NameAddress {
  const close = text.indexOf('>', angle);
  if (close < 0) throw invalidHeader(header);
  const uri = text.slice(angle + 1, close);
  // LAQUOT and RAQUOT allow whitespace outside the brackets only (RFC 4475 §3.1.2.14).
  checkUri(uri, header, holder);
  return { displayName, uri, params: parseHeaderParams(text.slice(close + 1), header) };
}

function readBareAddress(
  text: string,
  header: string,
  holder: ParsedUriHolder | undefined,
): NameAddress {
  // The user part may contain `;`, so the header parameters start after the `@`.
  let at = -1;
  for (let i = 0; i < text.length && text[i] !== '"' && !isWsp(text[i]); i++) {
    if (text[i] === '@') {
      at = i;
      break;
    }
  }
  let end = Math.max(at, 0);
  while (end < text.length && text[end] !== ';' && !isWsp(text[end])) end++;
  const uri = text.slice(0, end);
  if (uri.includes(',') || uri.includes('?')) throw invalidHeader(header);
  checkUri(uri, header, holder);
  return { displayName: undefined, uri, params: parseHeaderParams(text.slice(end), header) };
}

function indexOfUnquoted(text: string, char: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (quoted && text[i] === '\\') i++;
    else if (text[i] === '"') quoted = !quoted;
    else if (!quoted && text[i] === char) return i;
  }
  return -1;
}

/**
 * Checks that `uri` is a valid SIP or SIPS URI, or an absolute URI of another scheme. Raises
 * SipParseError naming `header`.
 */
export function assertValidUri(uri: string, header: string): void {
  checkUri(uri, header, undefined);
}

/** Checks a URI as {@link assertValidUri} does, and hands a parsed SIP URI to `holder`. */
function checkUri(uri: string, header: string, holder: ParsedUriHolder | undefined): void {
  if (!ABSOLUTE_URI_PATTERN.test(uri)) throw invalidHeader(header);
  if (!/^sips?:/i.test(uri)) return;
  let parsed: SipUri;
  try {
    parsed = parseSipUri(uri);
  } catch (cause) {
    throw new SipParseError(`invalid ${header} header`, { cause });
  }
  if (holder !== undefined) holder.sipUri = parsed;
}

/** Parses the From address of a message, whose URI is the sender identity of a request. */
export function fromAddress(message: SipMessage): NameAddress {
  return readAddressHeader(message, 'From');
}

/** Parses the To address of a message, whose URI is the responder identity of a response. */
export function toAddress(message: SipMessage): NameAddress {
  return readAddressHeader(message, 'To');
}

function readAddressHeader(message: SipMessage, name: 'From' | 'To'): NameAddress {
  const value = message.getHeader(name);
  if (value === undefined) throw new SipParseError(`missing ${name} header`);
  return parseNameAddress(value, name);
}
