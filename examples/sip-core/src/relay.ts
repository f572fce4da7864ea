/**
 * An embedded SIP-over-WebSocket relay (RFC 7118) that stands in for Kamailio on machines without
 * it. It is a registrar and a stateless proxy (RFC 3261 §16.11): it routes requests by
 * Request-URI to the registered connection, record-routes dialogs, routes responses back by its
 * own Via, and writes every body it relays to the same body log format as kamailio.cfg.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { formatBodyRecord } from './body-log.js';
import { findFreePort } from './free-port.js';
import { buildRelayResponse, registerBinding } from './relay-registrar.js';
import {
  addressKey,
  canonicalHeaderName,
  findHeader,
  isRequest,
  methodOf,
  parseRawSip,
  requestUriOf,
  serializeRawSip,
  uriOfAddress,
  type RawHeader,
  type RawSipMessage,
} from './sip-text.js';

/** Options of {@link startRelay}. */
export interface RelayOptions {
  /** File that receives the body records. Default: none. */
  readonly bodyLogFile?: string;
  /** TCP port. Default: a free port. */
  readonly port?: number;
  /**
   * Largest accepted WebSocket message in bytes. Default 65536, the ceiling of Kamailio's
   * websocket module, so that the relay fails where the real core would.
   */
  readonly maxMessageBytes?: number;
  /** Clock for registration expiry. Default `Date.now`. */
  readonly now?: () => number;
}

/** A running relay. */
export interface RunningRelay {
  /** WebSocket URL, for example `ws://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** Closes every connection and the listener. */
  stop(): Promise<void>;
}

/** Connection and registration state of the relay. */
export interface RelayState {
  readonly connections: Map<string, WebSocket>;
  /** Address-of-record key to connection and expiry. */
  readonly registrations: Map<string, { connectionId: string; expiresAt: number }>;
  /** Contact `user@host` key to connection, learned from every Contact that passes. */
  readonly contacts: Map<string, string>;
  readonly now: () => number;
}

const VIA_HOST = 'sip-core.invalid';

/**
 * Starts the relay on 127.0.0.1. Clients connect with the `sip` WebSocket subprotocol.
 *
 * @example
 * ```ts
 * import WebSocket from 'ws';
 * import { startRelay } from '@mcptt-smime/sip-core';
 *
 * const core = await startRelay({ bodyLogFile: 'sip-core-bodies.log' });
 * const socket = new WebSocket(core.url, 'sip'); // Node 20 has none by default
 * ```
 */
