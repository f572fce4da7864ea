/**
 * PUBLISH, which JsSIP lacks. The SDK builds the request itself, sends it through the protecting
 * socket and runs a small non-INVITE client transaction (RFC 3261 §17.1.2): the first final
 * response ends it, and Timer F (64·T1 = 32 s) times it out. After a 401 or 407 Digest challenge
 * the PUBLISH goes once more with credentials, as JsSIP does for its own requests (RFC 3261 §22.2).
 *
 * NOTE: the request is not retransmitted (Timer E), which RFC 3261 §17.1.2.2 requires only on
 * unreliable transports; SIP over WebSocket is reliable.
 *
 * @module
 */
import type { ChallengedRequest, DigestAnswer } from '../adapter/jssip/jssip-ua.js';
import { reasonPhraseOf, toProtectionFailure, type ProtectionFailure } from '../core/failure.js';
import type { ProtectingSocket } from '../core/protecting-socket.js';
import type { ReceivedMessage, SmimePipeline } from '../core/smime-pipeline.js';
import { MCPTT_REQUEST_HEADERS } from './mcptt-headers.js';
import { SipRequestFailedError } from './sip-request-failed-error.js';

/** Timer F of RFC 3261 §17.1.2.2 in milliseconds (64·T1 with T1 = 500 ms). */
export const TIMER_F_MS = 32_000;

/** Lifetime of a publication in seconds when the request sets no Expires. */
export const DEFAULT_PUBLISH_EXPIRES = 3600;

/**
 * Shortest lifetime in seconds that the client takes from a 2xx to a PUBLISH, unless its own
 * request was shorter. The Expires header of the 2xx crosses the SIP core in clear, so a smaller
 * value counts as this one. A refresh then comes at most every 30 s, and `Expires: 0` does not
 * stop the refreshes of a publication that requested a lifetime.
 */
export const MIN_PUBLISH_EXPIRES = 60;

/** Largest lifetime in seconds that the client puts in an Expires header, 2^31-1. */
export const MAX_PUBLISH_EXPIRES = 2 ** 31 - 1;

/**
 * Raises TypeError, naming the option, unless `value` is a whole number of seconds from
 * `minimum` to {@link MAX_PUBLISH_EXPIRES}.
 */
export function checkExpires(name: string, value: unknown, minimum: 0 | 1): void {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < minimum ||
    value > MAX_PUBLISH_EXPIRES
  ) {
    throw new TypeError(
      `${name} must be a whole number of seconds from ${minimum} to ${MAX_PUBLISH_EXPIRES}`,
    );
  }
}

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
  /**
   * Computes the user's credentials for a 401 or 407 Digest challenge. Without it, a challenge
   * ends the PUBLISH as any other error response does.
   */
  readonly answerChallenge?: ChallengeAnswerer;
}

/** Computes the credentials for a challenged request; see `answerDigestChallenge`. */
export type ChallengeAnswerer = (
  status: 401 | 407,
  challenges: readonly string[],
  request: ChallengedRequest,
) => DigestAnswer;

/**
 * Fields in which the first PUBLISH and its retry with credentials differ. The retry keeps
 * the Call-ID and From tag, and takes the next CSeq and a new Via branch (RFC 3261 §8.1.3.5).
 */
export interface PublishAttempt {
  readonly callId: string;
  readonly fromTag: string;
  readonly cseq: number;
  /** The Authorization or Proxy-Authorization field of a retry after a challenge. */
  readonly credentials?: { readonly name: string; readonly value: string };
}

function token(crypto: Crypto): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Builds the PUBLISH text and returns it with its Call-ID: a new request, or with `attempt` its
 * retry after a challenge.
 */
