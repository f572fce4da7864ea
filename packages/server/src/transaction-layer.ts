/**
 * The server's transaction layer (RFC 3261 §17) over a reliable transport (WebSocket, RFC 7118).
 *
 * Over a reliable transport no request is retransmitted by the transaction layer, but a peer or
 * the core may still repeat a request, so a server transaction resends its last response to a
 * repeat and never hands it to the application twice. A new INVITE gets 100 Trying at once,
 * before the application receives it. Client transactions end with a final
 * response, or with a synthetic 408 after Timer B or F (64·T1 = 32 s), or with a synthetic 503
 * when the transport is lost (RFC 3261 §8.1.3.1).
 *
 * @module
 */
import {
  MAX_HEADER_SECTION_BYTES,
  canonicalHeaderName,
  hasControlCharacter,
  readStartLine,
  SipMessage,
  responseTo,
  splitHeaderLines,
  topViaBranch,
  type McpttError,
  type SipHeader,
} from '@mcptt-smime/smime';
import { createResponse, randomToken, requestLine } from './sip-builder.js';

/** Timer values in milliseconds (RFC 3261 §17.1.1.1, Table 4). */
export interface TransactionTimers {
  /** Round-trip estimate T1, default 500. */
  readonly t1: number;
  /** Maximum retransmission interval T2 for 2xx responses, default 4000. */
  readonly t2: number;
  /** Lifetime of a client transaction without a final response, default 64·T1. */
  readonly transactionTimeout: number;
  /** How long a completed server transaction absorbs repeats, default 64·T1. */
  readonly linger: number;
}

/** Default timers of RFC 3261 §17. */
export const DEFAULT_TIMERS: TransactionTimers = {
  t1: 500,
  t2: 4000,
  transactionTimeout: 32_000,
  linger: 32_000,
};

/** A request received for the first time, and the means to answer it once. */
export interface ServerTransaction {
  readonly request: SipMessage;
  /** Sends a response; a final one completes the transaction. */
  respond(response: SipMessage): void;
  /** True once a final response was sent. */
  readonly completed: boolean;
}

/** Receiver of the requests and stray responses that the transaction layer passes up. */
export interface TransactionDelegate {
  /** A new request, ACKs for 2xx responses included (they form no transaction). */
  onRequest(transaction: ServerTransaction): void;
  /**
   * A response that matches no client transaction, such as a repeated 2xx to an INVITE, or one
   * whose Call-ID or CSeq differs from the request of its branch.
   */
  onStrayResponse?(response: SipMessage): void;
  /**
   * A 2xx to an INVITE that no ACK confirmed while the server repeated it, for `linger`
   * milliseconds (64·T1 by default). By RFC 3261 §13.3.1.4 the server SHOULD then end the session
   * with BYE, because its caller may never send one.
   */
  onAckTimeout?(invite: SipMessage, response: SipMessage): void;
}

interface ServerEntry {
  /**
   * The request, until its final response. The entry then lingers to absorb repeats, and keeps
   * only the response, so that a burst of large requests is not held for the whole linger time.
   */
  request: SipMessage | undefined;
  lastResponse: SipMessage | undefined;
  completed: boolean;
  retransmit: ReturnType<typeof setTimeout> | undefined;
}

interface ClientEntry {
  readonly request: SipMessage;
  readonly resolve: (response: SipMessage) => void;
  readonly onProvisional: ((response: SipMessage) => void) | undefined;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Outcome of {@link TransactionLayer.rejectUnparsable} for one frame. */
export interface UnparsableFrame {
  /** The Call-ID, when the header section of the frame could be read. */
  readonly callId: string | undefined;
  /** True when a response was sent. */
  readonly answered: boolean;
}

/** Options of {@link TransactionLayer.sendRequest}. */
export interface SendRequestOptions {
  readonly onProvisional?: (response: SipMessage) => void;
}

/** Server and client transactions keyed by branch and method (RFC 3261 §17.1.3, §17.2.3). */
export class TransactionLayer {
  readonly #send: (message: SipMessage) => void;
  readonly #delegate: TransactionDelegate;
  readonly #timers: TransactionTimers;
  readonly #viaHost: string;
  readonly #server = new Map<string, ServerEntry>();
  /** INVITE server transactions by Call-ID and CSeq number, which the ACK of a 2xx names. */
  readonly #invites = new Map<string, Set<ServerEntry>>();
  readonly #client = new Map<string, ClientEntry>();
  #transportAvailable = true;

