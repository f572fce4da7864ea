// JsSIP ships its digest module without types. The reference lets every project that compiles
// this file from source, such as the demo app, find those of jssip-digest.d.ts.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./jssip-digest.d.ts" />
/**
 * The only module that imports JsSIP: it builds a JsSIP user agent on the protecting socket, and
 * gives the rest of the SDK the JsSIP types and the one body hook that it needs.
 *
 * @module
 */
import { Grammar, UA, URI, WebSocketInterface } from 'jssip';
import DigestAuthentication, { type JssipChallenge } from 'jssip/lib/DigestAuthentication.js';
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import type { Socket } from 'jssip/lib/Socket.js';
import type { SipSocket } from '../../core/sip-socket.js';

export { UA };
export type {
  IncomingMessageEvent,
  IncomingRTCSessionEvent,
  OutgoingMessageEvent,
  OutgoingRTCSessionEvent,
} from 'jssip/lib/UA.js';
export type { CallOptions } from 'jssip/lib/UA.js';
export type { AnswerOptions, EndEvent, RTCSession } from 'jssip/lib/RTCSession.js';

/** Options of {@link createUserAgent}. */
export interface UserAgentOptions {
  /** The protecting socket that JsSIP sends through. */
  readonly socket: SipSocket;
  /** SIP URI of the user. */
  readonly uri: string;
  readonly displayName?: string;
  readonly extraHeaders?: readonly string[];
  /** Digest credentials that JsSIP sends in reply to the core's 401 and 407 challenges. */
  readonly credentials?: SipCredentials;
}

/** Digest credentials of the user at the SIP core (RFC 3261 §22). */
export interface SipCredentials {
  /** Authentication user name; default the user part of the URI. */
  readonly username?: string;
  readonly password: string;
  /**
   * Realm of the credentials. With a password, JsSIP sends credentials to a challenge of any
   * realm, so this does not limit the realms that receive them.
   */
  readonly realm?: string;
}

/** Opens JsSIP's WebSocket transport for `url` (`ws:` or `wss:`), without protection. */
export function createWebSocket(url: string): SipSocket {
  return new WebSocketInterface(url);
}

/** Builds a JsSIP user agent that uses `socket` and registers only on request. */
export function createUserAgent(options: UserAgentOptions): UA {
  return new UA({
    sockets: [options.socket as unknown as Socket],
    uri: options.uri,
    register: false,
    ...(options.displayName === undefined ? {} : { display_name: options.displayName }),
    ...(options.extraHeaders === undefined ? {} : { extra_headers: [...options.extraHeaders] }),
    ...credentialSettings(options.credentials),
  });
}

/** Returns JsSIP's settings for `credentials`. */
function credentialSettings(credentials: SipCredentials | undefined) {
  if (credentials === undefined) return {};
  return {
    password: credentials.password,
    ...(credentials.username === undefined ? {} : { authorization_user: credentials.username }),
    ...(credentials.realm === undefined ? {} : { realm: credentials.realm }),
  };
}

/** The outcome of {@link answerDigestChallenge}. */
export type DigestAnswer =
  /** `value` is the Authorization or Proxy-Authorization field value to send. */
  | { readonly outcome: 'answered'; readonly value: string }
  /** Every Digest challenge requires an algorithm or qop that the client does not support. */
  | { readonly outcome: 'unsupported' }
  /** No challenge is a Digest challenge with a realm and a nonce. */
  | { readonly outcome: 'malformed' };

/** The request that a 401 or 407 response challenged. */
export interface ChallengedRequest {
  readonly method: string;
  /** The Request-URI, which the credentials name as the digest URI. */
  readonly uri: string;
}

