/**
 * A JsSIP socket that protects every outgoing SIP message and unprotects every incoming one.
 *
 * Every message that JsSIP sends passes through `send(text)`, and every incoming one through
 * `ondata`, so this wrapper sees all traffic and is the one place where asynchronous WebCrypto can
 * run without JsSIP knowing. JsSIP's own debug logging prints a message before `send()` is called,
 * so it prints plaintext.
 *
 * ```
 *   JsSIP ──send(text)──► cache ─► pipeline.outgoing ─► out FIFO ─► inner.send(wire)
 *   JsSIP ◄──ondata───── in FIFO ◄─ pipeline.incoming ◄─ inner.ondata(frame)
 * ```
 *
 * @module
 */
import { toProtectionFailure, type ProtectionFailure } from './failure.js';
import { silentLogger, type SdkLogger } from './logger.js';
import { OrderedPipeline } from './ordered-pipeline.js';
import { buildRejection, buildSyntheticResponse } from './rejection.js';
import { RetransmissionCache } from './retransmission-cache.js';
import { frameBytes, type SipSocket, type SocketData } from './sip-socket.js';
import {
  headerValue,
  isRequestText,
  requestMethod,
  responseStatus,
  splitSipText,
} from './sip-text.js';

const CATEGORY = 'mcptt:sdk:socket';

/** The transformations that the socket applies; the SDK implements them with S/MIME. */
export interface SocketPipeline {
  /** Returns the wire text of an outgoing message, or raises a library error. */
  outgoing(text: string): Promise<string>;
  /**
   * Returns the text to hand to JsSIP, or undefined when the SDK consumed the message itself
   * (for example a response to its own PUBLISH). Raises a library error to reject the message.
   */
  incoming(bytes: Uint8Array): Promise<string | undefined>;
  /**
   * Called with the bytes given to {@link SocketPipeline.incoming} right before its text goes to
   * JsSIP, in arrival order. The SDK reports the opened message then, so that JsSIP's event
   * for a message finds that message and not a later one with the same Call-ID and CSeq.
   */
  delivered?(bytes: Uint8Array): void;
  /**
   * Hands a final response that failed unprotection to the SDK transaction that claimed its
   * Call-ID, and returns true, or returns false when JsSIP owns the transaction.
   */
  failClaimedResponse?(callId: string, failure: ProtectionFailure): boolean;
}

/** A message that the socket could not protect or unprotect. */
export interface SocketFailureEvent extends ProtectionFailure {
  readonly direction: 'outgoing' | 'incoming';
  readonly callId: string | undefined;
  /** Method of the request, or CSeq method of the response. */
  readonly method: string | undefined;
  readonly error: unknown;
}

/** Options of {@link ProtectingSocket}. */
export interface ProtectingSocketOptions {
  readonly pipeline: SocketPipeline;
  /** Returns a fresh To tag for the responses that the socket writes. */
  readonly createTag: () => string;
  readonly logger?: SdkLogger;
  /** Called for every message that failed; it must not throw. */
  readonly onFailure?: (event: SocketFailureEvent) => void;
  /** Number of protected messages kept for retransmissions. */
  readonly retransmissionCacheSize?: number;
}

/** True for the CRLF keep-alives of RFC 5626 §4.4.1, which pass through untouched. */
function isKeepAlive(text: string): boolean {
  return text.length > 0 && /^(\r\n)+$/.test(text);
}

/**
 * Wraps a JsSIP socket, for example a `WebSocketInterface`, and implements the same interface.
 *
 * @example
 * ```ts
 * // context: url: string, uri: string, pipeline: SmimePipeline, createTag: () => string
 * import { type Socket, UA, WebSocketInterface } from 'jssip';
 * import { ProtectingSocket } from '@mcptt-smime/sdk';
 *
 * const socket = new ProtectingSocket(new WebSocketInterface(url), { pipeline, createTag });
 * // The types of JsSIP 3.13 require its own Socket class, so the SDK's socket needs a cast.
 * const ua = new UA({ sockets: [socket as unknown as Socket], uri }); // and the other UA settings
 * ```
 */