export async function startRelay(options: RelayOptions = {}): Promise<RunningRelay> {
  const port = options.port ?? (await findFreePort());
  const state: RelayState = {
    connections: new Map(),
    registrations: new Map(),
    contacts: new Map(),
    now: options.now ?? Date.now,
  };
  if (options.bodyLogFile !== undefined) {
    mkdirSync(dirname(options.bodyLogFile), { recursive: true });
    appendFileSync(options.bodyLogFile, '');
  }

  const server = new WebSocketServer({
    host: '127.0.0.1',
    port,
    maxPayload: options.maxMessageBytes ?? 65536,
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });

  let nextId = 0;
  server.on('connection', (socket) => {
    nextId += 1;
    const connectionId = `c${String(nextId)}`;
    state.connections.set(connectionId, socket);
    socket.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      handleFrame(state, connectionId, bytes, isBinary, options.bodyLogFile, port);
    });
    socket.on('close', () => forgetConnection(state, connectionId));
    // ws reports a frame that breaks the protocol or passes maxPayload as an error, then closes
    // that connection (1002, 1007, 1009). Without a listener the error would end the process.
    socket.on('error', () => undefined);
  });

  return {
    url: `ws://127.0.0.1:${String(port)}`,
    port,
    stop: async () => {
      for (const socket of state.connections.values()) {
        socket.terminate();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function handleFrame(
  state: RelayState,
  connectionId: string,
  data: Uint8Array,
  isBinary: boolean,
  bodyLogFile: string | undefined,
  port: number,
): void {
  const message = parseRawSip(data);
  if (message === undefined) {
    return;
  }

  if (bodyLogFile !== undefined && message.body.length > 0) {
    appendFileSync(bodyLogFile, formatBodyRecord(bodyRecordOf(message)));
  }
  learnContact(state, connectionId, message);

  if (isRequest(message)) {
    relayRequest(state, connectionId, message, isBinary, port);
  } else {
    relayResponse(state, message, isBinary);
  }
}

function bodyRecordOf(message: RawSipMessage): Parameters<typeof formatBodyRecord>[0] {
  const request = isRequest(message);
  return {
    kind: request ? 'request' : 'reply',
    method: methodOf(message),
    status: request ? undefined : Number(message.startLine.split(' ')[1]),
    callId: findHeader(message.headers, 'call-id') ?? '',
    body: new TextDecoder().decode(message.body),
  };
}

function learnContact(state: RelayState, connectionId: string, message: RawSipMessage): void {
  const contact = findHeader(message.headers, 'contact');
  const key = contact === undefined ? undefined : addressKey(uriOfAddress(contact));
  if (key !== undefined && methodOf(message) !== 'REGISTER') {
    state.contacts.set(key, connectionId);
  }
}

function forgetConnection(state: RelayState, connectionId: string): void {
  state.connections.delete(connectionId);
  for (const [key, binding] of state.registrations) {
    if (binding.connectionId === connectionId) {
      state.registrations.delete(key);
    }
  }
  for (const [key, id] of state.contacts) {
    if (id === connectionId) {
      state.contacts.delete(key);
    }
  }
}

function relayRequest(
  state: RelayState,
  connectionId: string,
  message: RawSipMessage,
  isBinary: boolean,
  port: number,
): void {
  const source = state.connections.get(connectionId);
  const method = methodOf(message);
  const maxForwards = Number(findHeader(message.headers, 'max-forwards') ?? '70');
  if (maxForwards <= 0) {
    answer(source, message, 483, 'Too Many Hops', isBinary);
    return;
  }
  // As in kamailio.cfg: a REGISTER to a domain binds here, one to a user's URI is relayed.
  if (method === 'REGISTER' && addressKey(requestUriOf(message)) === undefined) {
    const response = registerBinding(state, connectionId, message);
    source?.send(serializeRawSip(response), { binary: isBinary });
    return;
  }

  const target = findTarget(state, requestUriOf(message));
  if (target === undefined) {
    answer(source, message, 404, 'Not Found', isBinary);
    return;
  }

  const forwarded = prepareForward(message, connectionId, port, maxForwards - 1);
  target.send(serializeRawSip(forwarded), { binary: isBinary });
}

function answer(
  socket: WebSocket | undefined,
  request: RawSipMessage,
  status: number,
  reason: string,
  isBinary: boolean,
): void {
  // RFC 3261 §17.1.1.3: an ACK is never answered.
  if (methodOf(request) !== 'ACK') {
    socket?.send(serializeRawSip(buildRelayResponse(request, status, reason)), {
      binary: isBinary,
    });
  }
}

function findTarget(state: RelayState, requestUri: string): WebSocket | undefined {
  const key = addressKey(requestUri);
  if (key === undefined) {
    return undefined;
  }

  const binding = state.registrations.get(key);
  if (binding !== undefined && binding.expiresAt > state.now()) {
    return state.connections.get(binding.connectionId);
  }
  const contactConnection = state.contacts.get(key);
  return contactConnection === undefined ? undefined : state.connections.get(contactConnection);
}

function prepareForward(
  message: RawSipMessage,
  connectionId: string,
  port: number,
  maxForwards: number,
): RawSipMessage {
  const ownRoute = `sip:${VIA_HOST.replace('.invalid', '')}@127.0.0.1:${String(port)};transport=ws;lr`;
  const headers: RawHeader[] = [];
  const clientBranch = /;branch=([^;,\s]+)/i.exec(findHeader(message.headers, 'via') ?? '')?.[1];
  // RFC 3261 §16.11: a stateless proxy derives its branch from the request, so that a
  // retransmission, the CANCEL and a non-2xx ACK get the branch of the original request.
  const branch = createHash('sha256')
    .update(`${connectionId}|${clientBranch ?? requestUriOf(message)}`)
    .digest('hex')
    .slice(0, 24);
  headers.push({
    name: 'Via',
    value: `SIP/2.0/WS ${VIA_HOST};branch=z9hG4bK${branch};rc=${connectionId}`,
  });

  let routeRemoved = false;
  for (const header of message.headers) {
    const name = canonicalHeaderName(header.name);
    if (name === 'route' && !routeRemoved && header.value.includes(ownRoute.split(';')[0] ?? '')) {
      routeRemoved = true;
      continue;
    }
    headers.push(
      name === 'max-forwards' ? { name: header.name, value: String(maxForwards) } : header,
    );
  }

  const initial = !/;\s*tag=/i.test(findHeader(message.headers, 'to') ?? '');
  if (initial && ['INVITE', 'SUBSCRIBE'].includes(methodOf(message))) {
    headers.splice(1, 0, { name: 'Record-Route', value: `<${ownRoute}>` });
  }
  return { startLine: message.startLine, headers, body: message.body };
}

function relayResponse(state: RelayState, message: RawSipMessage, isBinary: boolean): void {
  const index = message.headers.findIndex((header) => canonicalHeaderName(header.name) === 'via');
  const topVia = message.headers[index];
  if (topVia === undefined || !topVia.value.includes(VIA_HOST)) {
    return;
  }

  const connectionId = /;rc=([^;,\s]+)/.exec(topVia.value)?.[1];
  const target = connectionId === undefined ? undefined : state.connections.get(connectionId);
  const headers = message.headers.filter((_, i) => i !== index);
  target?.send(serializeRawSip({ ...message, headers }), { binary: isBinary });
}
