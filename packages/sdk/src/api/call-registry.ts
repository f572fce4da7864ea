/**
 * The calls of one client: it starts outgoing calls on JsSIP, turns JsSIP's incoming sessions
 * into {@link McpttCall}s with their MCPTT content, and routes the unprotected parts of later
 * messages of each dialog to their call by Call-ID.
 *
 * @module
 */
import {
  IdentityMismatchError,
  parseNameAddress,
  protectedHeaderValues,
  ReplayedError,
  sameAddressOfRecord,
  type SecurityInfo,
} from '@mcptt-smime/smime';
import {
  composeInitialInvite,
  removeUaListener,
  type CallOptions as JssipCallOptions,
  type IncomingRTCSessionEvent,
  type OutgoingRTCSessionEvent,
  type RTCSession,
  type UA,
} from '../adapter/jssip/jssip-ua.js';
import type { SdkLogger } from '../core/logger.js';
import { composeMixedBody } from '../core/multipart-bridge.js';
import type { ReceivedMessage, SmimePipeline } from '../core/smime-pipeline.js';
import type { CallOptions, CallRequest } from './call-request.js';
import type { McpttClientDelegate } from './events.js';
import { readIncomingCall, type IncomingCallContent } from './incoming-call.js';
import { ANSWER_MODE } from './mcptt-headers.js';
import { McpttCall } from './mcptt-call.js';
import { MCPTT_SESSION_TYPES } from '../mcptt/mcptt-info.js';
import { believedInfo, vouchedByServer, type SenderTrust } from './sender-trust.js';
import type { ReceivedStore } from './received-store.js';

const CATEGORY = 'mcptt:sdk:calls';

/** Dependencies of a {@link CallRegistry}, shared with its client. */
export interface CallRegistryOptions {
  readonly ua: UA;
  readonly pipeline: SmimePipeline;
  readonly crypto: Crypto;
  readonly received: ReceivedStore;
  readonly logger: SdkLogger;
  readonly delegate: McpttClientDelegate | undefined;
  /**
   * The trust rules for the identities in an incoming INVITE's mcptt-info. With a server, only
   * INVITEs that the server vouches for are taken, because every MCPTT call reaches a client
   * through its MCPTT server.
   */
  readonly trust: SenderTrust;
  /** SIP URI of the local user, whom a private call must name to start without the user. */
  readonly localUri: string;
  /** Clock that the signingTime of an automatic call is compared with; default the system's. */
  readonly now?: () => Date;
}

/**
 * Largest distance in milliseconds, either way, between the signingTime of an INVITE and the
 * clock for the call to start without the user. An older signed INVITE may be a captured
 * automatic one that the SIP core replays. Five minutes allow for clock skew.
 */
export const AUTOMATIC_CALL_MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/**
 * Largest time in milliseconds by which the signingTime of an INVITE may lie ahead of the clock
 * for the call to start without the user. A signer's clock that runs ahead by more would let an
 * INVITE signed before the client started look signed after it, so such calls wait for the user.
 */
export const AUTOMATIC_CALL_MAX_CLOCK_AHEAD_MS = 30_000;

type SessionEvent = IncomingRTCSessionEvent | OutgoingRTCSessionEvent;

/** Active calls by Call-ID. */
export class CallRegistry {
  readonly #options: CallRegistryOptions;
  readonly #calls = new Map<string, McpttCall>();
  /**
   * The start of the second in which this registry was made. The replay guard remembers requests
   * only in memory, so it cannot tell an INVITE signed before then, say before a page reload,
   * from one that the core replays.
   */
  readonly #startedAt: number;

  constructor(options: CallRegistryOptions) {
    this.#options = options;
    const started = (options.now ?? (() => new Date()))().getTime();
    this.#startedAt = started - (started % 1000);
    options.ua.on('newRTCSession', (event: SessionEvent) => {
      if (event.originator === ('remote' as IncomingRTCSessionEvent['originator'])) {
        this.#incoming(event);
      }
    });
  }

  /** Number of calls that have not reached a final state. */
  get size(): number {
    return this.#calls.size;
  }

