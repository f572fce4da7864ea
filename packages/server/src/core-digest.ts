/**
 * Digest authentication of the server's own requests at a SIP core that challenges them (RFC 3261
 * §22, RFC 7616 for SHA-256): the credentials header field for a request that got a 401 or 407.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SipMessage } from '@mcptt-smime/smime';

/** Digest credentials of the server at the SIP core. */
export interface CoreCredentials {
  /** Authentication user name; default the user part of the server's URI. */
  readonly username?: string;
  readonly password: string;
}

/** The header field with credentials for a request that got a 401 or 407. */
export interface DigestAuthorization {
  readonly name: 'Authorization' | 'Proxy-Authorization';
  readonly value: string;
}

/** Hash functions by the `algorithm` of a challenge; one without it means MD5. */
const ALGORITHMS: Readonly<Record<string, string>> = { MD5: 'md5', 'SHA-256': 'sha256' };

/**
 * Returns the credentials header field of `request` for the first challenge of `response` (a 401 with
 * WWW-Authenticate or a 407 with Proxy-Authenticate) that this module supports: algorithm MD5 or
 * SHA-256, with `qop=auth` or no qop. Returns undefined for any other response, or when no
 * challenge is supported, such as one that offers only `qop=auth-int`. `cnonce` is the client
 * nonce of `qop=auth`, random by default.
 */
export function digestAuthorization(
  request: { readonly method: string; readonly requestUri: string },
  response: SipMessage,
  credentials: CoreCredentials,
  defaultUsername: string,
  cnonce = randomBytes(12).toString('hex'),
): DigestAuthorization | undefined {
  const status = response.startLine.type === 'response' ? response.startLine.status : 0;
  const [challengeName, name] =
    status === 401
      ? (['WWW-Authenticate', 'Authorization'] as const)
      : status === 407
        ? (['Proxy-Authenticate', 'Proxy-Authorization'] as const)
        : [undefined, undefined];
  if (challengeName === undefined) return undefined;
  const { method, requestUri } = request;

  for (const value of response.getHeaders(challengeName)) {
    const challenge = readChallenge(value);
    if (challenge === undefined) continue;
    const hash = ALGORITHMS[challenge.get('algorithm')?.toUpperCase() ?? 'MD5'];
    const realm = challenge.get('realm');
    const nonce = challenge.get('nonce');
    const qops = challenge
      .get('qop')
      ?.split(',')
      .map((qop) => qop.trim().toLowerCase());
    if (hash === undefined || realm === undefined || nonce === undefined) continue;
    if (qops !== undefined && !qops.includes('auth')) continue;

    const digest = (text: string) => createHash(hash).update(text, 'utf8').digest('hex');
    const username = credentials.username ?? defaultUsername;
    const ha1 = digest(`${username}:${realm}:${credentials.password}`);
    const ha2 = digest(`${method}:${requestUri}`);
    const fields = [
      `username=${quoted(username)}`,
      `realm=${quoted(realm)}`,
      `nonce=${quoted(nonce)}`,
      `uri=${quoted(requestUri)}`,
    ];
    if (qops === undefined) {
      fields.push(`response="${digest(`${ha1}:${nonce}:${ha2}`)}"`);
    } else {
      const nc = '00000001';
      fields.push(
        `response="${digest(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)}"`,
        `cnonce="${cnonce}"`,
        'qop=auth',
        `nc=${nc}`,
      );
    }
    fields.push(`algorithm=${hash === 'md5' ? 'MD5' : 'SHA-256'}`);
    const opaque = challenge.get('opaque');
    if (opaque !== undefined) fields.push(`opaque=${quoted(opaque)}`);
    return { name, value: `Digest ${fields.join(', ')}` };
  }
  return undefined;
}

/**
 * Reads the parameters of a Digest challenge, names in lowercase, or returns undefined for
 * another scheme or a value that does not parse.
 */
function readChallenge(value: string): Map<string, string> | undefined {
  const scheme = /^\s*Digest\s+/i.exec(value);
  if (scheme === null) return undefined;
  const parameters = new Map<string, string>();
  const pattern = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)/y;
  pattern.lastIndex = scheme[0].length;
  while (pattern.lastIndex < value.length) {
    const match = pattern.exec(value);
    if (match === null) return undefined;
    const quotedValue = match[2]?.replace(/\\(.)/g, '$1');
    parameters.set((match[1] as string).toLowerCase(), quotedValue ?? (match[3] as string));
  }
  return parameters;
}

/** Returns `text` as a quoted string (RFC 3261 §25.1). */
function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}