  constructor(
    send: (message: SipMessage) => void,
    delegate: TransactionDelegate,
    timers: TransactionTimers = DEFAULT_TIMERS,
  ) {
    this.#send = send;
    this.#delegate = delegate;
    this.#timers = timers;
    // RFC 7118 §5.2: a WebSocket client has no reachable host, so it uses a random .invalid one.
    this.#viaHost = `${randomToken(6)}.invalid`;
  }

  /** Handles a message from the transport. */
  receive(message: SipMessage): void {
    if (message.isRequest) {
      this.#receiveRequest(message);
    } else {
      this.#receiveResponse(message);
    }
  }

  /**
   * Responds to a frame that `SipMessage.parse` rejected with `error`, with the error's status
   * and reason phrase and a To tag (RFC 3261 §8.2, §21.4.1, RFC 4475): 400, 413 or 505. Only a
   * request other than ACK whose Via, From, To, Call-ID and CSeq fields can be read from a header
   * section within MAX_HEADER_SECTION_BYTES gets a response. Any other frame, a response
   * included, is dropped. A request that cannot be parsed has no transaction to absorb its
   * repeats, so each repeat gets a response of its own.
   */
  rejectUnparsable(frame: Uint8Array, error: McpttError): UnparsableFrame {
    const head = readHeaderSection(frame);
    if (head === undefined) {
      return { callId: undefined, answered: false };
    }
    const response = rejectionOf(head, error);
    if (response !== undefined) {
      this.#send(response);
    }
    return { callId: head.callId, answered: response !== undefined };
  }

