/**
 * PUBLISH, which JsSIP lacks. The SDK builds the request itself, sends it through the protecting
 * socket and runs a small non-INVITE client transaction (RFC 3261 §17.1.2): the first final
 * response ends it, and Timer F (64·T1 = 32 s) times it out.
 *
 * NOTE: the request is not retransmitted (Timer E), which RFC 3261 §17.1.2.2 requires only on
 * unreliable transports; SIP over WebSocket is reliable.
 *
 * @module
 */
import type { ProtectingSocket } from '../core/protecting-socket.js';
import type { SmimePipeline } from '../core/smime-pipeline.js';
import { MCPTT_REQUEST_HEADERS } from './mcptt-headers.js';
import { SipRequestFailedError } from './sip-request-failed-error.js';

/** Timer F of RFC 3261 §17.1.2.2 in milliseconds (64·T1 with T1 = 500 ms). */
export const TIMER_F_MS = 32_000;

/** Lifetime of a publication in seconds when the request sets no Expires. */
export const DEFAULT_PUBLISH_EXPIRES = 3600;

/** One PUBLISH request (RFC 3903 §4.1). */
export interface PublishRequest {
  /** Request-URI and To. */
  readonly target: string;
  /** From: the publishing user's URI. */
  readonly from: string;
  /** Event package, such as `presence` or `poc-settings`. */
  readonly event: string;
  readonly contentType: string;
  readonly body: string;
  /** Expires in seconds; default {@link DEFAULT_PUBLISH_EXPIRES}. */
  readonly expires?: number;
  /** Transaction timeout in milliseconds; default {@link TIMER_F_MS}. */
  readonly timeoutMs?: number;
}

function token(crypto: Crypto): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Builds the PUBLISH text and returns it with its Call-ID. */
export function buildPublishRequest(
  request: PublishRequest,
  transport: string,
  crypto: Crypto,
): { text: string; callId: string } {
  const callId = token(crypto);
  const length = new TextEncoder().encode(request.body).length;
  const text = [
    `PUBLISH ${request.target} SIP/2.0`,
    `Via: SIP/2.0/${transport} ${token(crypto)}.invalid;branch=z9hG4bK${token(crypto)}`,
    'Max-Forwards: 70',
    `From: <${request.from}>;tag=${token(crypto)}`,
    `To: <${request.target}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 PUBLISH',
    `Event: ${request.event}`,
    `Expires: ${request.expires ?? DEFAULT_PUBLISH_EXPIRES}`,
    ...MCPTT_REQUEST_HEADERS,
    `Content-Type: ${request.contentType}`,
    `Content-Length: ${length}`,
    '',
    request.body,
  ].join('\r\n');
  return { text, callId };
}

/**
 * Reads the lifetime that a 2xx to a PUBLISH grants (RFC 3903 §4.1): its Expires header, when
 * that is a whole number of seconds no larger than the request asked for. The header crosses the
 * SIP core in clear, so a larger value is ignored and the requested lifetime is used.
 */
export function grantedExpires(header: string | undefined, requested: number): number {
  const value = header === undefined || !/^\s*\d{1,10}\s*$/.test(header) ? NaN : Number(header);
  return Number.isSafeInteger(value) && value <= requested ? value : requested;
}

/**
 * Sends a PUBLISH, protected like every other body, and resolves on a 2xx with the lifetime it
 * granted in seconds (see {@link grantedExpires}). Rejects with SipRequestFailedError on an error
 * response (408 on timeout), or with the protection error.
 */
export function sendPublish(
  socket: ProtectingSocket,
  pipeline: SmimePipeline,
  crypto: Crypto,
  request: PublishRequest,
): Promise<number> {
  const { text, callId } = buildPublishRequest(request, socket.via_transport, crypto);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      release();
      reject(new SipRequestFailedError(408, 'Request Timeout'));
    }, request.timeoutMs ?? TIMER_F_MS);
    const release = pipeline.claimResponses(callId, (response) => {
      const status = response.status ?? 0;
      if (status < 200) return;
      clearTimeout(timer);
      release();
      const requested = request.expires ?? DEFAULT_PUBLISH_EXPIRES;
      if (status < 300) resolve(grantedExpires(response.message.getHeader('Expires'), requested));
      else reject(new SipRequestFailedError(status, 'PUBLISH rejected'));
    });
    socket.transmit(text).catch((error: unknown) => {
      clearTimeout(timer);
      release();
      reject(error instanceof Error ? error : new Error('PUBLISH not sent'));
    });
  });
}
