/**
 * One MCPTT call on a JsSIP RTCSession, with its MCPTT content and security result.
 *
 * ```
 *   outgoing: calling ──► ringing ──► established ──► ended
 *   incoming:             ringing ──► established ──► ended
 *   any state before established ──► failed
 * ```
 *
 * @module
 */
import { TALK_INFO_PACKAGE, TALK_MEDIA_TYPE, type TalkAction } from '@mcptt-smime/floor';
import {
  DowngradeError,
  parseNameAddress,
  sameAddressOfRecord,
  type SecurityInfo,
  type SipMessage,
} from '@mcptt-smime/smime';
import type { AnswerOptions, EndEvent, RTCSession } from '../adapter/jssip/jssip-ua.js';
import { CallEmergency } from './call-emergency.js';
import { NO_FLOOR_REQUEST } from './call-request.js';
import { silentLogger, type SdkLogger } from '../core/logger.js';
import type { BodyPart } from '../core/multipart-bridge.js';
import type { ReceivedMessage, SmimePipeline } from '../core/smime-pipeline.js';
import { openCallFloor } from '../floor/call-floor-channel.js';
import type { FloorControl } from '../floor/floor-control.js';
import { buildMcpttInfo, type McpttInfo } from '../mcptt/mcptt-info.js';
import { MCPTT_INFO_TYPE } from '../mcptt/media-types.js';
import { failureOf, SipRequestFailedError } from './sip-request-failed-error.js';

/** State of a call; `ended` and `failed` are final. */
export type CallState = 'calling' | 'ringing' | 'established' | 'ended' | 'failed';

/** MCPTT parts received inside the dialog: in the 2xx answer, a re-INVITE or an UPDATE. */
export interface CallPartsEvent {
  /** Method of the request, or CSeq method of the response. */
  readonly method: string;
  /** Status of a response, undefined for a request. */
  readonly status: number | undefined;
  readonly parts: readonly BodyPart[];
  readonly security: SecurityInfo;
}

/** Callbacks of one call; each one is optional and must not throw. */
export interface McpttCallDelegate {
  onStateChange?(state: CallState): void;
  onParts?(event: CallPartsEvent): void;
  /**
   * The call became an emergency call or stopped being one: a joining caller learns it from the
   * 2xx response, the requester of an upgrade or a cancellation from the server's confirmation,
   * and every other participant from the server's UPDATE.
   */
  onEmergencyChange?(emergency: boolean): void;
}

/** Options of {@link McpttCall.accept}. */
export interface AcceptOptions {
  /** MCPTT parts for the 200 OK, which the socket adds after JsSIP built it. */
  readonly parts?: readonly BodyPart[];
  /** Media of the answer; default audio only. */
  readonly mediaConstraints?: MediaStreamConstraints;
  readonly mediaStream?: MediaStream;
}

/** Facts about a call that the client has when it creates the call. */
export interface McpttCallInit {
  readonly direction: 'outgoing' | 'incoming';
  readonly callId: string;
  /** The mcptt-info sent (outgoing) or received (incoming). */
  readonly info: McpttInfo | undefined;
  /** MCPTT IDs of the resource-lists part, empty for a group call. */
  readonly calledIds: readonly string[];
  /** Security result of the incoming INVITE; undefined for an outgoing call until answered. */
  readonly security: SecurityInfo | undefined;
  readonly pipeline: SmimePipeline;
  /**
   * URI of the far end: the target of an outgoing call, the caller of an incoming one. Messages
   * of the dialog from anyone else are dropped.
   */
  readonly remoteUri: string;
  /** Receives the records of the call's floor control; silent by default. */
  readonly logger?: SdkLogger;
  /**
   * Connection state of the transport to the SIP core. JsSIP reports a call whose connection was
   * lost during set-up as cancelled locally, so with this the call fails with 503, not 487.
   */
  readonly transportConnected?: () => boolean;
}

const CATEGORY = 'mcptt:sdk:calls';

const FINAL_STATES: ReadonlySet<CallState> = new Set(['ended', 'failed']);

/** Event handlers of a request inside a dialog, as JsSIP calls them. */
interface DialogRequestHandlers {
  onSuccessResponse(): void;
  onErrorResponse(response: Parameters<typeof failureOf>[0]): void;
  onDialogError(response: Parameters<typeof failureOf>[0]): void;
  onRequestTimeout(): void;
  onTransportError(): void;
}

