/**
 * The only module that imports JsSIP: it builds a JsSIP user agent on the protecting socket.
 *
 * @module
 */
import { UA, WebSocketInterface } from 'jssip';
import type { Socket } from 'jssip/lib/Socket.js';
import type { SipSocket } from '../../core/sip-socket.js';

export { UA };
export type { IncomingMessageEvent, OutgoingMessageEvent } from 'jssip/lib/UA.js';

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
