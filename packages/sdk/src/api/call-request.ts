/**
 * The MCPTT content of a call INVITE (3GPP TS 24.379 §6.2.1, §9.2.1, §11.1.1): the mcptt-info
 * part, the resource-lists part of a private call, and the header fields that tell the SIP core
 * how to route and prioritise the call.
 *
 * @module
 */
import { createHeaderFragment, HEADER_FRAGMENT_TYPE, utf8Decode } from '@mcptt-smime/smime';
import type { BodyPart } from '../core/multipart-bridge.js';
import { buildMcpttInfo, type McpttInfo } from '../mcptt/mcptt-info.js';
import { MCPTT_INFO_TYPE, RESOURCE_LISTS_TYPE } from '../mcptt/media-types.js';
import { buildResourceLists, RECIPIENT_LIST_DISPOSITION } from '../mcptt/resource-lists.js';
import { ANSWER_MODE, DEFAULT_EMERGENCY_PRIORITY, MCPTT_REQUEST_HEADERS } from './mcptt-headers.js';

/** Options shared by every call. */
export interface CallOptions {
  /**
   * Request-URI of the INVITE: the MCPTT server's public service identity. Default: the
   * client's `serverUri`.
   */
  readonly target?: string;
  /** Marks the call as an emergency call: emergency-ind true and a Resource-Priority header. */
  readonly emergency?: boolean;
  /** Marks the call as an imminent-peril call: imminentperil-ind true and Resource-Priority. */
  readonly imminentPeril?: boolean;
  /** Resource-Priority value of emergency and imminent-peril calls (RFC 4412). */
  readonly resourcePriority?: string;
  /**
   * Whether the INVITE is an implicit Floor Request, so that the caller may talk as soon as the
   * call is up. Default true. False sends mcptt-info `floor-state`
   * `no-request`, and the call's floor starts in `idle` or `taken` instead of `pending-request`.
   */
  readonly implicitFloorRequest?: boolean;
  /** Media of the call; default audio only. */
  readonly mediaConstraints?: MediaStreamConstraints;
  readonly mediaStream?: MediaStream;
}

/** Options of a group call. */
export interface GroupCallOptions extends CallOptions {
  /** MCPTT group ID, sent as mcptt-request-uri. */
  readonly groupId: string;
  /** `prearranged` (default) or `chat`. */
  readonly sessionType?: 'prearranged' | 'chat';
  /** Makes the call a broadcast group call: broadcast-ind true (TS 24.379 §10.1.2). */
  readonly broadcast?: boolean;
}

/** Commencement mode of a private call (TS 24.379 §11.1.1). */
export type CommencementMode = 'automatic' | 'manual';

/** Options of a private call. */
export interface PrivateCallOptions extends CallOptions {
  /** MCPTT ID of the called user, sent in resource-lists. */
  readonly calleeId: string;
  /** Default `manual`: the called user accepts the call. */
  readonly commencement?: CommencementMode;
}

/** Fields of the calling client that go into mcptt-info. */
export interface CallingIdentity {
  readonly clientId: string | undefined;
}

/** The body parts and extra header fields of one call INVITE. */
export interface CallRequest {
  readonly parts: readonly BodyPart[];
  readonly headers: readonly string[];
  readonly info: McpttInfo;
}

function commonHeaders(options: CallOptions): string[] {
  const headers = [...MCPTT_REQUEST_HEADERS];
  if (options.emergency === true || options.imminentPeril === true) {
    headers.push(`Resource-Priority: ${options.resourcePriority ?? DEFAULT_EMERGENCY_PRIORITY}`);
  }
  return headers;
}

/** The `floor-state` value of an INVITE without an implicit floor request. */
export const NO_FLOOR_REQUEST = 'no-request';

function indications(
  options: CallOptions,
): Pick<McpttInfo, 'emergency' | 'imminentPeril' | 'floorState'> {
  return {
    ...(options.emergency === true ? { emergency: true } : {}),
    ...(options.imminentPeril === true ? { imminentPeril: true } : {}),
    ...(options.implicitFloorRequest === false ? { floorState: NO_FLOOR_REQUEST } : {}),
  };
}

function clientIdOf(identity: CallingIdentity): Pick<McpttInfo, 'clientId'> {
  return identity.clientId === undefined ? {} : { clientId: identity.clientId };
}

/** Builds the content of a prearranged, chat or broadcast group call INVITE. */
export function buildGroupCallRequest(
  options: GroupCallOptions,
  identity: CallingIdentity,
): CallRequest {
  if (options.groupId === '') throw new TypeError('groupId must not be empty');
  const info: McpttInfo = {
    sessionType: options.sessionType ?? 'prearranged',
    requestUri: options.groupId,
    ...indications(options),
    ...(options.broadcast === true ? { broadcast: true } : {}),
    ...clientIdOf(identity),
  };
  return {
    parts: [{ contentType: MCPTT_INFO_TYPE, body: buildMcpttInfo(info) }],
    headers: commonHeaders(options),
    info,
  };
}

/**
 * Builds the content of a private call INVITE: mcptt-info with session-type `private`, and
 * resource-lists naming the callee with `Content-Disposition: recipient-list` (RFC 5366). The
 * commencement mode goes into the Answer-Mode header field of RFC 5373, which the core needs in
 * clear to route the call, and into a signed copy of that field, without which the called party
 * takes the call as a manual one (RFC 3261 §23.4).
 */
export function buildPrivateCallRequest(
  options: PrivateCallOptions,
  identity: CallingIdentity,
): CallRequest {
  if (options.calleeId === '') throw new TypeError('calleeId must not be empty');
  const info: McpttInfo = {
    sessionType: 'private',
    ...indications(options),
    ...clientIdOf(identity),
  };
  const answerMode = options.commencement === 'automatic' ? 'Auto' : 'Manual';
  return {
    parts: [
      { contentType: MCPTT_INFO_TYPE, body: buildMcpttInfo(info) },
      {
        contentType: RESOURCE_LISTS_TYPE,
        contentDisposition: RECIPIENT_LIST_DISPOSITION,
        body: buildResourceLists([options.calleeId]),
      },
      answerModePart(answerMode),
    ],
    headers: [...commonHeaders(options), `${ANSWER_MODE}: ${answerMode}`],
    info,
  };
}

/**
 * Builds the part that carries a signed copy of the Answer-Mode header field. The SIP core can
 * read and change the header field, while the copy travels signed and encrypted.
 */
export function answerModePart(answerMode: 'Auto' | 'Manual'): BodyPart {
  const fragment = createHeaderFragment([{ name: ANSWER_MODE, value: answerMode }]);
  return { contentType: HEADER_FRAGMENT_TYPE, body: utf8Decode(fragment.body) };
}