/** The method of JsSIP's RTCSession that sends a request inside the dialog, which its typings lack. */
interface DialogRequests {
  /** Returns JsSIP's OutgoingRequest, or undefined without a dialog. */
  sendRequest(
    method: string,
    options: {
      readonly extraHeaders?: readonly string[];
      readonly body?: string;
      readonly eventHandlers: DialogRequestHandlers;
    },
  ): { readonly cseq?: unknown } | undefined;
}

/** Callbacks for the outcomes of a request inside the dialog. */
interface DialogOutcome {
  /** Called for a 2xx response. */
  readonly succeeded: () => void;
  /** Called with the error of a failure after the request left. */
  readonly failed: (error: Error) => void;
  /** Called with the error of a request that never left. */
  readonly unsent: (error: Error) => void;
}

/** Reason phrases of the statuses given to local failures without a response. */
const CAUSE_STATUSES: Readonly<Record<string, readonly [number, string]>> = {
  Canceled: [487, 'Request Terminated'],
  'Request Timeout': [408, 'Request Timeout'],
  'No Answer': [408, 'Request Timeout'],
  Rejected: [603, 'Decline'],
  Busy: [486, 'Busy Here'],
};

/**
 * A call set up by {@link McpttClient.startGroupCall}, {@link McpttClient.startPrivateCall} or
 * delivered by `onIncomingCall`.
 */
export class McpttCall {
  /** Callbacks of this call; set it right after the call is created. */
  delegate: McpttCallDelegate | undefined;
  /** Direction of the call: `outgoing` for a call that this client started. */
  readonly direction: 'outgoing' | 'incoming';
  /** Call-ID of the INVITE, which every message of the call carries. */
  readonly callId: string;
  /**
   * The mcptt-info of the INVITE: the one sent for an outgoing call, which names the group of a
   * group call in `requestUri`, or the one received for an incoming call, undefined when the
   * INVITE had none. The MCPTT server's INVITE names the caller in `callingUserId` and the group
   * in `callingGroupId`, and the client keeps both only when the server signed the INVITE. It
   * does not change during the call: {@link McpttCall.emergency} follows upgrades and
   * cancellations.
   */
  readonly info: McpttInfo | undefined;
  /** MCPTT IDs of the INVITE's resource-lists part, empty for a group call. */
  readonly calledIds: readonly string[];
  /** The JsSIP session, for media access (`session.connection`). */
  readonly session: RTCSession;
  readonly #pipeline: SmimePipeline;
  readonly #remoteUri: string;
  readonly #logger: SdkLogger;
  #security: SecurityInfo | undefined;
  #state: CallState;
  #answered = false;
  readonly #established: Promise<void>;
  #settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  readonly #finalListeners: (() => void)[] = [];
  #floor: FloorControl | undefined;
  readonly #emergency: CallEmergency;
  #answerRead = false;
  #hungUp = false;
  readonly #transportConnected: (() => boolean) | undefined;