export function buildPublishRequest(
  request: PublishRequest,
  transport: string,
  crypto: Crypto,
  attempt: PublishAttempt = { callId: token(crypto), fromTag: token(crypto), cseq: 1 },
): { text: string; callId: string } {
  const { callId, credentials } = attempt;
  const length = new TextEncoder().encode(request.body).length;
  const text = [
    `PUBLISH ${request.target} SIP/2.0`,
    `Via: SIP/2.0/${transport} ${token(crypto)}.invalid;branch=z9hG4bK${token(crypto)}`,
    'Max-Forwards: 70',
    `From: <${request.from}>;tag=${attempt.fromTag}`,
    `To: <${request.target}>`,
    `Call-ID: ${callId}`,
    `CSeq: ${String(attempt.cseq)} PUBLISH`,
    ...(credentials === undefined ? [] : [`${credentials.name}: ${credentials.value}`]),
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
 * Reads the lifetime that a 2xx to a PUBLISH grants (RFC 3903 §4.1) from its Expires header. The
 * header crosses the SIP core in clear, so a missing, malformed or larger value counts as
 * `requested`. A value below {@link MIN_PUBLISH_EXPIRES} counts as that minimum, or as
 * `requested` when the request was shorter, so a request for 0 is granted 0.
 */
export function grantedExpires(header: string | undefined, requested: number): number {
  const value = header === undefined || !/^\s*\d{1,10}\s*$/.test(header) ? NaN : Number(header);
  if (!Number.isSafeInteger(value) || value > requested) return requested;
  return Math.max(value, Math.min(requested, MIN_PUBLISH_EXPIRES));
}

/**
 * Sends a PUBLISH, protected like every other body, and resolves on a 2xx with the lifetime it
 * granted in seconds (see {@link grantedExpires}). After a 401 or 407, the PUBLISH goes once more
 * with the next CSeq and the credentials of `request.answerChallenge`, and the pipeline protects
 * its body afresh, so that the signed copy of the CSeq matches.
 *
 * Rejects with SipRequestFailedError on an error response, on a second challenge, and on a
 * challenge without `answerChallenge` or without a supported Digest challenge. The code is then
 * `ERR_NOT_SUPPORTED` when the challenge requires `qop=auth-int` or another algorithm than MD5.
 * Also rejects on a final response that fails unprotection, and on a PUBLISH that cannot be
 * protected, with that failure's status and code, as a synthetic response gives them to the
 * requests that JsSIP sends. Rejects with 408 on timeout, and with the TypeError of a caller's
 * mistake, such as a socket that is not connected.
 */
export function sendPublish(
  socket: ProtectingSocket,
  pipeline: SmimePipeline,
  crypto: Crypto,
  request: PublishRequest,
): Promise<number> {
  let attempt: PublishAttempt = { callId: token(crypto), fromTag: token(crypto), cseq: 1 };
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fail = (error: Error) => {
      clearTimeout(timer);
      release();
      reject(error);
    };
    const transmit = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => fail(new SipRequestFailedError(408, 'Request Timeout')),
        request.timeoutMs ?? TIMER_F_MS,
      );
      const { text } = buildPublishRequest(request, socket.via_transport, crypto, attempt);
      socket.transmit(text).catch((error: unknown) => {
        // A TypeError, such as for a socket that is not connected, is a caller's mistake.
        fail(error instanceof TypeError ? error : failedBy(toProtectionFailure(error), error));
      });
    };
    const release = pipeline.claimResponses(
      attempt.callId,
      (response) => {
        const status = response.status ?? 0;
        // A late response to the challenged request has the CSeq before this one.
        if (status < 200 || response.cseq.sequence !== attempt.cseq) return;
        if ((status === 401 || status === 407) && attempt.credentials === undefined) {
          const answer = answerOf(request, status, response);
          if (answer.outcome === 'answered') {
            attempt = { ...attempt, cseq: attempt.cseq + 1, credentials: answer.credentials };
            transmit();
            return;
          }
          if (answer.outcome === 'unsupported') {
            fail(new SipRequestFailedError(status, reasonOf(response), 'ERR_NOT_SUPPORTED'));
            return;
          }
        }
        if (status >= 300) {
          fail(new SipRequestFailedError(status, reasonOf(response)));
          return;
        }
        clearTimeout(timer);
        release();
        const requested = request.expires ?? DEFAULT_PUBLISH_EXPIRES;
        resolve(grantedExpires(response.message.getHeader('Expires'), requested));
      },
      // A response that fails unprotection ends the PUBLISH at once, as its status would.
      (failure) => fail(failedBy(failure)),
    );
    transmit();
  });
}

function reasonOf(response: ReceivedMessage): string {
  const start = response.message.startLine;
  return start.type === 'response' ? start.reasonPhrase : reasonPhraseOf(response.status ?? 0);
}

type ChallengeOutcome =
  | { readonly outcome: 'answered'; readonly credentials: { name: string; value: string } }
  | { readonly outcome: 'unsupported' | 'unanswered' };

/** Computes the credentials for a 401 or 407 to `request`, when it has a credentials function. */
function answerOf(
  request: PublishRequest,
  status: 401 | 407,
  response: ReceivedMessage,
): ChallengeOutcome {
  if (request.answerChallenge === undefined) return { outcome: 'unanswered' };
  const [challenge, authorization] =
    status === 401
      ? ['WWW-Authenticate', 'Authorization']
      : ['Proxy-Authenticate', 'Proxy-Authorization'];
  const answer = request.answerChallenge(status, response.message.getHeaders(challenge), {
    method: 'PUBLISH',
    uri: request.target,
  });
  if (answer.outcome === 'answered') {
    return { outcome: 'answered', credentials: { name: authorization, value: answer.value } };
  }
  return { outcome: answer.outcome === 'unsupported' ? 'unsupported' : 'unanswered' };
}

/**
 * Returns the error of a PUBLISH that failed locally: its protection, or the unprotection of its
 * response. `cause` is the error that the protection raised, kept for debugging.
 */
function failedBy(failure: ProtectionFailure, cause?: unknown): SipRequestFailedError {
  const status = failure.sipStatus;
  return new SipRequestFailedError(status, reasonPhraseOf(status), failure.code, { cause });
}
