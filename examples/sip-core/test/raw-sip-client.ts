import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';

/** A received SIP message, parsed only as far as the tests need. */
export interface ReceivedSip {
  readonly text: string;
  readonly startLine: string;
  readonly body: string;
  header(name: string): string | undefined;
  headers(name: string): string[];
}

function parse(text: string): ReceivedSip {
  const split = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, split).split('\r\n');
  const fields = lines.slice(1).map((line) => {
    const colon = line.indexOf(':');
    return { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() };
  });
  return {
    text,
    startLine: lines[0] ?? '',
    body: text.slice(split + 4),
    header: (name) => fields.find((field) => field.name === name.toLowerCase())?.value,
    headers: (name) =>
      fields.filter((field) => field.name === name.toLowerCase()).map((field) => field.value),
  };
}

/** A SIP user agent that writes its messages by hand, for tests of the core. */
export class RawSipClient {
  readonly user: string;
  readonly contact: string;
  readonly #socket: WebSocket;
  readonly #inbox: ReceivedSip[] = [];
  readonly #waiters: { match: (m: ReceivedSip) => boolean; resolve: (m: ReceivedSip) => void }[] =
    [];

  private constructor(socket: WebSocket, user: string) {
    this.#socket = socket;
    this.user = user;
    this.contact = `sip:${user}-ua@${randomUUID().slice(0, 8)}.invalid;transport=ws`;
    socket.on('message', (data) => {
      const message = parse(Buffer.from(data as Buffer).toString('utf8'));
      const waiter = this.#waiters.findIndex((w) => w.match(message));
      if (waiter === -1) {
        this.#inbox.push(message);
      } else {
        this.#waiters.splice(waiter, 1)[0]?.resolve(message);
      }
    });
  }

  static async connect(url: string, user: string): Promise<RawSipClient> {
    const socket = new WebSocket(url, 'sip');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new RawSipClient(socket, user);
  }

  get aor(): string {
    return `sip:${this.user}@mcptt.example`;
  }

  send(text: string): void {
    this.#socket.send(text);
  }

  /** Resolves with the first message, received or to come, that matches. */
  async receive(match: (m: ReceivedSip) => boolean, timeoutMs = 5000): Promise<ReceivedSip> {
    const index = this.#inbox.findIndex(match);
    if (index !== -1) {
      return this.#inbox.splice(index, 1)[0] as ReceivedSip;
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.user}: no message in time`)),
        timeoutMs,
      );
      this.#waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  request(method: string, requestUri: string, options: RequestParts = {}): string {
    const callId = options.callId ?? randomUUID();
    const body = options.body ?? '';
    const lines = [
      `${method} ${requestUri} SIP/2.0`,
      `Via: SIP/2.0/WS ${this.contact.split('@')[1]?.split(';')[0] ?? ''};branch=z9hG4bK${randomUUID()}`,
      ...(options.routes ?? []).map((route) => `Route: ${route}`),
      'Max-Forwards: 70',
      `From: <${this.aor}>;tag=${options.fromTag ?? 'ft-' + this.user}`,
      `To: <${options.to ?? requestUri}>${options.toTag === undefined ? '' : ';tag=' + options.toTag}`,
      `Call-ID: ${callId}`,
      `CSeq: ${String(options.cseq ?? 1)} ${method}`,
      `Contact: <${this.contact}>`,
      ...(options.extraHeaders ?? []),
      ...(body === '' ? [] : ['Content-Type: text/plain']),
      `Content-Length: ${String(Buffer.byteLength(body))}`,
      '',
      body,
    ];
    this.send(lines.join('\r\n'));
    return callId;
  }

  /** Answers a received request, with an optional body. */
  respond(request: ReceivedSip, status: number, reason: string, body = ''): void {
    const lines = [
      `SIP/2.0 ${String(status)} ${reason}`,
      ...request.headers('via').map((via) => `Via: ${via}`),
      ...request.headers('record-route').map((route) => `Record-Route: ${route}`),
      `From: ${request.header('from') ?? ''}`,
      `To: ${request.header('to') ?? ''};tag=tt-${this.user}`,
      `Call-ID: ${request.header('call-id') ?? ''}`,
      `CSeq: ${request.header('cseq') ?? ''}`,
      `Contact: <${this.contact}>`,
      ...(body === '' ? [] : ['Content-Type: text/plain']),
      `Content-Length: ${String(Buffer.byteLength(body))}`,
      '',
      body,
    ];
    this.send(lines.join('\r\n'));
  }

  async register(registrar: string): Promise<ReceivedSip> {
    const callId = this.request('REGISTER', registrar, {
      to: this.aor,
      extraHeaders: ['Expires: 600'],
    });
    return this.receive((m) => m.header('call-id') === callId);
  }

  close(): void {
    this.#socket.close();
  }
}

/** Optional parts of a request written by {@link RawSipClient.request}. */
export interface RequestParts {
  readonly callId?: string;
  readonly body?: string;
  readonly to?: string;
  readonly toTag?: string;
  readonly fromTag?: string;
  readonly cseq?: number;
  readonly routes?: readonly string[];
  readonly extraHeaders?: readonly string[];
}
