/**
 * A SIP-over-WebSocket socket (RFC 7118) on the browser's WebSocket, in the shape that JsSIP
 * drives. The SDK wraps it with its protecting socket, so this socket sees the messages as they
 * cross the wire: protected, exactly as the SIP core relays them. The app uses that view to tie
 * each message's Call-ID to the core's body log.
 *
 * @module
 */

import type { SipSocket, SocketData } from '@mcptt-smime/sdk';

/** One SIP message on the wire, reduced to what the security panel needs. */
export interface WireMessage {
  readonly direction: 'in' | 'out';
  /** Request method, or `STATUS METHOD` for a response, such as `200 INVITE`. */
  readonly method: string;
  readonly callId: string;
  /** True when a body part is S/MIME (`application/pkcs7-mime` or `multipart/signed`). */
  readonly protected: boolean;
  readonly hasBody: boolean;
}

/** Creates the socket; `onMessage` receives every message in both directions. */
export function createWireSocket(
  url: string,
  onMessage: (message: WireMessage) => void,
): SipSocket {
  let socket: WebSocket | undefined;
  const wire: SipSocket = {
    via_transport: 'WS',
    url,
    sip_uri: `sip:${new URL(url).host};transport=ws`,
    connect() {
      socket = new WebSocket(url, 'sip');
      socket.onopen = () => wire.onconnect();
      socket.onclose = (event) => wire.ondisconnect(!event.wasClean, event.code, event.reason);
      // The message goes on first, and the panel's record of it after: a record updates the
      // app's state and its views, which must not delay the signalling.
      socket.onmessage = (event: MessageEvent<SocketData>) => {
        wire.ondata(event.data);
        if (typeof event.data === 'string') observe('in', event.data, onMessage);
      };
    },
    disconnect() {
      socket?.close();
    },
    send(message) {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(message);
      observe('out', message, onMessage);
      return true;
    },
    isConnected: () => socket?.readyState === WebSocket.OPEN,
    isConnecting: () => socket?.readyState === WebSocket.CONNECTING,
    onconnect: () => undefined,
    ondisconnect: () => undefined,
    ondata: () => undefined,
  };
  return wire;
}

/** Reads the start line and headers of one SIP message. Keep-alives and partial text return undefined. */
export function describeWireMessage(
  direction: WireMessage['direction'],
  text: string,
): WireMessage | undefined {
  const headerEnd = text.indexOf('\r\n\r\n');
  if (headerEnd === -1) return undefined;
  const lines = text.slice(0, headerEnd).split('\r\n');
  const header = (name: string, compact: string): string | undefined => {
    const pattern = new RegExp(`^(?:${name}|${compact})\\s*:\\s*(.*)$`, 'i');
    for (const line of lines) {
      const match = pattern.exec(line);
      if (match !== null) return match[1]?.trim();
    }
    return undefined;
  };

  const callId = header('Call-ID', 'i');
  const cseqMethod = header('CSeq', 'CSeq')?.split(/\s+/)[1];
  const status = /^SIP\/2\.0 (\d{3})/.exec(lines[0] ?? '')?.[1];
  const method = status === undefined ? lines[0]?.split(' ')[0] : `${status} ${cseqMethod ?? ''}`;
  if (callId === undefined || method === undefined) return undefined;
  const contentType = header('Content-Type', 'c') ?? '';
  return {
    direction,
    method,
    callId,
    protected:
      /pkcs7-mime|multipart\/signed/i.test(text.slice(0, headerEnd)) ||
      /application\/pkcs7-mime/i.test(text.slice(headerEnd)),
    hasBody: contentType !== '' && text.length > headerEnd + 4,
  };
}

function observe(
  direction: WireMessage['direction'],
  text: string,
  onMessage: (message: WireMessage) => void,
): void {
  const message = describeWireMessage(direction, text);
  if (message !== undefined) onMessage(message);
}
