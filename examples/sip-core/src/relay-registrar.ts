/**
 * Registrar of the embedded relay (RFC 3261 §10.3): one binding per address-of-record, kept in
 * memory for the lifetime of the WebSocket connection or until it expires.
 *
 * @module
 */
import type { RelayState } from './relay.js';
import {
  addressKey,
  canonicalHeaderName,
  findHeader,
  uriOfAddress,
  type RawHeader,
  type RawSipMessage,
} from './sip-text.js';

const DEFAULT_EXPIRES = 3600;

/** Applies a REGISTER and returns its response: 200 with the binding, or 400. */
export function registerBinding(
  state: RelayState,
  connectionId: string,
  request: RawSipMessage,
): RawSipMessage {
  const aor = addressKey(uriOfAddress(findHeader(request.headers, 'to') ?? ''));
  const contact = findHeader(request.headers, 'contact');
  if (aor === undefined) {
    return buildRelayResponse(request, 400, 'Bad Request');
  }
  if (contact === undefined) {
    return buildRelayResponse(request, 200, 'OK');
  }

  const expires = expiresOf(request, contact);
  if (expires === 0 || contact.trim() === '*') {
    state.registrations.delete(aor);
    return buildRelayResponse(request, 200, 'OK');
  }

  state.registrations.set(aor, { connectionId, expiresAt: state.now() + expires * 1000 });
  const contactUri = uriOfAddress(contact);
  return buildRelayResponse(request, 200, 'OK', [
    { name: 'Contact', value: `<${contactUri}>;expires=${String(expires)}` },
  ]);
}

function expiresOf(request: RawSipMessage, contact: string): number {
  const fromContact = /;\s*expires=(\d+)/i.exec(contact)?.[1];
  const value = fromContact ?? findHeader(request.headers, 'expires') ?? String(DEFAULT_EXPIRES);
  return Math.min(Number(value), DEFAULT_EXPIRES);
}

/**
 * Builds a response to a request (RFC 3261 §8.2.6.2): Via, From, Call-ID and CSeq copied, a To
 * tag added when missing.
 */
export function buildRelayResponse(
  request: RawSipMessage,
  status: number,
  reason: string,
  extraHeaders: readonly RawHeader[] = [],
): RawSipMessage {
  const copied = new Set(['via', 'from', 'to', 'call-id', 'cseq']);
  const headers: RawHeader[] = [];
  for (const header of request.headers) {
    const name = canonicalHeaderName(header.name);
    if (!copied.has(name)) {
      continue;
    }
    if (name === 'to' && !/;\s*tag=/i.test(header.value)) {
      headers.push({ name: header.name, value: `${header.value};tag=sip-core` });
    } else {
      headers.push(header);
    }
  }
  headers.push(...extraHeaders);
  return { startLine: `SIP/2.0 ${String(status)} ${reason}`, headers, body: new Uint8Array(0) };
}
