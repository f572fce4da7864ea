/**
 * The only module that imports JsSIP: it builds a JsSIP user agent on the protecting socket, and
 * gives the rest of the SDK the JsSIP types and the one body hook that it needs.
 *
 * @module
 */
import { UA, WebSocketInterface } from 'jssip';
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
  });
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