  /**
   * Sends the INVITE of `request` to `target`. The SDP offer comes first in multipart/mixed, and
   * the MCPTT parts follow it; the socket protects them on the way out.
   */
  start(target: string, request: CallRequest, options: CallOptions): McpttCall {
    const { ua, crypto, pipeline } = this.#options;
    let callId: string | undefined;
    // JsSIP announces the new session synchronously inside ua.call(), with the request.
    const capture = (event: SessionEvent): void => {
      callId ??= (event as OutgoingRTCSessionEvent).request.call_id;
    };
    ua.on('newRTCSession', capture);
    let session: RTCSession;
    try {
      session = ua.call(target, jssipCallOptions(request, options));
    } finally {
      removeUaListener(ua, 'newRTCSession', capture);
    }
    // The parts are signed when JsSIP sends the INVITE, each time it sends it, with signed copies
    // of its Call-ID and CSeq and of the offer's DTLS fingerprints, which exist only once the
    // offer does.
    const parts = request.parts;
    composeInitialInvite(session, (sdp) => composeMixedBody(sdp, parts, crypto));

    const call = new McpttCall(session, {
      direction: 'outgoing',
      callId: callId ?? '',
      info: request.info,
      calledIds: [],
      security: undefined,
      pipeline,
      // JsSIP completes a target such as a bare user name to the To URI it sends.
      // NOTE: JsSIP writes an escaped `:` of the user part unescaped, so a peer whose user part
      // contains `%3A` would not match its own messages and gets 403 for each.
      remoteUri: session.remote_identity.uri.toString(),
      logger: this.#options.logger,
      transportConnected: () => ua.isConnected(),
    });
    this.#track(call);
    return call;
  }

  /**
   * Raises `IdentityMismatchError` for a message of a known call whose far end, the From of a
   * request or the To of a response, is not the call's remote party. The SIP core relays the
   * Call-ID and the tags in clear, so without this check JsSIP would apply an answer or a
   * re-INVITE that another certificate holder signed, and the SDP with its fingerprints.
   * Raises `ReplayedError` for a new INVITE with the Call-ID of a known call, which would
   * replace that call here and so end the check for it.
   */
  checkRemoteParty(received: ReceivedMessage): void {
    const call = this.#calls.get(received.callId);
    if (call === undefined) return;
    if (isNewInvite(received)) {
      throw new ReplayedError('new INVITE with the Call-ID of a running call');
    }
    if (call.isRemoteParty(received.remoteUri)) return;
    throw new IdentityMismatchError(
      `${received.method} from another identity than the remote party of its call`,
    );
  }

  /** Routes an unprotected message of a known dialog to its call. */
  route(received: ReceivedMessage): void {
    this.#calls.get(received.callId)?.receive(received);
  }

