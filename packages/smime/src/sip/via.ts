/**
 * One Via header value (RFC 3261 §20.42, grammar in §25.1).
 *
 * ```abnf
 * via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
 * sent-protocol = protocol-name SLASH protocol-version SLASH transport
 * sent-by       = host [ COLON port ]
 * ```
 *
 * @module
 */

import { SipParseError } from '../errors.js';
import { invalidHeader, parseHeaderParams, skipWsp } from './grammar.js';
import type { SipMessage } from './message.js';
import { parseHostport } from './sip-uri.js';

/** A parsed `via-parm`. */
export interface SipVia {
  /** `protocol-name/protocol-version/transport` without the LWS around the slashes. */
  readonly protocol: string;
  /** Transport as written (`UDP`, `WSS`, or an extension token). */
  readonly transport: string;
  readonly host: string;
  readonly port: number | undefined;
  /** Via parameters, names lowercased (`branch`, `received`, `rport`). */
  readonly params: ReadonlyMap<string, string>;
  /** The `branch` parameter, or undefined for RFC 2543 senders that set none. */
  readonly branch: string | undefined;
}

const TOKEN = "[A-Za-z0-9\\-.!%*_+`'~]+";
const SENT_PROTOCOL_PATTERN = new RegExp(
  `^(${TOKEN})[ \\t]*/[ \\t]*(${TOKEN})[ \\t]*/[ \\t]*(${TOKEN})[ \\t]+`,
);

/**
 * Parses one Via value, as {@link SipMessage.getHeaders} returns it for `Via`. SLASH and COLON
 * allow LWS around them (RFC 3261 §25.1), and folding is already one SP. Raises SipParseError
 * `invalid Via header`.
 */
export function parseVia(value: string): SipVia {
  const text = value.trim();
  const match = SENT_PROTOCOL_PATTERN.exec(text);
  if (match === null) throw invalidHeader('Via');
  const [, name = '', version = '', transport = ''] = match;

  let i = match[0].length;
  const hostStart = i;
  if (text[i] === '[') i = text.indexOf(']', i) + 1;
  if (i <= 0) throw invalidHeader('Via');
  while (i < text.length && /[A-Za-z0-9.-]/.test(text[i] ?? '')) i++;
  let hostport = text.slice(hostStart, i);

  i = skipWsp(text, i);
  if (text[i] === ':') {
    const portStart = skipWsp(text, i + 1);
    i = portStart;
    while (i < text.length && /\d/.test(text[i] ?? '')) i++;
    hostport += `:${text.slice(portStart, i)}`;
  }

  let sentBy: { host: string; port: number | undefined };
  try {
    sentBy = parseHostport(hostport);
  } catch (cause) {
    throw new SipParseError('invalid Via header', { cause });
  }
  // Parsers differ on which of two branch parameters counts, JsSIP's taking the last one, so
  // a Via that repeats a parameter is rejected rather than read one way here and another there.
  const params = parseHeaderParams(text.slice(i), 'Via', true);
  return {
    protocol: `${name}/${version}/${transport}`,
    transport,
    host: sentBy.host,
    port: sentBy.port,
    params,
    branch: params.get('branch'),
  };
}

/**
 * Returns the `branch` parameter of a message's top Via, which names its transaction
 * (RFC 3261 §17.1.3, §17.2.3). Returns undefined when the top Via has no branch or is not a
 * valid `via-parm`: a quoted parameter value that contains `;branch=` is not taken for the branch.
 *
 * @example
 * ```ts
 * // context: response: SipMessage
 * const key = `${topViaBranch(response) ?? ''} ${response.cseq.method}`;
 * ```
 *
 * @param message - A request or response.
 * @returns The branch, or undefined.
 */
export function topViaBranch(message: SipMessage): string | undefined {
  const via = message.getHeaders('Via')[0];
  if (via === undefined) return undefined;
  try {
    return parseVia(via).branch;
  } catch (error) {
    if (error instanceof SipParseError) return undefined;
    throw error;
  }
}