  /**
   * Sends a request in a new client transaction, with a new topmost Via, and resolves with its
   * final response. A non-2xx final response to an INVITE is acknowledged here (RFC 3261
   * §17.1.1.3). The ACK of a 2xx belongs to the dialog: send it with {@link sendAck}. While the
   * transport is lost, the request is not sent and resolves with 503 at once.
   */
  sendRequest(request: SipMessage, options: SendRequestOptions = {}): Promise<SipMessage> {
    const branch = `z9hG4bK${randomToken(10)}`;
    const via = { name: 'Via', value: `SIP/2.0/WS ${this.#viaHost};branch=${branch}` };
    const sent = SipMessage.create(
      request.startLine,
      [via, ...request.headers.filter((field) => !isVia(field))],
      request.body,
    );
    const key = clientKey(branch, request.method);
    if (!this.#transportAvailable) {
      return Promise.resolve(createResponse(sent, 503));
    }

    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#client.delete(key);
        resolve(createResponse(sent, 408));
      }, this.#timers.transactionTimeout);
      this.#client.set(key, {
        request: sent,
        resolve,
        onProvisional: options.onProvisional,
        timer,
      });
      this.#send(sent);
    });
  }

  /** Sends an ACK or another request that expects no response, with a new Via. */
  sendAck(ack: SipMessage): void {
    const via = {
      name: 'Via',
      value: `SIP/2.0/WS ${this.#viaHost};branch=z9hG4bK${randomToken(10)}`,
    };
    this.#send(SipMessage.create(ack.startLine, [via, ...ack.headers], ack.body));
  }

  /**
   * Sends a CANCEL for a pending INVITE client transaction (RFC 3261 §9.1). Returns false when the
   * transaction already ended.
   */
  cancel(invite: SipMessage): boolean {
    const entry = [...this.#client.values()].find(
      (candidate) =>
        candidate.request.callId === invite.callId && candidate.request.method === 'INVITE',
    );
    if (entry === undefined) {
      return false;
    }

    const request = entry.request;
    const copied = request.headers.filter((field) =>
      ['via', 'from', 'to', 'call-id', 'route', 'max-forwards'].includes(field.name.toLowerCase()),
    );
    const headers = [...copied, { name: 'CSeq', value: `${String(request.cseq.sequence)} CANCEL` }];
    const cancel = SipMessage.create(requestLine('CANCEL', requestUriOf(request)), headers);
    const branch = topViaBranch(cancel) ?? '';
    const key = clientKey(branch, 'CANCEL');
    const timer = setTimeout(() => this.#client.delete(key), this.#timers.transactionTimeout);
    this.#client.set(key, {
      request: cancel,
      resolve: () => undefined,
      onProvisional: undefined,
      timer,
    });
    this.#send(cancel);
    return true;
  }

  /**
   * Marks the transport as lost, because its connection closed. No response can arrive on a
   * closed connection, so every pending client transaction resolves with 503 at once: RFC 3261
   * §8.1.3.1 requires that a transport failure be treated as a 503 status code. Requests sent from
   * then on resolve with 503 too, until {@link transportRestored}.
   */
  transportLost(): void {
    this.#transportAvailable = false;
    this.#resolvePending(503);
  }

  /** Sends requests again after {@link transportLost}, on a new connection. */
  transportRestored(): void {
    this.#transportAvailable = true;
  }

  /** Stops every timer; pending client transactions resolve with 408. */
  close(): void {
    this.#resolvePending(408);
    for (const entry of this.#server.values()) {
      clearTimeout(entry.retransmit);
    }
    this.#server.clear();
    this.#invites.clear();
  }

  #resolvePending(status: number): void {
    for (const entry of this.#client.values()) {
      clearTimeout(entry.timer);
      entry.resolve(createResponse(entry.request, status));
    }
    this.#client.clear();
  }

  #receiveRequest(request: SipMessage): void {
    const branch = topViaBranch(request);
    if (request.method === 'ACK') {
      this.#receiveAck(request, branch);
      return;
    }

    const key = serverKey(branch, request);
    const existing = this.#server.get(key);
    if (existing !== undefined) {
      if (existing.lastResponse !== undefined) {
        this.#send(existing.lastResponse);
      }
      return;
    }

    const entry: ServerEntry = {
      request,
      lastResponse: undefined,
      completed: false,
      retransmit: undefined,
    };
    this.#server.set(key, entry);
    if (request.method === 'INVITE') {
      const key = dialogStepKey(request);
      this.#invites.set(key, (this.#invites.get(key) ?? new Set()).add(entry));
      this.#sendTrying(entry, request);
    }
    this.#delegate.onRequest(this.#serverTransaction(key, entry, request));
  }

  // RFC 3261 §17.2.1: when the application will not respond to an INVITE within 200 ms, the
  // server transaction sends 100 Trying. After a provisional response, Kamailio waits for the
  // final one by fr_inv_timer (default 120 s) instead of fr_timer (default 30 s), so it does not
  // time out the INVITE while members are invited. The server cannot tell how long an INVITE
  // takes, so every new INVITE gets one at once. A repeat gets the last response again.
  #sendTrying(entry: ServerEntry, request: SipMessage): void {
    const timestamp = request.getHeader('Timestamp');
    const trying = createResponse(request, 100, {
      // RFC 3261 §8.2.6.1: a 100 Trying copies the request's Timestamp.
      headers: timestamp === undefined ? [] : [{ name: 'Timestamp', value: timestamp }],
    });
    entry.lastResponse = trying;
    this.#send(trying);
  }

  // An ACK for a non-2xx response belongs to the INVITE transaction and is absorbed, while an ACK
  // for a 2xx is a separate request for the dialog (RFC 3261 §17.2.1, §13.3.1.4).
  #receiveAck(ack: SipMessage, branch: string | undefined): void {
    const invite = this.#server.get(serverKey(branch, ack, 'INVITE'));
    if (invite !== undefined && invite.lastResponse?.startLine.type === 'response') {
      const status = invite.lastResponse.startLine.status;
      if (status >= 300) {
        return;
      }
    }

    // Every INVITE transaction of this Call-ID and CSeq, as a proxy may have forked or re-sent
    // the INVITE on another branch.
    for (const answered of this.#invites.get(dialogStepKey(ack)) ?? []) {
      clearTimeout(answered.retransmit);
      answered.retransmit = undefined;
    }
    const entry = { request: ack, lastResponse: undefined, completed: true, retransmit: undefined };
    this.#delegate.onRequest(this.#serverTransaction(`ack:${randomToken(6)}`, entry, ack));
  }

  #forgetInvite(key: string, entry: ServerEntry): void {
    const entries = this.#invites.get(key);
    entries?.delete(entry);
    if (entries?.size === 0) this.#invites.delete(key);
  }

  #serverTransaction(key: string, entry: ServerEntry, request: SipMessage): ServerTransaction {
    return {
      request,
      get completed() {
        return entry.completed;
      },
      respond: (response) => this.#respond(key, entry, response),
    };
  }

  #respond(key: string, entry: ServerEntry, response: SipMessage): void {
    if (entry.completed || response.startLine.type !== 'response') {
      return;
    }

    const status = response.startLine.status;
    entry.lastResponse = response;
    this.#send(response);
    if (status < 200) {
      return;
    }

    entry.completed = true;
    const request = entry.request;
    entry.request = undefined;
    if (request?.method === 'INVITE' && status < 300) {
      this.#retransmitUntilAck(entry, this.#timers.t1);
    }
    setTimeout(() => {
      // close() clears the map, and a closed layer reports nothing.
      const open = this.#server.get(key) === entry;
      const unacknowledged = entry.retransmit !== undefined;
      clearTimeout(entry.retransmit);
      entry.retransmit = undefined;
      this.#server.delete(key);
      if (request?.method !== 'INVITE') return;
      this.#forgetInvite(dialogStepKey(request), entry);
      if (open && unacknowledged) this.#delegate.onAckTimeout?.(request, response);
    }, this.#timers.linger).unref();
  }

  // RFC 3261 §13.3.1.4: the UAS core repeats a 2xx to an INVITE, at T1 doubling up to T2, until
  // the ACK arrives, because the ACK of a 2xx is end to end and may be lost in a proxy.
  #retransmitUntilAck(entry: ServerEntry, interval: number): void {
    entry.retransmit = setTimeout(() => {
      if (entry.lastResponse !== undefined) {
        this.#send(entry.lastResponse);
      }
      this.#retransmitUntilAck(entry, Math.min(interval * 2, this.#timers.t2));
    }, interval);
    entry.retransmit.unref();
  }

  #receiveResponse(response: SipMessage): void {
    const key = clientKey(topViaBranch(response) ?? '', response.cseq.method);
    const entry = this.#client.get(key);
    if (entry === undefined) {
      this.#delegate.onStrayResponse?.(response);
      return;
    }
    // A response copies the Call-ID and CSeq of its request (RFC 3261 §8.2.6.2). The SIP core can
    // put any branch in the top Via, so a response of another dialog with this branch is dropped.
    if (dialogStepKey(response) !== dialogStepKey(entry.request)) {
      this.#delegate.onStrayResponse?.(response);
      return;
    }

    const status = response.startLine.type === 'response' ? response.startLine.status : 0;
    if (status < 200) {
      entry.onProvisional?.(response);
      return;
    }

    clearTimeout(entry.timer);
    this.#client.delete(key);
    if (entry.request.method === 'INVITE' && status >= 300) {
      this.#send(createNon2xxAck(entry.request, response));
    }
    entry.resolve(response);
  }
}