export class ProtectingSocket implements SipSocket {
  readonly #inner: SipSocket;
  readonly #pipeline: SocketPipeline;
  readonly #options: ProtectingSocketOptions;
  readonly #logger: SdkLogger;
  readonly #cache: RetransmissionCache;
  readonly #out = new OrderedPipeline();
  readonly #in = new OrderedPipeline();
  /** Incremented on every connect and disconnect, so queued output never reaches a newer connection. */
  #connection = 0;

  /** Set by JsSIP: called when the inner socket connects. */
  onconnect: () => void = () => undefined;
  /** Set by JsSIP: called when the inner socket disconnects, with its close code and reason. */
  ondisconnect: (error: boolean, code?: number, reason?: string) => void = () => undefined;
  /**
   * Set by JsSIP: called with each incoming message once it is unprotected, and with the
   * synthetic error response of a request that could not be protected.
   */
  ondata: (data: SocketData) => void = () => undefined;

  /**
   * @param inner - The socket that carries the messages, such as JsSIP's `WebSocketInterface`.
   * @param options - The pipeline that protects and unprotects, and optionally a logger and the
   *   size of the retransmission cache.
   */
  constructor(inner: SipSocket, options: ProtectingSocketOptions) {
    this.#inner = inner;
    this.#pipeline = options.pipeline;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#cache = new RetransmissionCache(options.retransmissionCacheSize);
  }

  /** The inner socket's Via transport, such as `WSS`; JsSIP's Socket interface names it so. */
  get via_transport(): string {
    return this.#inner.via_transport;
  }

  set via_transport(value: string) {
    this.#inner.via_transport = value;
  }

  /** The inner socket's URL. */
  get url(): string {
    return this.#inner.url;
  }

  /** The inner socket's SIP URI, as JsSIP's Socket interface names it. */
  get sip_uri(): string {
    return this.#inner.sip_uri;
  }

  /** Current connection number; it changes on every connect and disconnect. */
  get connection(): number {
    return this.#connection;
  }

