/**
 * An in-memory stand-in for JsSIP's WebSocketInterface: it records what is sent and lets a test
 * push frames in.
 */
import type { SipSocket, SocketData } from '../../src/core/sip-socket.js';

export class FakeSocket implements SipSocket {
  via_transport = 'WS';
  readonly url = 'ws://127.0.0.1:5066';
  readonly sip_uri = 'sip:127.0.0.1:5066;transport=ws';
  readonly sent: string[] = [];
  connected = false;
  connects = 0;

  onconnect: () => void = () => undefined;
  ondisconnect: (error: boolean, code?: number, reason?: string) => void = () => undefined;
  ondata: (data: SocketData) => void = () => undefined;

  connect(): void {
    this.connects += 1;
    this.connected = true;
    this.onconnect();
  }

  disconnect(): void {
    this.connected = false;
  }

  /** Simulates the peer closing the connection. */
  drop(): void {
    this.connected = false;
    this.ondisconnect(true, 1006, 'abnormal');
  }

  send(message: string): boolean {
    if (!this.connected) return false;
    this.sent.push(message);
    return true;
  }

  isConnected(): boolean {
    return this.connected;
  }

  isConnecting(): boolean {
    return false;
  }

  /** Delivers a frame as the WebSocket would. */
  receive(data: SocketData): void {
    this.ondata(data);
  }
}
