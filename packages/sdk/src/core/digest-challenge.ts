/**
 * Digest challenges of the SIP core, rewritten for JsSIP so that its credentials cover what the
 * core hashes (RFC 2617 §3.2.1, RFC 3261 §22.4).
 *
 * @module
 */

import type { SipMessage } from '@mcptt-smime/smime';

/** The fields that carry a challenge: WWW-Authenticate in a 401, Proxy-Authenticate in a 407. */
const CHALLENGE_FIELDS = { 401: 'WWW-Authenticate', 407: 'Proxy-Authenticate' } as const;

/**
 * Returns a 401 or 407 whose Digest challenges that offer both `qop` values, `auth` and
 * `auth-int`, offer `auth` alone. JsSIP picks auth-int whenever a challenge offers it, and its
 * auth-int digest covers the body that JsSIP wrote, the plaintext, while the core hashes the
 * protected body that it received, so the retried request would fail. RFC 2617 §3.2.2 lets the
 * client use any qop value that the challenge offers. A challenge that offers auth-int alone is
 * left as it is. Other messages are returned unchanged.
 */
export function withAuthQopChallenges(response: SipMessage): SipMessage {
  const { startLine } = response;
  if (startLine.type !== 'response' || (startLine.status !== 401 && startLine.status !== 407)) {
    return response;
  }
  const name = CHALLENGE_FIELDS[startLine.status];
  const values = response.getHeaders(name);
  const rewritten = values.map(authQopChallenge);
  if (rewritten.every((value, index) => value === values[index])) return response;
  return response.withHeaders(name, rewritten);
}

/**
 * Returns a challenge value with `qop="auth"` when it is a Digest challenge whose qop lists both
 * auth and auth-int, or the value unchanged.
 */
export function authQopChallenge(challenge: string): string {
  const scheme = /^\s*Digest\s+/i.exec(challenge);
  if (scheme === null) return challenge;
  const params = splitAuthParams(challenge.slice(scheme[0].length));
  const index = params.findIndex((param) => paramName(param) === 'qop');
  const param = params[index];
  if (param === undefined) return challenge;
  const options = unquote(param.slice(param.indexOf('=') + 1).trim())
    .split(',')
    .map((option) => option.trim());
  if (!options.includes('auth') || !options.includes('auth-int')) return challenge;
  const leading = /^\s*/.exec(param)?.[0] ?? '';
  params[index] = `${leading}qop="auth"`;
  return `${scheme[0]}${params.join(',')}`;
}

/** Splits auth-params at the commas outside quoted strings, keeping each one's text as it is. */
function splitAuthParams(text: string): string[] {
  const params: string[] = [];
  let start = 0;
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted && char === '\\') {
      index++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (char === ',' && !quoted) {
      params.push(text.slice(start, index));
      start = index + 1;
    }
  }
  params.push(text.slice(start));
  return params;
}

function paramName(param: string): string {
  const equals = param.indexOf('=');
  return (equals < 0 ? param : param.slice(0, equals)).trim().toLowerCase();
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1)
    : value;
}