  /** Connects the inner socket; a new connection number drops output queued for the last one. */
  connect(): void {
    this.#connection += 1;
    this.#inner.onconnect = () => this.onconnect();
    this.#inner.ondisconnect = (error, code, reason) => {
      this.#connection += 1;
      this.#cache.clear();
      this.ondisconnect(error, code, reason);
    };
    this.#inner.ondata = (data) => this.#receive(data);
    this.#inner.connect();
  }

  /** Disconnects the inner socket and drops the retransmission cache. */
  disconnect(): void {
    this.#connection += 1;
    this.#cache.clear();
    this.#inner.disconnect();
  }

  /** Tells whether the inner socket is connected. */
  isConnected(): boolean {
    return this.#inner.isConnected();
  }

  /** Tells whether the inner socket is connecting. */
  isConnecting(): boolean {
    return this.#inner.isConnecting();
  }

  /**
   * Queues a message from JsSIP and returns true at once. A message that cannot be protected
   * never reaches the wire: a request is answered by a synthetic error response instead, so
   * that its transaction fails at once rather than at Timer B or F (32 s).
   */
  send(message: string): boolean {
    if (!this.#inner.isConnected()) return false;
    this.#enqueueOutgoing(message, (failure, error) => this.#failOutgoing(message, failure, error));
    return true;
  }

  /**
   * Protects and sends a message built by the SDK itself, such as a PUBLISH, through the same
   * FIFO. The promise rejects with the protection error, or with a TypeError when the socket is
   * not connected.
   */
  transmit(message: string): Promise<void> {
    if (!this.#inner.isConnected()) return Promise.reject(new TypeError('socket not connected'));
    return new Promise((resolve, reject) => {
      this.#enqueueOutgoing(
        message,
        (_failure, error) =>
          reject(error instanceof Error ? error : new Error('protection failed')),
        resolve,
      );
    });
  }

  /** Resolves after every message queued so far in both directions was handled. */
  async drain(): Promise<void> {
    while (this.#out.pending > 0 || this.#in.pending > 0) {
      await Promise.all([this.#out.drain(), this.#in.drain()]);
    }
  }

  #enqueueOutgoing(
    text: string,
    onFailure: (failure: ProtectionFailure, error: unknown) => void,
    onSent?: () => void,
  ): void {
    const connection = this.#connection;
    const work = isKeepAlive(text)
      ? Promise.resolve(text)
      : this.#cache.getOrProtect(text, (t) => this.#pipeline.outgoing(t));

    this.#out.submit(work, (outcome) => {
      if (connection !== this.#connection) {
        this.#logger.debug(CATEGORY, 'queued message dropped after reconnection');
        return;
      }
      if (outcome.status === 'rejected') {
        onFailure(toProtectionFailure(outcome.reason), outcome.reason);
        return;
      }
      this.#inner.send(outcome.value);
      onSent?.();
    });
  }

  #failOutgoing(text: string, failure: ProtectionFailure, error: unknown): void {
    const message = splitSipText(text);
    this.#report('outgoing', message, failure, error);

    const method = requestMethod(message);
    if (method === undefined || method === 'ACK') return;

    const response = buildSyntheticResponse(message, failure, this.#options.createTag());
    if (response !== undefined) this.#in.submit(Promise.resolve(response), (o) => this.#deliver(o));
  }

  #receive(data: SocketData): void {
    const connection = this.#connection;
    if (typeof data === 'string' && isKeepAlive(data)) {
      this.#in.submit(Promise.resolve(data), (outcome) => this.#deliver(outcome));
      return;
    }

    const bytes = frameBytes(data);
    this.#in.submit(this.#pipeline.incoming(bytes), (outcome) => {
      if (connection !== this.#connection) return;
      if (outcome.status === 'fulfilled') {
        if (outcome.value !== undefined) this.#pipeline.delivered?.(bytes);
        this.#deliver(outcome);
        return;
      }
      this.#failIncoming(bytes, toProtectionFailure(outcome.reason), outcome.reason);
    });
  }

  #deliver(outcome: PromiseSettledResult<string | undefined>): void {
    if (outcome.status === 'fulfilled' && outcome.value !== undefined) this.ondata(outcome.value);
  }

  /**
   * Answers a request that failed with the error's status, through the outgoing FIFO and without
   * protection. A final response that failed is replaced by a synthetic one for JsSIP.
   */
  #failIncoming(bytes: Uint8Array, failure: ProtectionFailure, error: unknown): void {
    const message = splitSipText(new TextDecoder().decode(bytes));
    this.#report('incoming', message, failure, error);

    if (isRequestText(message)) {
      if (requestMethod(message) === 'ACK') return;
      const rejection = buildRejection(message, failure, this.#options.createTag());
      if (rejection === undefined) return;
      const connection = this.#connection;
      this.#out.submit(Promise.resolve(rejection), () => {
        if (connection === this.#connection) this.#inner.send(rejection);
      });
      return;
    }

    // NOTE: a 2xx to INVITE that fails is replaced by an error for JsSIP, but the remote side
    // already holds a dialog; it ends when the remote side's 2xx retransmissions time out.
    const status = responseStatus(message) ?? 0;
    if (status < 200) return;
    // A response to the SDK's own PUBLISH has no JsSIP transaction to end.
    const callId = headerValue(message, 'call-id');
    if (callId !== undefined && this.#options.pipeline.failClaimedResponse?.(callId, failure)) {
      return;
    }
    const synthetic = buildSyntheticResponse(message, failure, this.#options.createTag());
    if (synthetic !== undefined) this.ondata(synthetic);
  }

  #report(
    direction: SocketFailureEvent['direction'],
    message: ReturnType<typeof splitSipText>,
    failure: ProtectionFailure,
    error: unknown,
  ): void {
    const callId = headerValue(message, 'call-id');
    const method = requestMethod(message) ?? headerValue(message, 'cseq')?.split(/\s+/)[1];
    this.#logger.warn(CATEGORY, `${direction} message rejected`, {
      code: failure.code,
      sipStatus: failure.sipStatus,
      callId,
      method,
    });
    this.#options.onFailure?.({ ...failure, direction, callId, method, error });
  }
}