  /**
   * Wraps a JsSIP session. The client creates each call; an application receives them from it.
   *
   * @param session - The JsSIP RTCSession of the call.
   * @param init - Direction, Call-ID, parties, pipeline and the other state that the client
   *   knows of the call.
   * @internal
   */
  constructor(session: RTCSession, init: McpttCallInit) {
    this.session = session;
    this.direction = init.direction;
    this.callId = init.callId;
    this.info = init.info;
    this.calledIds = init.calledIds;
    this.#security = init.security;
    this.#pipeline = init.pipeline;
    this.#remoteUri = init.remoteUri;
    this.#logger = init.logger ?? silentLogger;
    this.#transportConnected = init.transportConnected;
    const emergency = init.info?.emergency === true;
    this.#emergency = new CallEmergency({
      active: emergency,
      startedHere: init.direction === 'outgoing' && emergency,
      onChange: (active) => this.delegate?.onEmergencyChange?.(active),
    });
    this.#state = init.direction === 'outgoing' ? 'calling' : 'ringing';
    this.#established = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // The promise is marked handled here; a caller of established() still sees the rejection.
    this.#established.catch(() => undefined);
    this.#listen();
    this.#openFloor();
  }

  /**
   * Floor control of the call on its data channel to the MCPTT server (docs/floor-control.md).
   * Undefined until the call has its RTCPeerConnection: an incoming call gets it when accepted.
   * An outgoing call's floor starts in `pending-request`, because its INVITE carries an implicit
   * floor request, unless the call was started with `implicitFloorRequest: false`.
   */
  get floor(): FloorControl | undefined {
    return this.#floor;
  }

  /** Current state. */
  get state(): CallState {
    return this.#state;
  }

  /**
   * Security result of the incoming INVITE, or of the 2xx answer of an outgoing call, which
   * updates it. Only 2xx responses from the far end count, and one in clear never replaces a signed
   * one.
   */
  get security(): SecurityInfo | undefined {
    return this.#security;
  }

  /**
   * Resolves when the call is established (ACK sent or received). Rejects with
   * SipRequestFailedError when it fails first: the final response's status, and for a local
   * protection failure the error code from the socket's Warning header.
   */
  established(): Promise<void> {
    return this.#established;
  }

  /**
   * True while the call is an emergency call: from the INVITE's mcptt-info, from the signed 2xx
   * response of a call that this client joined, or after an upgrade, until a cancellation that
   * the server confirms or passes on.
   */
  get emergency(): boolean {
    return this.#emergency.active;
  }

  /**
   * True when this client started the call's current or last emergency state: with the INVITE of
   * an emergency call, or with a confirmed {@link McpttCall.upgradeToEmergency} of an ordinary
   * call. The participant who started it may end it, and so may a user whom the server authorises
   * to cancel emergencies, such as a dispatcher.
   *
   * NOTE: an emergency INVITE that joins an emergency call that another participant started also
   * sets it, because the server's 2xx does not say who started the emergency. The reference
   * server then rejects this client's cancellation with 403.
   */
  get emergencyStartedHere(): boolean {
    return this.#emergency.startedHere;
  }

  /**
   * Upgrades an established prearranged or chat group call to an emergency call (3GPP TS
   * 24.379). It sends an UPDATE without SDP whose signed and encrypted mcptt-info has
   * `emergency-ind` true. The MCPTT server gives this user the emergency floor priority and
   * passes the upgrade on to the other participants, and this user may then cancel the emergency
   * with {@link McpttCall.cancelEmergency}. In a call that another participant made an emergency
   * call, the same request is for the emergency floor priority only, and the emergency stays
   * that participant's to cancel. Resolves once the server confirms it in a signed 2xx whose
   * mcptt-info has `emergency-ind` true. Rejects with SipRequestFailedError carrying the status of
   * a rejection, or 503 when the UPDATE cannot leave, and with DowngradeError (403) for a 2xx
   * without that confirmation. Rejects with TypeError when the call is not an established group
   * call, is an emergency call that this client started, or another UPDATE of it is pending.
   *
   * @example
   * ```ts
   * // context: call: McpttCall
   * await call.upgradeToEmergency();
   * // call.emergency is true. The reference server now lets this user's next floor request
   * // pre-empt an ordinary talker.
   * ```
   */
  upgradeToEmergency(): Promise<void> {
    if (this.#state !== 'established') {
      return Promise.reject(new TypeError('the call is not established'));
    }
    const sessionType = this.info?.sessionType;
    if (sessionType !== 'prearranged' && sessionType !== 'chat') {
      return Promise.reject(new TypeError('the call is not a group call'));
    }
    if (this.#emergency.active && this.#emergency.startedHere) {
      return Promise.reject(new TypeError('the call is an emergency call started here already'));
    }
    return this.#requestEmergency(true);
  }

  /**
   * Ends the emergency state of a group call. It sends an UPDATE whose signed and encrypted
   * mcptt-info has `emergency-ind` false, and the MCPTT server passes the cancellation on to the
   * other participants. The call goes on as an ordinary call. The server decides who may cancel:
   * the reference server accepts it from the participant who started the emergency (see
   * {@link McpttCall.emergencyStartedHere}) and from users configured to cancel emergencies, and
   * rejects anyone else with 403. Resolves once the server confirms it in a signed 2xx whose
   * mcptt-info has `emergency-ind` false. Rejects with SipRequestFailedError carrying the status
   * of a rejection, or 503 when the UPDATE cannot leave, with DowngradeError (403) for a 2xx
   * without that confirmation, and with TypeError when the call is not an established emergency
   * call or another UPDATE of it is pending.
   */
  cancelEmergency(): Promise<void> {
    if (this.#state !== 'established') {
      return Promise.reject(new TypeError('the call is not established'));
    }
    if (!this.#emergency.active) {
      return Promise.reject(new TypeError('the call is not an emergency call'));
    }
    return this.#requestEmergency(false);
  }

  /**
   * Sends an UPDATE without SDP whose mcptt-info has `emergency-ind` set to `emergency`, and
   * resolves once a signed 2xx confirms it.
   */
  #requestEmergency(emergency: boolean): Promise<void> {
    // One set of parts waits per method, so a pending UPDATE would lose its parts to this one,
    // and a second emergency request would take the confirmation of the first.
    if (this.#emergency.pending || this.#pipeline.hasPendingParts(this.callId, 'UPDATE', true)) {
      return Promise.reject(new TypeError('another UPDATE of the call is pending'));
    }
    const info = buildMcpttInfo({ emergency });
    this.#pipeline.attachToNext(this.callId, 'UPDATE', true, [
      { contentType: MCPTT_INFO_TYPE, body: info },
    ]);
    const request = this.#emergency.request(emergency);
    const settled = () => this.#emergency.settle(request);
    return new Promise((resolve, reject) => {
      request.cseq = this.#sendInDialog(
        'UPDATE',
        {},
        {
          // The server confirms the change in a signed mcptt-info, which receive() has read by
          // now. A 2xx without it, such as one that the SIP core made up, changes nothing.
          succeeded: () => {
            settled();
            if (request.confirmed) {
              resolve();
            } else {
              const change = emergency ? 'the emergency' : 'the end of the emergency';
              reject(new DowngradeError(`the 2xx does not confirm ${change}`));
            }
          },
          failed: (error) => {
            settled();
            reject(error);
          },
          // Parts that no request took would leave with the next UPDATE, such as a session refresh.
          unsent: (error) => {
            settled();
            this.#pipeline.discardPendingParts(this.callId, 'UPDATE', true);
            reject(error);
          },
        },
      );
    });
  }

  /**
   * Sends a press or release of the talk button in an INFO of the `mcptt-talk` Info Package
   * (RFC 6086), for a call whose floor control data channel is not open. The `text/plain` body
   * is signed and encrypted like every other non-SDP body, so no proxy on the path can take the
   * floor in this user's name. The server hands a press to the call's floor arbitrator as a Floor
   * Request at priority 0 and a release as a Floor Release. Resolves on the 2xx, which means only
   * that the request reached the arbitrator. The outcome comes on the data channel when there is
   * one, and otherwise nowhere. Rejects with SipRequestFailedError carrying the status of a
   * rejection or a failure to send, and with TypeError when the call is not established.
   *
   * @param action - `press` or `release`; another value rejects with TypeError.
   */
  sendTalkRequest(action: TalkAction): Promise<void> {
    if (action !== 'press' && action !== 'release') {
      return Promise.reject(new TypeError("action must be 'press' or 'release'"));
    }
    if (this.#state !== 'established') {
      return Promise.reject(new TypeError('the call is not established'));
    }
    return new Promise((resolve, reject) => {
      this.#sendInDialog(
        'INFO',
        {
          extraHeaders: [`Info-Package: ${TALK_INFO_PACKAGE}`, `Content-Type: ${TALK_MEDIA_TYPE}`],
          body: action,
        },
        { succeeded: () => resolve(), failed: reject, unsent: reject },
      );
    });
  }

  /**
   * Sends `method` inside the dialog and reports its outcome to `outcome`. Returns the CSeq number
   * of the request, or undefined when JsSIP did not report one.
   */
  #sendInDialog(
    method: string,
    request: { readonly extraHeaders?: readonly string[]; readonly body?: string },
    outcome: DialogOutcome,
  ): number | undefined {
    try {
      const sent = (this.session as unknown as DialogRequests).sendRequest(method, {
        ...request,
        eventHandlers: {
          onSuccessResponse: outcome.succeeded,
          onErrorResponse: (response) => outcome.failed(failureOf(response)),
          onDialogError: (response) => outcome.failed(failureOf(response)),
          onRequestTimeout: () => outcome.failed(failureOf(undefined)),
          onTransportError: () =>
            outcome.unsent(new SipRequestFailedError(503, 'Service Unavailable')),
        },
      });
      return typeof sent?.cseq === 'number' ? sent.cseq : undefined;
    } catch (error) {
      outcome.unsent(
        error instanceof Error ? error : new TypeError(`the ${method} could not be sent`),
      );
      return undefined;
    }
  }

  /** True for an incoming call that was neither accepted nor ended yet. */
  get awaitsAnswer(): boolean {
    return this.direction === 'incoming' && !this.#answered && this.#state === 'ringing';
  }

  /**
   * Answers an incoming call with 200 OK, with optional MCPTT parts after the SDP.
   *
   * @param options - The parts, and the media constraints or stream for the answer (audio only
   *   by default).
   * @throws TypeError when the call is not an incoming call that awaits an answer.
   */
  accept(options: AcceptOptions = {}): void {
    if (!this.awaitsAnswer) throw new TypeError('the call does not await an answer');
    this.#answered = true;
    if (options.parts !== undefined && options.parts.length > 0) {
      this.#pipeline.attachToNext(this.callId, 'INVITE', false, options.parts);
    }
    const answer: AnswerOptions = {
      mediaConstraints: options.mediaConstraints ?? { audio: true, video: false },
      ...(options.mediaStream === undefined ? {} : { mediaStream: options.mediaStream }),
    };
    this.session.answer(answer);
  }

  /**
   * Rejects an incoming call with a final non-2xx response.
   *
   * @param status - The status, from 300 to 699; 486 Busy Here by default.
   * @throws TypeError when the call does not await an answer, or for another status.
   */
  reject(status = 486): void {
    if (!this.awaitsAnswer) throw new TypeError('the call does not await an answer');
    if (!Number.isInteger(status) || status < 300 || status > 699) {
      throw new TypeError('status must be a final non-2xx status');
    }
    this.session.terminate({ status_code: status });
  }

  /** Ends the call: CANCEL before an answer, BYE after it. */
  hangUp(): void {
    this.#hungUp = true;
    if (!this.session.isEnded()) this.session.terminate();
  }

  /**
   * Sends `parts` inside the dialog, with a new SDP offer, in an UPDATE (default) or a
   * re-INVITE; the socket adds them after JsSIP built the request. Returns false when JsSIP
   * cannot send an offer now, for example while another offer is pending, or while parts of an
   * earlier request of this method still wait to leave.
   *
   * @param parts - The MCPTT body parts, each protected as the policy says.
   * @param method - `UPDATE` (default) or `INVITE`.
   * @returns True when the request was handed to JsSIP.
   * @throws TypeError when the call is not established.
   */
  sendParts(parts: readonly BodyPart[], method: 'UPDATE' | 'INVITE' = 'UPDATE'): boolean {
    if (this.#state !== 'established') throw new TypeError('the call is not established');
    if (this.#pipeline.hasPendingParts(this.callId, method, true)) return false;
    this.#pipeline.attachToNext(this.callId, method, true, parts);
    return this.session.renegotiate({ useUpdate: method === 'UPDATE' });
  }

  /**
   * True when `uri`, the far end of a message of this dialog, is the call's remote party.
   *
   * @internal
   */
  isRemoteParty(uri: string | undefined): boolean {
    return uri !== undefined && sameAddressOfRecord(uri, this.#remoteUri);
  }

  /**
   * Takes an unprotected message of this dialog from the client.
   *
   * @internal
   */
  receive(received: ReceivedMessage): void {
    // The core relays the Call-ID in clear, so anyone may send a message with it. A message whose
    // far-end identity, which a signature must name, is not the call's remote party is dropped.
    // The client's pipeline rejects such a message before JsSIP receives it.
    if (!this.isRemoteParty(received.remoteUri)) return;
    const status = received.status ?? 0;
    const isAnswer = received.method === 'INVITE' && status >= 200 && status < 300;
    // Only an outgoing call takes the security of its 2xx response, and a response in clear
    // never replaces a signed one.
    if (
      isAnswer &&
      this.direction === 'outgoing' &&
      !weakerThan(received.security, this.#security)
    ) {
      this.#security = received.security;
    }
    // The far end sends its 2xx again until the ACK, so only the first one gives the state joined.
    const firstAnswer = isAnswer && this.direction === 'outgoing' && !this.#answerRead;
    if (isAnswer) this.#answerRead = true;
    // JsSIP rejects a late request of the far end, so the application gets no parts of it either.
    const current = this.#emergency.read(received, firstAnswer, this.#inDialog(received));
    if (!current || received.parts.length === 0) return;
    this.delegate?.onParts?.({
      method: received.method,
      status: received.status,
      parts: received.parts,
      security: received.security,
    });
  }

  /**
   * True when JsSIP's dialog checks the CSeq of `received`, as JsSIP 3.13 does for a request
   * other than OPTIONS and MESSAGE whose From and To tags are those of the dialog, in either
   * order. Before JsSIP has a dialog, a signed request counts.
   */
  #inDialog(received: ReceivedMessage): boolean {
    // NOTE: reads JsSIP's private `_dialog`, which its typings leave out.
    const dialog = (this.session as unknown as { _dialog?: { id?: DialogId } | null })._dialog;
    if (dialog?.id === undefined) return received.security.signed;
    if (received.method === 'OPTIONS' || received.method === 'MESSAGE') return false;
    const from = tagOf(received.message, 'From');
    const to = tagOf(received.message, 'To');
    const { local_tag: local, remote_tag: remote } = dialog.id;
    return (from === remote && to === local) || (from === local && to === remote);
  }

  /**
   * Calls `listener` once when the call reaches a final state.
   *
   * @internal
   */
  onFinal(listener: () => void): void {
    this.#finalListeners.push(listener);
  }

  #listen(): void {
    this.session.on('progress', () => this.#transition('ringing'));
    this.session.on('confirmed', () => {
      this.#transition('established');
      this.#settle?.resolve();
    });
    this.session.on('ended', () => this.#transition('ended'));
    this.session.on('failed', (event: EndEvent) => {
      this.#transition('failed');
      this.#settle?.reject(this.#lostTransport(event) ? connectionLost() : failureOfEnd(event));
    });
  }

  #openFloor(): void {
    const implicitRequest =
      this.direction === 'outgoing' && this.info?.floorState !== NO_FLOOR_REQUEST;
    let watched: RTCPeerConnection | undefined;
    const open = (connection: RTCPeerConnection): void => {
      this.#floor ??= openCallFloor(connection, { implicitRequest, logger: this.#logger });
      if (watched === connection) return;
      watched = connection;
      // Floor messages and media need the connection, so its state explains a silent floor.
      connection.addEventListener('connectionstatechange', () => {
        const state = connection.connectionState;
        this.#logger.debug(CATEGORY, 'media connection state changed', {
          callId: this.callId,
          state,
        });
      });
    };
    // JsSIP creates an outgoing call's connection inside ua.call(), before this object exists,
    // and an incoming call's connection in answer(), which it announces with `peerconnection`.
    if (this.session.connection) open(this.session.connection);
    this.session.on('peerconnection', (event: { peerconnection: RTCPeerConnection }) =>
      open(event.peerconnection),
    );
  }

  /**
   * Returns true when JsSIP cancelled the call because the transport failed. JsSIP reports that
   * as a local cancellation, the same as {@link McpttCall.hangUp}.
   */
  #lostTransport(event: EndEvent): boolean {
    return (
      // JsSIP's typings declare Originator as an enum that its code does not export.
      (event.originator as string) === 'local' &&
      event.cause === 'Canceled' &&
      !this.#hungUp &&
      this.#transportConnected?.() === false
    );
  }

  #transition(next: CallState): void {
    if (FINAL_STATES.has(this.#state) || this.#state === next) return;
    this.#state = next;
    this.delegate?.onStateChange?.(next);
    if (!FINAL_STATES.has(next)) return;
    this.#floor?.close();
    for (const listener of this.#finalListeners.splice(0)) listener();
  }
}

/** Returns the failure of a call whose transport was lost before the call was established. */
function connectionLost(): SipRequestFailedError {
  return new SipRequestFailedError(503, 'Service Unavailable, connection to the SIP core lost');
}

/** Maps JsSIP's `failed` event to the error of {@link McpttCall.established}. */
function failureOfEnd(event: EndEvent): SipRequestFailedError {
  const message = event.message as { status_code?: unknown } | null;
  if (message !== null && typeof message.status_code === 'number') {
    return failureOf(message as Parameters<typeof failureOf>[0]);
  }
  const known = Object.hasOwn(CAUSE_STATUSES, event.cause)
    ? CAUSE_STATUSES[event.cause]
    : undefined;
  const [status, reason] = known ?? [500, 'Server Internal Error'];
  return new SipRequestFailedError(status, reason);
}

/** Returns true when `next` is unsigned and `current` signed. */
function weakerThan(next: SecurityInfo, current: SecurityInfo | undefined): boolean {
  return current?.signed === true && !next.signed;
}

/** Tags of a JsSIP dialog. */
interface DialogId {
  readonly local_tag: string;
  readonly remote_tag: string;
}

/** Returns the tag of the From or To header field, or undefined without one. */
function tagOf(message: SipMessage, name: 'From' | 'To'): string | undefined {
  const value = message.getHeader(name);
  try {
    return value === undefined ? undefined : parseNameAddress(value).params.get('tag');
  } catch {
    return undefined;
  }
}
