/**
 * Two JsSIP-style sockets joined in memory: what one sends, the other receives as a text frame
 * on a later macrotask, as a WebSocket would deliver it.
 */
import type { SipSocket, SocketData } from '../../src/core/sip-socket.js';

class LoopbackSocket implements SipSocket {
  via_transport = 'WS';
  readonly url: string;
  readonly sip_uri: string;
  peer: LoopbackSocket | undefined;
  connected = false;
  /** Every frame sent, as it went on the wire. */
  readonly wire: string[];

  onconnect: () => void = () => undefined;
  ondisconnect: (error: boolean, code?: number, reason?: string) => void = () => undefined;
  ondata: (data: SocketData) => void = () => undefined;

  /** The SIP core between the two sockets, which may change each frame. */
  readonly relay: (frame: string) => string;

  constructor(host: string, wire: string[], relay: (frame: string) => string) {
    this.relay = relay;
    this.url = `ws://${host}`;
    this.sip_uri = `sip:${host};transport=ws`;
    this.wire = wire;
  }

  connect(): void {
    this.connected = true;
    setTimeout(() => this.onconnect(), 0);
  }

  disconnect(): void {
    this.connected = false;
  }

  send(message: string): boolean {
    if (!this.connected) return false;
    const relayed = this.relay(message);
    this.wire.push(relayed);
    const peer = this.peer;
    setTimeout(() => peer?.ondata(relayed), 0);
    return true;
  }

  isConnected(): boolean {
    return this.connected;
  }

  isConnecting(): boolean {
    return false;
  }
}

/**
 * Returns two joined sockets and the shared list of frames that crossed between them. `relay`
 * plays the SIP core in between: it may change each frame before it is recorded and delivered.
 */
export function createLoopbackPair(relay: (frame: string) => string = (frame) => frame): {
  a: SipSocket;
  b: SipSocket;
  wire: string[];
} {
  const wire: string[] = [];
  const a = new LoopbackSocket('127.0.0.1:1', wire, relay);
  const b = new LoopbackSocket('127.0.0.1:2', wire, relay);
  a.peer = b;
  b.peer = a;
  return { a, b, wire };
}