  #track(call: McpttCall): void {
    this.#calls.set(call.callId, call);
    call.onFinal(() => {
      this.#calls.delete(call.callId);
      this.#options.pipeline.forget(call.callId);
    });
  }

  #incoming(event: IncomingRTCSessionEvent): void {
    const { request, session } = event;
    const { received, delegate, logger } = this.#options;
    // JsSIP's typings omit call_id and cseq, which every IncomingRequest has.
    const { call_id: callId, cseq } = request as unknown as { call_id: string; cseq: number };
    const unprotected = received.take(callId, cseq, 'INVITE');
    if (unprotected === undefined) {
      logger.warn(CATEGORY, 'incoming INVITE without its unprotected parts', { callId });
      session.terminate({ status_code: 500 });
      return;
    }
    const from = request.from.uri.toString();
    const vouched = vouchedByServer(this.#options.trust, unprotected.security, from);
    if (this.#options.trust.serverUri !== undefined && !vouched) {
      logger.warn(CATEGORY, 'incoming INVITE not from the MCPTT server rejected', { callId });
      session.terminate({ status_code: 403 });
      return;
    }
    let content;
    try {
      // The core may change the header field, so only the signed copy counts. The core library
      // has already rejected a header field that differs from it.
      const answerMode = protectedHeaderValues(unprotected.security, ANSWER_MODE)[0];
      content = readIncomingCall(unprotected, answerMode);
    } catch {
      logger.warn(CATEGORY, 'incoming INVITE with malformed MCPTT parts', { callId });
      session.terminate({ status_code: 400 });
      return;
    }
    if (!knownSessionType(content.info?.sessionType)) {
      // A type of a later release of TS 24.379 may ask for what a group call does not give.
      logger.warn(CATEGORY, 'incoming INVITE with an unknown session-type rejected', { callId });
      session.terminate({ status_code: 488 });
      return;
    }
    const now = (this.#options.now ?? (() => new Date()))();
    // The signed content must name this user as the called party: otherwise a user who received
    // an automatic call could pass its signed INVITE on to someone else.
    const commencement =
      automaticAllowed(unprotected.security, now, this.#startedAt) &&
      namesCalledParty(content, this.#options.localUri)
        ? content.commencement
        : 'manual';
    content = { ...content, commencement, info: believedInfo(content.info, vouched) };
    const call = this.#incomingCall(session, callId, content, unprotected.security, from);
    if (delegate?.onIncomingCall === undefined) {
      session.terminate({ status_code: 480 });
      return;
    }
    delegate.onIncomingCall({
      call,
      from,
      security: unprotected.security,
      callId,
      ...content,
    });
    if (content.commencement === 'automatic' && call.awaitsAnswer) call.accept();
  }

  #incomingCall(
    session: RTCSession,
    callId: string,
    content: ReturnType<typeof readIncomingCall>,
    security: SecurityInfo,
    remoteUri: string,
  ): McpttCall {
    const call = new McpttCall(session, {
      direction: 'incoming',
      callId,
      info: content.info,
      calledIds: content.calledIds,
      security,
      remoteUri,
      pipeline: this.#options.pipeline,
      logger: this.#options.logger,
      transportConnected: () => this.#options.ua.isConnected(),
    });
    this.#track(call);
    return call;
  }
}

/**
 * Returns true when an incoming call may start without the user, because its INVITE was signed,
 * the signature verified, its signingTime is at most {@link AUTOMATIC_CALL_MAX_SIGNATURE_AGE_MS}
 * before `now` and {@link AUTOMATIC_CALL_MAX_CLOCK_AHEAD_MS} after it, and it is no earlier than
 * `startedAt`. The SDK accepts such a call itself, which
 * opens the microphone. So these wait for the user: an INVITE in clear, whose From anyone can
 * write, an old signed one, which the core may replay, and one signed before the client
 * started, which its replay guard never saw. A client with a `serverUri` takes only INVITEs that its server
 * vouches for in the first place.
 */
function automaticAllowed(security: SecurityInfo, now: Date, startedAt: number): boolean {
  const { signed, signerUri, signingTime } = security;
  if (!signed || signerUri === undefined || signingTime === undefined) return false;
  const signedAt = signingTime.getTime();
  return (
    now.getTime() - signedAt <= AUTOMATIC_CALL_MAX_SIGNATURE_AGE_MS &&
    signedAt - now.getTime() <= AUTOMATIC_CALL_MAX_CLOCK_AHEAD_MS &&
    signedAt >= startedAt
  );
}

/**
 * Tells whether a message is an INVITE request without a To tag, for which JsSIP starts a new
 * session. Over a reliable transport such as WebSocket no request is retransmitted (RFC 3261
 * §17.1.1.2), so such an INVITE with the Call-ID of a known call is not the same call's INVITE.
 */
function isNewInvite(received: ReceivedMessage): boolean {
  if (received.status !== undefined || received.method !== 'INVITE') return false;
  const to = received.message.getHeader('To');
  try {
    return to !== undefined && !parseNameAddress(to).params.has('tag');
  } catch {
    return false;
  }
}

/** Tells whether `sessionType` is missing or one of {@link MCPTT_SESSION_TYPES}. */
function knownSessionType(sessionType: string | undefined): boolean {
  return (
    sessionType === undefined || (MCPTT_SESSION_TYPES as readonly string[]).includes(sessionType)
  );
}

/** Tells whether the signed mcptt-info or resource-lists of a call name `localUri`. */
function namesCalledParty(content: IncomingCallContent, localUri: string): boolean {
  const calledPartyId = content.info?.calledPartyId;
  const named =
    calledPartyId === undefined ? content.calledIds : [...content.calledIds, calledPartyId];
  return named.some((uri) => sameAddressOfRecord(uri, localUri));
}

function jssipCallOptions(request: CallRequest, options: CallOptions): JssipCallOptions {
  return {
    extraHeaders: [...request.headers],
    mediaConstraints: options.mediaConstraints ?? { audio: true, video: false },
    ...(options.mediaStream === undefined ? {} : { mediaStream: options.mediaStream }),
  };
}
