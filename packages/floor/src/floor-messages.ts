/**
 * The floor control messages of 3GPP TS 24.380, carried as JSON text on a WebRTC data
 * channel that ends at the MCPTT server, in place of the RTCP APP packets that browsers cannot
 * send. docs/floor-control.md describes the mapping.
 *
 * @module
 */

/** Label of the floor control data channel. */
export const FLOOR_CHANNEL_LABEL = 'mcptt-floor';

/** Sub-protocol of the floor control data channel: this JSON encoding, version 1. */
export const FLOOR_CHANNEL_PROTOCOL = 'mcptt-floor-json.1';

/**
 * SCTP stream ID of the channel. Both ends create it as a negotiated channel (RFC 8832 is not
 * used), so it is open as soon as SCTP is, without a DCEP round trip before the first request.
 */
export const FLOOR_CHANNEL_ID = 0;

/** Largest floor message accepted, in UTF-16 code units of the JSON text. */
export const MAX_FLOOR_MESSAGE_LENGTH = 1024;

/** Highest floor priority: TS 24.380 carries it in one octet. */
export const MAX_FLOOR_PRIORITY = 255;

/** Longest granted party identity, in UTF-16 code units, accepted in Floor Taken. */
export const MAX_IDENTITY_LENGTH = 512;

/**
 * Reject cause of Floor Deny in TS 24.380: 1 another client has permission, 2 internal
 * floor control server error, 3 only one participant, 4 retry-after timer not expired, 5 receive
 * only, 6 no resources available, 7 queue full, 255 other reason.
 */
export type FloorDenyCause = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 255;

/**
 * Reject cause of Floor Revoke in TS 24.380: 1 only one client, 2 media burst too long,
 * 3 no permission to send a media burst, 4 media burst pre-empted, 6 no resources available,
 * 255 other reason.
 */
export type FloorRevokeCause = 1 | 2 | 3 | 4 | 6 | 255;

const DENY_CAUSES: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 255];
const REVOKE_CAUSES: readonly number[] = [1, 2, 3, 4, 6, 255];

/** Floor Request: the client asks for permission to send media, at a floor priority. */
export interface FloorRequestMessage {
  readonly type: 'floor-request';
  /** Requested floor priority, 0 to 255; the server caps it by its own policy. */
  readonly priority: number;
}

/** Floor Release: the client gives up the floor, or withdraws a queued request. */
export interface FloorReleaseMessage {
  readonly type: 'floor-release';
}

/** Floor Queue Position Request: the client asks for its place in the queue. */
export interface FloorQueuePositionRequestMessage {
  readonly type: 'floor-queue-position-request';
}

/** Floor Granted: the receiver may send media for `duration` seconds. */
export interface FloorGrantedMessage {
  readonly type: 'floor-granted';
  /** Maximum talk time in seconds; 0 means no limit. */
  readonly duration: number;
  /** Floor priority that the server applied. */
  readonly priority: number;
  /** The "emergency call" bit of the Floor Indicator field of TS 24.380. */
  readonly emergency: boolean;
}

/** Floor Deny: the request is rejected. */
export interface FloorDenyMessage {
  readonly type: 'floor-deny';
  readonly cause: FloorDenyCause;
}

/** Floor Idle: nobody holds the floor. */
export interface FloorIdleMessage {
  readonly type: 'floor-idle';
}

/** Floor Taken: another participant holds the floor. */
export interface FloorTakenMessage {
  readonly type: 'floor-taken';
  /** Granted Party's Identity: the MCPTT ID of the holder. */
  readonly grantedParty: string;
  /** The Permission to Request the Floor field of TS 24.380. */
  readonly permissionToRequest: boolean;
  /** Floor Indicator "emergency call". */
  readonly emergency: boolean;
}

/** Floor Revoke: the receiver must stop sending media. */
export interface FloorRevokeMessage {
  readonly type: 'floor-revoke';
  readonly cause: FloorRevokeCause;
}