function isVia(field: SipHeader): boolean {
  const name = field.name.toLowerCase();
  return name === 'via' || name === 'v';
}

/** Identifies a request of a dialog, and its responses and ACK, by Call-ID and CSeq number. */
function dialogStepKey(message: SipMessage): string {
  return `${message.callId}|${String(message.cseq.sequence)}`;
}

function clientKey(branch: string, method: string): string {
  return `${branch}|${method === 'ACK' ? 'INVITE' : method}`;
}

function serverKey(
  branch: string | undefined,
  request: SipMessage,
  method = request.method,
): string {
  // RFC 3261 §17.2.3: without a magic-cookie branch, match on the request's identity instead.
  const id = branch?.startsWith('z9hG4bK')
    ? branch
    : `${request.callId}|${String(request.cseq.sequence)}`;
  return `${id}|${method}`;
}

function requestUriOf(request: SipMessage): string {
  return request.startLine.type === 'request' ? request.startLine.requestUri : '';
}

/** Builds the ACK of a non-2xx final response (RFC 3261 §17.1.1.3). */
function createNon2xxAck(invite: SipMessage, response: SipMessage): SipMessage {
  const headers: SipHeader[] = [];
  for (const field of invite.headers) {
    const name = field.name.toLowerCase();
    if (
      name === 'via' ||
      name === 'from' ||
      name === 'call-id' ||
      name === 'route' ||
      name === 'max-forwards'
    ) {
      headers.push(field);
    }
  }
  headers.push(
    { name: 'To', value: response.getHeader('To') ?? '' },
    { name: 'CSeq', value: `${String(invite.cseq.sequence)} ACK` },
  );
  return SipMessage.create(requestLine('ACK', requestUriOf(invite)), headers);
}

