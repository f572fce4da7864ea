import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import {
  SipMessage,
  importPrivateKey,
  pemDecode,
  protectMessage,
  unprotectMessage,
  type LocalIdentity,
  type ProtectionPolicy,
  type SecurityInfo,
  type SipHeader,
} from '@mcptt-smime/smime';
import { MEDIA_TYPES, readParts, withParts, type BodyPart } from '../../src/body-parts.js';
import { createInDialogRequest, type Dialog } from '../../src/dialog.js';
import { createResponse, randomToken, requestLine } from '../../src/sip-builder.js';

export const DOMAIN = 'mcptt.example';
export const SERVER_URI = `sip:mcptt-server@${DOMAIN}`;

/** A request from the server, after the client opened it. */
export interface Incoming {
  readonly raw: SipMessage;
  readonly clear: SipMessage | undefined;
  readonly parts: readonly BodyPart[];
  /** The security outcome of opening the request, when it opened. */
  readonly security?: SecurityInfo;
  readonly error: string | undefined;
  /** The final response this client sent, once sent. */
  answer?: SipMessage;
}

/**
 * How the client responds to INVITEs from the server: at once, with 180 only, or with 180 and then
 * 200 when the test calls {@link McpttTestClient.answerHeld}.
 */
export type InviteMode = 'answer' | 'ring' | 'hold';

/** An MCPTT client on raw WebSocket and the core package, for tests of the server. */
export class McpttTestClient {
  readonly uri: string;
  readonly identity: LocalIdentity;
  readonly incoming: Incoming[] = [];
  /** `ring` answers INVITEs with 180 only, and ends them with 487 on CANCEL. */
  inviteMode: InviteMode = 'answer';
  /** The final status of the response to INVITEs in place of 200, such as 486 or 500. */
  inviteFailure: number | undefined = undefined;
  /** Methods of requests that get no response, such as BYE. They are still listed in `incoming`. */
  readonly unanswered = new Set<string>();
  /** Provisional responses to this client's requests, such as 100 Trying. */
  readonly provisional: SipMessage[] = [];
  /** Policy for opening the server's requests; undefined is the default policy. */
  policy: ProtectionPolicy | undefined = undefined;
  /** False to protect without a signed copy of the SDP fingerprints, as a client that lacks it. */
  bindSdp = true;
  /** True to answer an INVITE with the SDP in clear, as a core that stripped the signature would. */
  answerInClear = false;
  /**
   * Another user who signs the answer to an INVITE in its own name, with its URI in the To, as a
   * SIP core that hands the server's INVITE to an accomplice would.
   */
  answerAs: McpttTestClient | undefined = undefined;
  /** Makes the SDP answer to an INVITE's offer; default a fixed SDP without candidates. */
  answerSdp: ((offer: string) => Promise<string>) | undefined;
  readonly #socket: WebSocket;
  readonly #serverCertificate: Uint8Array;
  readonly #trustAnchors: readonly Uint8Array[];
  readonly #contact: string;
  readonly #pending = new Map<string, (response: SipMessage) => void>();
  readonly #ringingTags = new Map<string, string>();
  readonly #waiters: { match: (i: Incoming) => boolean; resolve: (i: Incoming) => void }[] = [];
  readonly #held: { message: SipMessage; incoming: Incoming }[] = [];

  private constructor(
    socket: WebSocket,
    identity: LocalIdentity,
    serverCertificate: Uint8Array,
    trustAnchors: readonly Uint8Array[],
  ) {
    this.#socket = socket;
    this.identity = identity;
    this.uri = identity.uri;
    this.#serverCertificate = serverCertificate;
    this.#trustAnchors = trustAnchors;
    this.#contact = `sip:${randomToken(4)}@${randomToken(4)}.invalid;transport=ws`;
    socket.on('message', (data) => {
      void this.#receive(SipMessage.parse(new Uint8Array(data as Buffer)));
    });
  }

  /** Connects with the key and certificate `NAME.key.pem` and `NAME.cert.pem` of `keyFolder`. */
  static async connect(
    url: string,
    name: string,
    keyFolder: string,
    trustFolder: string,
    chain: readonly Uint8Array[] = [],
  ): Promise<McpttTestClient> {
    const [pkcs8] = pemDecode(
      await readFile(join(keyFolder, `${name}.key.pem`), 'utf8'),
      'PRIVATE KEY',
    );
    const [certificate] = pemDecode(
      await readFile(join(keyFolder, `${name}.cert.pem`), 'utf8'),
      'CERTIFICATE',
    );
    const keys = await importPrivateKey(crypto, pkcs8 as Uint8Array);
    const anchors = pemDecode(
      await readFile(join(trustFolder, 'ca.cert.pem'), 'utf8'),
      'CERTIFICATE',
    );
    const [serverCertificate] = pemDecode(
      await readFile(join(trustFolder, 'mcptt-server.cert.pem'), 'utf8'),
      'CERTIFICATE',
    );
    const socket = new WebSocket(url, 'sip');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const identity = {
      uri: `sip:${name}@${DOMAIN}`,
      certificate: certificate as Uint8Array,
      chain,
      ...keys,
    };
    return new McpttTestClient(socket, identity, serverCertificate as Uint8Array, anchors);
  }