/** Floor Queue Position Info: the receiver's place in the queue. */
export interface FloorQueuePositionInfoMessage {
  readonly type: 'floor-queue-position-info';
  /** Place in the queue, 1 for the next to be granted; 0 when the client is not queued. */
  readonly position: number;
  /** Floor priority of the queued request. */
  readonly priority: number;
}

/** A message from the floor participant (the client) to the floor control server. */
export type ClientFloorMessage =
  FloorRequestMessage | FloorReleaseMessage | FloorQueuePositionRequestMessage;

/** A message from the floor control server to a floor participant. */
export type ServerFloorMessage =
  | FloorGrantedMessage
  | FloorDenyMessage
  | FloorIdleMessage
  | FloorTakenMessage
  | FloorRevokeMessage
  | FloorQueuePositionInfoMessage;

/** Any floor control message. */
export type FloorMessage = ClientFloorMessage | ServerFloorMessage;

/**
 * Encodes a floor message as the JSON text sent on the channel.
 *
 * @param message - The message to send.
 * @returns Its JSON text.
 */
export function encodeFloorMessage(message: FloorMessage): string {
  return JSON.stringify(message);
}

/**
 * Decodes one message from the channel. Returns undefined for anything that is not a valid
 * floor message: not text, too long, not JSON, an unknown type, or a field out of range. Fields
 * that the type does not define are dropped.
 *
 * @param data - What the data channel delivered, of any type.
 * @returns The message, or undefined; it never throws.
 */
export function decodeFloorMessage(data: unknown): FloorMessage | undefined {
  if (typeof data !== 'string' || data.length > MAX_FLOOR_MESSAGE_LENGTH) {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return undefined;
  }
  return readMessage(value as Readonly<Record<string, unknown>>);
}

function readMessage(fields: Readonly<Record<string, unknown>>): FloorMessage | undefined {
  const type = fields['type'];
  switch (type) {
    case 'floor-release':
    case 'floor-queue-position-request':
    case 'floor-idle':
      return { type };
    case 'floor-request':
      return isPriority(fields['priority']) ? { type, priority: fields['priority'] } : undefined;
    case 'floor-granted':
      return readGranted(fields);
    case 'floor-deny':
      return isCause(fields['cause'], DENY_CAUSES)
        ? { type, cause: fields['cause'] as FloorDenyCause }
        : undefined;
    case 'floor-taken':
      return readTaken(fields);
    case 'floor-revoke':
      return isCause(fields['cause'], REVOKE_CAUSES)
        ? { type, cause: fields['cause'] as FloorRevokeCause }
        : undefined;
    case 'floor-queue-position-info':
      return readQueuePositionInfo(fields);
    default:
      return undefined;
  }
}

function readGranted(fields: Readonly<Record<string, unknown>>): FloorGrantedMessage | undefined {
  const { duration, priority, emergency } = fields;
  if (!isCount(duration) || !isPriority(priority) || typeof emergency !== 'boolean') {
    return undefined;
  }
  return { type: 'floor-granted', duration, priority, emergency };
}

function readTaken(fields: Readonly<Record<string, unknown>>): FloorTakenMessage | undefined {
  const { grantedParty, permissionToRequest, emergency } = fields;
  if (
    typeof grantedParty !== 'string' ||
    grantedParty === '' ||
    grantedParty.length > MAX_IDENTITY_LENGTH ||
    typeof permissionToRequest !== 'boolean' ||
    typeof emergency !== 'boolean'
  ) {
    return undefined;
  }
  return { type: 'floor-taken', grantedParty, permissionToRequest, emergency };
}

function readQueuePositionInfo(
  fields: Readonly<Record<string, unknown>>,
): FloorQueuePositionInfoMessage | undefined {
  const { position, priority } = fields;
  // TS 24.380 carries the queue position in one octet.
  if (!isCount(position) || position > 255 || !isPriority(priority)) {
    return undefined;
  }
  return { type: 'floor-queue-position-info', position, priority };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isPriority(value: unknown): value is number {
  return isCount(value) && value <= MAX_FLOOR_PRIORITY;
}

function isCause(value: unknown, causes: readonly number[]): boolean {
  return typeof value === 'number' && causes.includes(value);
}