/** The start line and the fields a response copies, read from a frame that did not parse. */
interface HeaderSection {
  readonly startLine: string;
  readonly vias: readonly string[];
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly callId: string | undefined;
  readonly cseq: string | undefined;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Reads the start line and the Via, From, To, Call-ID and CSeq fields of a frame, or returns
 * undefined when no empty line ends its header section within MAX_HEADER_SECTION_BYTES or the
 * section is not valid UTF-8. The body is never read. Only the first value of a single field is
 * kept, and values with a control character are left out, so that none can end up in a response.
 */
function readHeaderSection(frame: Uint8Array): HeaderSection | undefined {
  let start = 0;
  // RFC 3261 §7.5: line ends before the start line are ignored.
  while (frame[start] === CR || frame[start] === LF) {
    start++;
  }
  const limit = Math.min(frame.length, start + MAX_HEADER_SECTION_BYTES);
  let end = -1;
  for (let i = frame.indexOf(LF, start); i >= 0 && i < limit; i = frame.indexOf(LF, i + 1)) {
    const next = frame[i + 1];
    if (next === LF || (next === CR && frame[i + 2] === LF)) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    return undefined;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(start, end));
  } catch {
    return undefined;
  }

  const { startLine, headers } = splitHeaderLines(text);
  const fields = headers.map((field) => ({
    name: canonicalHeaderName(field.name),
    value: field.value,
  }));
  const first = (name: string) => {
    const value = fields.find((field) => field.name === name)?.value;
    return value === undefined || hasControlCharacter(value) ? undefined : value;
  };
  const vias = fields.filter((field) => field.name === 'via').map((field) => field.value);
  return {
    startLine,
    // One Via with a control character leaves the response without a route back.
    vias: vias.some(hasControlCharacter) ? [] : vias,
    from: first('from'),
    to: first('to'),
    callId: first('call-id'),
    cseq: first('cseq'),
  };
}

/**
 * Builds the response to a request that did not parse, or returns undefined when the frame is
 * not a request or is an ACK, which gets no response (RFC 3261 §17.1.1.3). Also returns undefined
 * when a field that the response must copy is missing (RFC 3261 §8.2.6.2).
 */
function rejectionOf(head: HeaderSection, error: McpttError): SipMessage | undefined {
  const startLine = readStartLine(head.startLine);
  if (startLine.kind !== 'request' || startLine.method === 'ACK') {
    return undefined;
  }
  const { vias, from, to, callId, cseq } = head;
  if (vias.length === 0 || from === undefined || to === undefined) {
    return undefined;
  }
  if (callId === undefined || cseq === undefined) {
    return undefined;
  }
  const taggedTo = responseTo(to, randomToken());
  if (taggedTo === undefined) {
    return undefined;
  }
  const responseLine = {
    type: 'response',
    status: error.sipStatus,
    reasonPhrase: error.reasonPhrase,
    version: 'SIP/2.0',
  } as const;
  try {
    return SipMessage.create(responseLine, [
      ...vias.map((value) => ({ name: 'Via', value })),
      { name: 'From', value: from },
      { name: 'To', value: taggedTo },
      { name: 'Call-ID', value: callId },
      { name: 'CSeq', value: cseq },
    ]);
  } catch (error) {
    // SipMessage.create raises TypeError for a value that it cannot write as one header line,
    // such as a quoted string that ends in a backslash.
    if (error instanceof TypeError) {
      return undefined;
    }
    throw error;
  }
}