  /** Builds a request in clear from this user. */
  request(
    method: string,
    requestUri: string,
    parts: readonly BodyPart[],
    headers: readonly SipHeader[] = [],
  ): SipMessage {
    const message = SipMessage.create(requestLine(method, requestUri), [
      { name: 'Via', value: `SIP/2.0/WS ${randomToken(4)}.invalid;branch=z9hG4bK${randomToken()}` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<${this.uri}>;tag=${randomToken()}` },
      { name: 'To', value: `<${method === 'REGISTER' ? this.uri : requestUri}>` },
      { name: 'Call-ID', value: randomToken(12) },
      { name: 'CSeq', value: `1 ${method}` },
      { name: 'Contact', value: `<${this.#contact}>` },
      ...headers,
    ]);
    return withParts(message, parts);
  }

  /**
   * Signs with this user's key and encrypts for `recipients` (default: the server), with signed
   * copies of the `protectHeaders` header fields, and a signingTime of `signedAt` (default now).
   */
  async protect(
    message: SipMessage,
    recipients: readonly Uint8Array[] = [this.#serverCertificate],
    protectHeaders: readonly string[] = [],
    signedAt?: Date,
  ): Promise<SipMessage> {
    return protectMessage(message, {
      crypto,
      signer: this.identity,
      recipients,
      protectHeaders,
      // As the SDK does, unless calls go in clear.
      bindSdp: this.bindSdp && this.policy === undefined,
      ...(signedAt === undefined ? {} : { now: () => signedAt }),
    });
  }

  /** Sends a request and resolves with its final response. */
  async send(message: SipMessage): Promise<SipMessage> {
    const key = `${message.callId}|${String(message.cseq.sequence)}|${message.cseq.method}`;
    const response = new Promise<SipMessage>((resolve) => this.#pending.set(key, resolve));
    this.#socket.send(new TextDecoder().decode(message.toBytes()));
    return response;
  }

  /** Sends a request that gets no response, such as an ACK. */
  post(message: SipMessage): void {
    this.#sendMessage(message);
  }

  /** Opens a response from the server. */
  async open(response: SipMessage): Promise<SipMessage> {
    return (await this.#unprotect(response)).message;
  }

  /** Opens a response from the server and returns its security outcome. */
  async securityOf(response: SipMessage): Promise<SecurityInfo> {
    return (await this.#unprotect(response)).security;
  }

  #unprotect(message: SipMessage) {
    return unprotectMessage(message, {
      crypto,
      identity: this.identity,
      trustAnchors: this.#trustAnchors,
      ...(this.policy === undefined ? {} : { policy: this.policy }),
      ...(this.policy === undefined ? { requireSdpBinding: 'always' as const } : {}),
    });
  }

  /** Binds this client's contact in the core (a REGISTER to the domain, no body). */
  async bind(): Promise<number> {
    return status(await this.send(this.request('REGISTER', `sip:${DOMAIN}`, [])));
  }

  /** Resolves with the first request from the server, received or to come, that matches. */
  async receive(match: (incoming: Incoming) => boolean, timeoutMs = 10_000): Promise<Incoming> {
    const found = this.incoming.find(match);
    if (found !== undefined) {
      return found;
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.uri}: no matching request`)),
        timeoutMs,
      );
      this.#waiters.push({
        match,
        resolve: (incoming) => {
          clearTimeout(timer);
          resolve(incoming);
        },
      });
    });
  }

  /** Builds a request inside `dialog`, with a Via of this client. */
  inDialog(
    dialog: Dialog,
    method: string,
    parts: readonly BodyPart[],
    headers: readonly SipHeader[] = [],
  ): SipMessage {
    const request = createInDialogRequest(dialog, method, [
      { name: 'Contact', value: `<${this.#contact}>` },
      ...headers,
    ]);
    const via = {
      name: 'Via',
      value: `SIP/2.0/WS ${randomToken(4)}.invalid;branch=z9hG4bK${randomToken()}`,
    };
    return withParts(SipMessage.create(request.startLine, [via, ...request.headers]), parts);
  }

  /** Builds the CANCEL of a pending INVITE that this client sent (RFC 3261 §9.1). */
  cancelOf(invite: SipMessage): SipMessage {
    const copied = ['via', 'from', 'to', 'call-id', 'max-forwards'];
    return SipMessage.create(
      requestLine('CANCEL', invite.startLine.type === 'request' ? invite.startLine.requestUri : ''),
      [
        ...invite.headers.filter((field) => copied.includes(field.name.toLowerCase())),
        { name: 'CSeq', value: `${String(invite.cseq.sequence)} CANCEL` },
      ],
    );
  }

  close(): void {
    this.#socket.close();
  }

  /** Responds with 200 to the INVITEs that `hold` mode left ringing, then resolves. */
  async answerHeld(): Promise<void> {
    for (const { message, incoming } of this.#held.splice(0)) {
      await this.#answer(message, incoming, true);
    }
  }

  /** Resolves once an INVITE waits in `hold` mode. */
  async heldInvite(): Promise<void> {
    while (this.#held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  async #receive(message: SipMessage): Promise<void> {
    if (!message.isRequest) {
      const key = `${message.callId}|${String(message.cseq.sequence)}|${message.cseq.method}`;
      if (status(message) >= 200) {
        this.#pending.get(key)?.(message);
        this.#pending.delete(key);
      } else {
        this.provisional.push(message);
      }
      return;
    }
    if (message.method === 'ACK') {
      return;
    }
    if (message.method === 'CANCEL') {
      this.#cancelled(message);
      return;
    }

    const incoming = await this.#openIncoming(message);
    // Listed once answered, so that a test sees the media of the answer as soon as it sees the request.
    await this.#answer(message, incoming);
    this.incoming.push(incoming);
    for (const [index, waiter] of this.#waiters.entries()) {
      if (waiter.match(incoming)) {
        this.#waiters.splice(index, 1);
        waiter.resolve(incoming);
        break;
      }
    }
  }

  async #openIncoming(message: SipMessage): Promise<Incoming> {
    try {
      const { message: clear, security } = await this.#unprotect(message);
      return { raw: message, clear, parts: readParts(clear), security, error: undefined };
    } catch (error) {
      return { raw: message, clear: undefined, parts: [], error: String(error) };
    }
  }

  async #answer(message: SipMessage, incoming: Incoming, released = false): Promise<void> {
    if (this.unanswered.has(message.method)) {
      return;
    }
    const ok = incoming.error === undefined ? 200 : 403;
    const toTag = this.#ringingTags.get(message.callId) ?? randomToken();
    const headers = [{ name: 'Contact', value: `<${this.#contact}>` }];
    if (message.method === 'INVITE' && ok === 200 && this.inviteFailure !== undefined) {
      incoming.answer = createResponse(message, this.inviteFailure, { toTag });
      this.#sendMessage(incoming.answer);
      return;
    }
    if (message.method === 'INVITE' && ok === 200 && this.inviteMode !== 'answer' && !released) {
      this.#ringingTags.set(message.callId, toTag);
      this.#sendMessage(createResponse(message, 180, { toTag, headers }));
      if (this.inviteMode === 'hold') this.#held.push({ message, incoming });
      return;
    }
    let response = createResponse(message, ok, { toTag, headers });
    if (message.method === 'INVITE' && ok === 200) {
      const offer = textOf(incoming.parts, MEDIA_TYPES.sdp) ?? '';
      const sdp = this.answerSdp === undefined ? ANSWER_SDP : await this.answerSdp(offer);
      response = response.withBody(new TextEncoder().encode(sdp), {
        contentType: 'application/sdp',
      });
      const impostor = this.answerAs;
      if (impostor !== undefined) {
        const to = { name: 'To', value: `<${impostor.uri}>;tag=${toTag}` };
        const headers = response.headers.map((field) => (field.name === 'To' ? to : field));
        response = await impostor.protect(
          SipMessage.create(response.startLine, headers, response.body),
        );
      } else if (this.policy === undefined && !this.answerInClear) {
        // The answer's DTLS fingerprints are signed, as the SDK signs them, unless calls go in clear.
        response = await this.protect(response);
      }
    }
    incoming.answer = response;
    this.#sendMessage(response);
  }

  // RFC 3261 §9.2: 200 to the CANCEL, then 487 to the INVITE it cancels.
  #cancelled(cancel: SipMessage): void {
    const pending = this.incoming.find(
      (incoming) =>
        incoming.raw.method === 'INVITE' &&
        incoming.raw.callId === cancel.callId &&
        incoming.answer === undefined,
    );
    // The responses to the CANCEL and to the INVITE carry the To tag of the 180 (RFC 3261 §9.2).
    const toTag = this.#ringingTags.get(cancel.callId) ?? randomToken();
    this.#sendMessage(createResponse(cancel, pending === undefined ? 481 : 200, { toTag }));
    if (pending !== undefined) {
      pending.answer = createResponse(pending.raw, 487, { toTag });
      this.#sendMessage(pending.answer);
    }
  }

  #sendMessage(message: SipMessage): void {
    this.#socket.send(new TextDecoder().decode(message.toBytes()));
  }
}

/** The status code of a response. */
export function status(response: SipMessage): number {
  return response.startLine.type === 'response' ? response.startLine.status : 0;
}

/** The text of the first part of a media type. */
export function textOf(parts: readonly BodyPart[], mediaType: string): string | undefined {
  const part = parts.find((candidate) => candidate.mediaType === mediaType);
  return part === undefined ? undefined : new TextDecoder().decode(part.body);
}

export const OFFER_SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  '',
].join('\r\n');

const ANSWER_SDP = OFFER_SDP.replace('a=setup:actpass', 'a=setup:active');
