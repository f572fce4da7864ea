/**
 * The socket interface that JsSIP 3.13 drives (`JsSIP.Socket`), described structurally so that
 * the core needs no JsSIP import.
 *
 * @module
 */

/** Data of one incoming WebSocket frame: text, or the bytes of a binary frame. */
export type SocketData = string | ArrayBuffer | ArrayBufferView;

/**
 * A SIP transport socket as JsSIP's `Transport` uses it. JsSIP assigns the three `on*`
 * callbacks before it calls `connect()`.
 */
export interface SipSocket {
  via_transport: string;
  readonly url: string;
  readonly sip_uri: string;
  connect(): void;
  disconnect(): void;
  /** Sends one SIP message; returns false when the socket is not connected. */
  send(message: string): boolean;
  isConnected(): boolean;
  isConnecting(): boolean;
  onconnect: () => void;
  ondisconnect: (error: boolean, code?: number, reason?: string) => void;
  ondata: (data: SocketData) => void;
}

/** Copies the bytes of a frame, or encodes a text frame as UTF-8. */
export function frameBytes(data: SocketData): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}
