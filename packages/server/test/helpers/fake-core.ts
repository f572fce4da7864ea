/**
 * A stand-in for the SIP core on 127.0.0.1, for tests of the server's connection to the core. It
 * responds to REGISTER or drops the connection on it, can send a request together with the
 * handshake, can drop the connection, and can accept TCP connections whose WebSocket handshake
 * it never completes.
 */
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { SipMessage } from '@mcptt-smime/smime';
import { createResponse, randomToken, requestLine } from '../../src/sip-builder.js';
import { SERVER_URI } from './mcptt-test-client.js';

/** A frame from the server, with the number of the connection it came on, from 1. */
export interface ReceivedFrame {
  readonly connection: number;
  readonly text: string;
}

/** How the core treats a REGISTER: the status of its response, or `drop` to close the connection. */
export type RegisterReply = number | 'drop';

type Waiter<T> = { readonly match: (value: T) => boolean; readonly resolve: (value: T) => void };

/** A fake SIP core that records every frame from the server. */
export class FakeCore {
  /** Frames from the server, REGISTERs included. */
  readonly frames: ReceivedFrame[] = [];
  registerReply: RegisterReply = 200;
  /** WWW-Authenticate value of a 401 to REGISTER, if any. */
  registerChallenge: string | undefined;
  /** Frames that the core sends on each new connection as soon as its handshake completes. */
  greeting: string[] = [];
  /** When true, the core accepts TCP connections but never responds to their handshake. */
  holdHandshakes = false;
  readonly #http: Server;
  readonly #sockets = new WebSocketServer({ noServer: true, handleProtocols: () => 'sip' });
  readonly #held = new Set<Duplex>();
  #heldWaiters: (() => void)[] = [];
  #socket: WebSocket | undefined;
  #connections = 0;
  #frameWaiters: Waiter<ReceivedFrame>[] = [];

  private constructor(http: Server) {
    this.#http = http;
    http.on('upgrade', (request, socket, head) => {
      if (this.holdHandshakes) {
        this.#hold(socket);
      } else {
        this.#sockets.handleUpgrade(request, socket, head, (ws) => this.#accept(ws));
      }
    });
  }

  /** Starts listening on a port that the kernel picks. */
  static async start(): Promise<FakeCore> {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return new FakeCore(http);
  }

  get url(): string {
    const address = this.#http.address();
    if (address === null || typeof address === 'string') {
      throw new Error('the fake core is not listening on a TCP port');
    }
    return `ws://127.0.0.1:${String(address.port)}`;
  }

  /** Sends a frame on the current connection. */
  send(frame: string): void {
    this.#socket?.send(frame);
  }

  /** Closes the current connection abruptly, as a crash of the core does. */
  drop(): void {
    this.#socket?.terminate();
  }

  /** Resolves with the first frame from the server, received or to come, that `match` accepts. */
  async frame(match: (frame: ReceivedFrame) => boolean): Promise<ReceivedFrame> {
    const found = this.frames.find(match);
    if (found !== undefined) {
      return found;
    }
    return new Promise((resolve) => this.#frameWaiters.push({ match, resolve }));
  }

  /** Resolves when the next connection whose handshake the core leaves unanswered arrives. */
  async nextHeldHandshake(): Promise<void> {
    return new Promise((resolve) => this.#heldWaiters.push(resolve));
  }

  /** Closes every connection and stops listening. */
  async stop(): Promise<void> {
    for (const socket of this.#held) socket.destroy();
    for (const client of this.#sockets.clients) client.terminate();
    await new Promise((resolve) => this.#http.close(resolve));
  }

  #hold(socket: Duplex): void {
    this.#held.add(socket);
    socket.on('close', () => this.#held.delete(socket));
    // The server resets the connection when it gives up on the handshake.
    socket.on('error', () => undefined);
    for (const resolve of this.#heldWaiters.splice(0)) resolve();
  }

  #accept(ws: WebSocket): void {
    this.#connections += 1;
    const connection = this.#connections;
    this.#socket = ws;
    ws.on('message', (data) =>
      this.#receive(ws, connection, new TextDecoder().decode(data as Buffer)),
    );
    for (const frame of this.greeting) ws.send(frame);
  }

  #receive(ws: WebSocket, connection: number, text: string): void {
    const frame = { connection, text };
    this.frames.push(frame);
    const waiters = this.#frameWaiters.filter((waiter) => waiter.match(frame));
    this.#frameWaiters = this.#frameWaiters.filter((waiter) => !waiter.match(frame));
    for (const waiter of waiters) waiter.resolve(frame);
    if (!text.startsWith('REGISTER ')) {
      return;
    }

    if (this.registerReply === 'drop') {
      ws.terminate();
      return;
    }
    const register = SipMessage.parse(new TextEncoder().encode(text));
    const challenge = this.registerReply === 401 ? this.registerChallenge : undefined;
    const headers = challenge === undefined ? [] : [{ name: 'WWW-Authenticate', value: challenge }];
    ws.send(
      createResponse(register, this.registerReply, { toTag: randomToken(), headers }).toBytes(),
    );
  }
}

/** Returns an OPTIONS from the core to the server with a new Call-ID, and that Call-ID. */
export function optionsRequest(): { readonly text: string; readonly callId: string } {
  const callId = randomToken();
  const request = SipMessage.create(requestLine('OPTIONS', SERVER_URI), [
    { name: 'Via', value: `SIP/2.0/WS core.invalid;branch=z9hG4bK${randomToken()}` },
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: `<sip:core.invalid>;tag=${randomToken()}` },
    { name: 'To', value: `<${SERVER_URI}>` },
    { name: 'Call-ID', value: callId },
    { name: 'CSeq', value: '1 OPTIONS' },
  ]);
  return { text: new TextDecoder().decode(request.toBytes()), callId };
}

/** Returns true when `frame` is a response with this Call-ID. */
export function isResponseTo(callId: string): (frame: ReceivedFrame) => boolean {
  return (frame) =>
    frame.text.startsWith('SIP/2.0 ') &&
    new RegExp(`^Call-ID: ${callId}\\r?$`, 'im').test(frame.text);
}
