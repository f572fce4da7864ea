/**
 * Affiliation through PUBLISH, which JsSIP lacks. The SDK builds the request itself, sends it
 * through the protecting socket and runs a small non-INVITE client transaction (RFC 3261
 * §17.1.2): the first final response ends it, and Timer F (64·T1 = 32 s) times it out.
 *
 * NOTE: the request is not retransmitted (Timer E), which RFC 3261 §17.1.2.2 requires only on
 * unreliable transports; SIP over WebSocket is reliable.
 *
 * @module
 */
import type { ProtectingSocket } from '../core/protecting-socket.js';
import type { SmimePipeline } from '../core/smime-pipeline.js';
import { buildAffiliation, type GroupAffiliation } from '../mcptt/affiliation.js';
import { PIDF_TYPE } from '../mcptt/media-types.js';
import { MCPTT_REQUEST_HEADERS } from './mcptt-headers.js';
import { SipRequestFailedError } from './sip-request-failed-error.js';

/** Timer F of RFC 3261 §17.1.2.2 in milliseconds (64·T1 with T1 = 500 ms). */
export const TIMER_F_MS = 32_000;

/** Options of an affiliation PUBLISH. */
export interface AffiliationOptions {
  /** Request-URI and To of the PUBLISH: the MCPTT server's URI for affiliation. */
  readonly target: string;
  /** Groups to be affiliated to; an empty list de-affiliates from all. */
  readonly groups: readonly string[];
  /** MCPTT ID; default the client's SIP URI. */
  readonly mcpttId?: string;
  /** MCPTT client ID; default the client's. */
  readonly clientId?: string;
  /** Expires in seconds; default 3600. */
  readonly expires?: number;
  /** Transaction timeout in milliseconds; default {@link TIMER_F_MS}. */
  readonly timeoutMs?: number;
}

function token(crypto: Crypto): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Builds the PUBLISH text (RFC 3903 §4.1, TS 24.379 §9.2.1.2). */
export function buildPublish(
  options: AffiliationOptions & { mcpttId: string; clientId: string },
  transport: string,
  crypto: Crypto,
): { text: string; callId: string } {
  const groups: GroupAffiliation[] = options.groups.map((group) => ({ group }));
  const body = buildAffiliation({ mcpttId: options.mcpttId, clientId: options.clientId, groups });
  const callId = token(crypto);
  const length = new TextEncoder().encode(body).length;
  const text = [
    `PUBLISH ${options.target} SIP/2.0`,
    `Via: SIP/2.0/${transport} ${token(crypto)}.invalid;branch=z9hG4bK${token(crypto)}`,
    'Max-Forwards: 70',
    `From: <${options.mcpttId}>;tag=${token(crypto)}`,
    `To: <${options.target}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 PUBLISH',
    'Event: presence',
    `Expires: ${options.expires ?? 3600}`,
    ...MCPTT_REQUEST_HEADERS,
    `Content-Type: ${PIDF_TYPE}`,
    `Content-Length: ${length}`,
    '',
    body,
  ].join('\r\n');
  return { text, callId };
}

/**
 * Sends an affiliation PUBLISH and resolves on a 2xx. Rejects with SipRequestFailedError on an
 * error response (408 on timeout), or with the protection error.
 */
export function publishAffiliation(
  socket: ProtectingSocket,
  pipeline: SmimePipeline,
  crypto: Crypto,
  options: AffiliationOptions & { mcpttId: string; clientId: string },
): Promise<void> {
  const { text, callId } = buildPublish(options, socket.via_transport, crypto);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      release();
      reject(new SipRequestFailedError(408, 'Request Timeout'));
    }, options.timeoutMs ?? TIMER_F_MS);
    const release = pipeline.claimResponses(callId, (response) => {
      const status = response.status ?? 0;
      if (status < 200) return;
      clearTimeout(timer);
      release();
      if (status < 300) resolve();
      else reject(new SipRequestFailedError(status, 'PUBLISH rejected'));
    });
    socket.transmit(text).catch((error: unknown) => {
      clearTimeout(timer);
      release();
      reject(error instanceof Error ? error : new Error('PUBLISH not sent'));
    });
  });
}
