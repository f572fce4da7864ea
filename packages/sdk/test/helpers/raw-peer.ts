/**
 * The MCPTT server's side of the integration test: a SIP user agent written by hand on the `ws`
 * package that unprotects every request with `@mcptt-smime/smime`, answers it, and can send a
 * protected MESSAGE. It registers its contact like any client, so requests to its URI reach it.
 */
import {
  BOUND_HEADERS,
  protectMessage,
  SipMessage,
  unprotectMessage,
  utf8Decode,
  utf8Encode,
  type LocalIdentity,
  type SecurityInfo,
} from '@mcptt-smime/smime';
import { WebSocket } from 'ws';
import { fakeSdp } from './webrtc-shims.js';
import { testCrypto } from './pki.js';

/** A request the peer received, after unprotection. */
export interface PeerRequest {
  readonly method: string;
  readonly callId: string;
  /** The whole message in plaintext, as text. */
  readonly plaintext: string;
  readonly security: SecurityInfo;
}

/** Options of {@link RawPeer.connect}. */
export interface RawPeerOptions {
  readonly url: string;
  readonly identity: LocalIdentity;
  readonly trustAnchors: readonly Uint8Array[];
  readonly now: () => Date;
}

let sequence = 0;

function token(): string {
  sequence += 1;
  return `${Date.now().toString(36)}${sequence}`;
}

/** A hand-written SIP peer that protects and unprotects with the core library. */
export class RawPeer {
  readonly received: PeerRequest[] = [];
  readonly rejected: unknown[] = [];
  readonly #socket: WebSocket;
  readonly #options: RawPeerOptions;
  readonly #contact = `sip:server-ua@${token()}.invalid;transport=ws`;
  readonly #responses = new Map<string, (status: number) => void>();

  private constructor(socket: WebSocket, options: RawPeerOptions) {
    this.#socket = socket;
    this.#options = options;
    socket.on('message', (data: Buffer) => void this.#onMessage(new Uint8Array(data)));
  }

  /** Opens the WebSocket with the `sip` subprotocol (RFC 7118). */
  static async connect(options: RawPeerOptions): Promise<RawPeer> {
    const socket = new WebSocket(options.url, 'sip');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new RawPeer(socket, options);
  }

  get uri(): string {
    return this.#options.identity.uri;
  }

  /** Registers the peer's contact at the core's registrar; resolves with the status. */
  register(registrar: string): Promise<number> {
    const callId = token();
    const text = this.#request(
      'REGISTER',
      registrar,
      this.uri,
      callId,
      ['Expires: 600'],
      undefined,
    );
    return this.#send(text, callId);
  }

  /** Sends a MESSAGE whose body is signed and encrypted for `recipient`; resolves with the status. */
  async sendProtectedMessage(to: string, recipient: Uint8Array, text: string): Promise<number> {
    const callId = token();
    const plain = this.#request('MESSAGE', to, to, callId, [], text);
    // As the reference server does, the signature covers the To that names the recipient.
    const protectedMessage = await protectMessage(SipMessage.parse(utf8Encode(plain)), {
      crypto: testCrypto,
      signer: this.#options.identity,
      recipients: [recipient],
      now: this.#options.now,
      bindHeaders: BOUND_HEADERS,
    });
    return this.#send(utf8Decode(protectedMessage.toBytes()), callId);
  }

  close(): void {
    this.#socket.close();
  }

  #send(text: string, callId: string): Promise<number> {
    return new Promise((resolve) => {
      this.#responses.set(callId, resolve);
      this.#socket.send(text);
    });
  }

  #request(
    method: string,
    requestUri: string,
    to: string,
    callId: string,
    headers: readonly string[],
    body: string | undefined,
  ): string {
    const content = body ?? '';
    return [
      `${method} ${requestUri} SIP/2.0`,
      `Via: SIP/2.0/WS ${token()}.invalid;branch=z9hG4bK${token()}`,
      'Max-Forwards: 70',
      `From: <${this.uri}>;tag=${token()}`,
      `To: <${to}>`,
      `Call-ID: ${callId}`,
      `CSeq: 1 ${method}`,
      `Contact: <${this.#contact}>`,
      ...headers,
      ...(body === undefined ? [] : ['Content-Type: text/plain;charset=utf-8']),
      `Content-Length: ${utf8Encode(content).length}`,
      '',
      content,
    ].join('\r\n');
  }

  async #onMessage(bytes: Uint8Array): Promise<void> {
    const message = SipMessage.parse(bytes);
    if (!message.isRequest) {
      const status = message.startLine.type === 'response' ? message.startLine.status : 0;
      if (status >= 200) this.#responses.get(message.callId)?.(status);
      return;
    }
    if (message.method === 'ACK') return;
    try {
      const { message: plain, security } = await unprotectMessage(message, {
        crypto: testCrypto,
        identity: this.#options.identity,
        trustAnchors: this.#options.trustAnchors,
        now: this.#options.now,
      });
      this.received.push({
        method: plain.method,
        callId: plain.callId,
        plaintext: utf8Decode(plain.toBytes()),
        security,
      });
      await this.#respond(message, 200, 'OK', security.signerCertificate);
    } catch (error) {
      this.rejected.push(error);
      void this.#respond(message, 403, 'Forbidden');
    }
  }

  /**
   * Responds with the headers RFC 3261 §8.2.6.2 copies. A 200 to INVITE carries an SDP answer,
   * signed and encrypted for `caller` with a copy of its fingerprints, as the server sends it.
   */
  async #respond(
    request: SipMessage,
    status: number,
    reason: string,
    caller?: Uint8Array,
  ): Promise<void> {
    const withSdp = status === 200 && request.method === 'INVITE';
    const to = request.getHeader('To') ?? '';
    const taggedTo = /;\s*tag=/i.test(to) ? to : `${to};tag=${token()}`;
    const body = withSdp ? fakeSdp('9') : '';
    const lines = [
      `SIP/2.0 ${status} ${reason}`,
      ...request.getHeaders('Via').map((via) => `Via: ${via}`),
      ...request.getHeaders('Record-Route').map((route) => `Record-Route: ${route}`),
      `From: ${request.getHeader('From') ?? ''}`,
      `To: ${taggedTo}`,
      `Call-ID: ${request.callId}`,
      `CSeq: ${request.getHeader('CSeq') ?? ''}`,
      `Contact: <${this.#contact}>`,
      ...(withSdp ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${utf8Encode(body).length}`,
      '',
      body,
    ];
    const text = lines.join('\r\n');
    if (!withSdp || caller === undefined) {
      this.#socket.send(text);
      return;
    }
    const answer = await protectMessage(SipMessage.parse(utf8Encode(text)), {
      crypto: testCrypto,
      signer: this.#options.identity,
      recipients: [caller],
      now: this.#options.now,
      bindSdp: true,
    });
    this.#socket.send(utf8Decode(answer.toBytes()));
  }
}