/**
 * Computes the credentials for the Digest challenges of a 401 (WWW-Authenticate values) or 407
 * (Proxy-Authenticate values), with JsSIP's own digest code, which JsSIP uses for its own requests
 * (RFC 3261 §22.4, RFC 2617 §3.2.2). The user name defaults to the user part of `userUri`, as in
 * JsSIP. The first supported challenge wins: MD5 (or no algorithm), with `qop=auth` or no qop.
 *
 * A challenge that offers only `qop=auth-int` is unsupported, because its digest covers the body,
 * and the client computes it before protection while the core receives the ciphertext. JsSIP itself
 * prefers auth-int when a challenge offers both, so the client offers it auth alone.
 */
export function answerDigestChallenge(
  status: 401 | 407,
  challenges: readonly string[],
  request: ChallengedRequest,
  credentials: SipCredentials,
  userUri: string,
): DigestAnswer {
  const rule = status === 401 ? 'WWW_Authenticate' : 'Proxy_Authenticate';
  const username = credentials.username ?? (URI.parse(userUri) as URI | undefined)?.user ?? '';
  let answer: DigestAnswer = { outcome: 'malformed' };
  for (const value of challenges) {
    const parsed = Grammar.parse(value, rule) as JssipChallenge | -1;
    if (parsed === -1 || parsed.realm === undefined || parsed.nonce === undefined) continue;
    const challenge = withAuthQop(parsed);
    const algorithm = challenge?.algorithm;
    if (challenge === undefined || (algorithm !== undefined && algorithm !== 'MD5')) {
      answer = { outcome: 'unsupported' };
      continue;
    }
    const digest = new DigestAuthentication({
      username,
      password: credentials.password,
      realm: credentials.realm ?? null,
      ha1: null,
    });
    if (
      !digest.authenticate({ method: request.method, ruri: request.uri, body: null }, challenge)
    ) {
      continue;
    }
    return { outcome: 'answered', value: digest.toString() };
  }
  return answer;
}

/**
 * Returns the challenge with `qop=auth` alone when it offers auth, the challenge itself when it
 * has no qop, and undefined when its qop offers no auth.
 */
function withAuthQop(challenge: JssipChallenge): JssipChallenge | undefined {
  if (challenge.qop === undefined) return challenge;
  return challenge.qop.includes('auth') ? { ...challenge, qop: ['auth'] } : undefined;
}

/** A body that replaces the SDP of an initial INVITE. */
export interface InviteBody {
  readonly contentType: string;
  readonly body: string;
}

/**
 * Replaces the body of the initial INVITE of `session` with the one that `compose` builds from
 * its SDP. JsSIP's RTCSession emits `sending` for the initial INVITE only, after the SDP offer is
 * set and before the request goes to the socket, so this is the one place where an outgoing
 * INVITE can get a multipart body. `setHeader` also removes the `Content-Type: application/sdp`
 * that RTCSession put among the extra headers.
 */
export function composeInitialInvite(
  session: RTCSession,
  compose: (sdp: string) => InviteBody,
): void {
  session.on('sending', (event) => {
    const request = event.request;
    const composed = compose(request.body);
    request.setHeader('Content-Type', composed.contentType);
    request.body = composed.body;
  });
}

/** A listener of a JsSIP event; its payload type depends on the event. */
export type UaListener = (...args: never[]) => void;

/**
 * The EventEmitter methods of JsSIP's UA. Its typings inherit them from Node's `events` module,
 * which a browser build without Node's types cannot resolve, so they are described here.
 */
interface ListenerSource {
  once(event: string, listener: UaListener): unknown;
  removeListener(event: string, listener: UaListener): unknown;
}

/** Adds a listener that JsSIP calls once, for the next `event` of `ua`. */
export function onceUaEvent(ua: UA, event: string, listener: UaListener): void {
  (ua as unknown as ListenerSource).once(event, listener);
}

/** Removes a listener added with `ua.on()` or {@link onceUaEvent}. */
export function removeUaListener(ua: UA, event: string, listener: UaListener): void {
  (ua as unknown as ListenerSource).removeListener(event, listener);
}
