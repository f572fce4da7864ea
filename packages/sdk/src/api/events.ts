/**
 * Events that the MCPTT client delivers through {@link McpttClientDelegate}. Every incoming
 * event carries the security result of its message.
 *
 * @module
 */
import type { SecurityInfo } from '@mcptt-smime/smime';
import type { SocketFailureEvent } from '../core/protecting-socket.js';
import type { LocationReport } from '../mcptt/location-info.js';
import type { CommencementMode } from './call-request.js';
import type { McpttCall } from './mcptt-call.js';
import type { McpttInfo } from '../mcptt/mcptt-info.js';

/** Short data received in a MESSAGE. */
export interface ShortDataEvent {
  /**
   * MCPTT ID of the sender: the mcptt-calling-user-id of a MESSAGE that the MCPTT server signed,
   * else the signer, or the From header of a message in clear.
   */
  readonly from: string;
  /**
   * The group the text went to (mcptt-calling-group-id) when the MCPTT server signed the
   * MESSAGE, or undefined for a private text or one from another sender.
   */
  readonly groupId: string | undefined;
  readonly text: string;
  readonly security: SecurityInfo;
  /** Call-ID of the MESSAGE. */
  readonly callId: string;
}

/** An emergency alert, or its cancellation, received in a MESSAGE (TS 24.379 §6.2.8.1.1). */
export interface EmergencyAlertEvent {
  /** The sender, as in {@link ShortDataEvent.from}. */
  readonly from: string;
  /**
   * The received mcptt-info. Its calling user and calling group are kept only when the MCPTT
   * server signed the MESSAGE.
   */
  readonly info: McpttInfo;
  readonly location: LocationReport | undefined;
  readonly security: SecurityInfo;
  /** Call-ID of the MESSAGE. */
  readonly callId: string;
}

/** A location report received in a MESSAGE. */
export interface LocationReportEvent {
  /** The sender, as in {@link ShortDataEvent.from}. */
  readonly from: string;
  readonly report: LocationReport;
  readonly security: SecurityInfo;
  /** Call-ID of the MESSAGE. */
  readonly callId: string;
}

/**
 * An incoming group or private call. The delegate accepts or rejects it through `call`. A call
 * in automatic commencement mode is accepted by the client after the delegate returns, unless
 * the delegate already ended it. A client with a `serverUri` takes only calls that the MCPTT
 * server signed, and rejects any other INVITE with 403 before the delegate is called.
 */
export interface IncomingCallEvent {
  readonly call: McpttCall;
  /** SIP URI of the caller, from the From header. */
  readonly from: string;
  readonly kind: 'group' | 'private';
  /**
   * The received mcptt-info, or undefined when the INVITE had none. Its calling user and calling
   * group are kept only when the MCPTT server signed the INVITE.
   */
  readonly info: McpttInfo | undefined;
  /** MCPTT IDs of the resource-lists part, empty for a group call. */
  readonly calledIds: readonly string[];
  /**
   * `automatic` when a verified signature covers `Answer-Mode: Auto` (a signed copy of the header
   * field, RFC 3261 §23.4) and the signed mcptt-info or resource-lists name the local user. The
   * signature must be made at most five minutes before the client's clock and 30 s after it, and
   * not before the client started. Otherwise `manual`, so that the app decides: for an INVITE
   * whose Answer-Mode only the SIP core saw, or one that the client's replay guard cannot have
   * seen.
   */
  readonly commencement: CommencementMode;
  readonly security: SecurityInfo;
  /** Call-ID of the INVITE, the same as `call.callId`. */
  readonly callId: string;
}

/** A refresh of the service authorisation or of the affiliation that failed. */
export interface RefreshFailedEvent {
  /** The service authorisation (PUBLISH of poc-settings) or the affiliation (of presence). */
  readonly publication: 'service-authorisation' | 'affiliation';
  /** SIP status of the failure: the response's, 408 on timeout, 500 for a local error. */
  readonly sipStatus: number;
  /** True when the client tries again in 30 seconds; false when the server rejected it. */
  readonly retrying: boolean;
}

/** Callbacks of the MCPTT client; each one is optional and must not throw. */
export interface McpttClientDelegate {
  /**
   * The client is registered: after `register()`, once the core and the MCPTT server accepted
   * it, and again each time JsSIP registers anew after {@link McpttClientDelegate.onDisconnected}.
   */
  onRegistered?(): void;
  /** The REGISTER or the service authorisation was rejected, or a registration again failed. */
  onRegistrationFailed?(cause: string): void;
  /**
   * The connection to the SIP core closed, or the registration lapsed, while the client runs.
   * Requests and calls fail until `onRegistered` comes again: JsSIP reconnects by itself, and
   * registers again once it is connected.
   */
  onDisconnected?(): void;
  /**
   * A refresh of the service authorisation or of the affiliation failed. The client refreshes
   * both before the server lets them lapse. Once the authorisation lapses, the server rejects the
   * user's calls and no longer invites the user.
   */
  onRefreshFailed?(event: RefreshFailedEvent): void;
  onShortData?(event: ShortDataEvent): void;
  /**
   * An emergency alert: mcptt-info with `alert-ind` true. A location-info part that cannot be read
   * is left out (`location` undefined) and logged, so that the alert still arrives.
   */
  onEmergencyAlert?(event: EmergencyAlertEvent): void;
  /** The cancellation of an emergency alert: mcptt-info with `alert-ind` false. */
  onEmergencyAlertCancelled?(event: EmergencyAlertEvent): void;
  onLocationReport?(event: LocationReportEvent): void;
  /** An incoming call; without this callback every incoming call is rejected with 480. */
  onIncomingCall?(event: IncomingCallEvent): void;
  /**
   * A message that could not be protected or unprotected, with its error code and SIP status. A
   * verified MESSAGE whose mcptt-info or location-info does not parse comes here too, with
   * `ERR_MIME_MALFORMED` and 400, and reaches no other callback.
   */
  onSecurityFailure?(event: SocketFailureEvent): void;
}
