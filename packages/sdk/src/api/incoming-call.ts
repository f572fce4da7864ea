/**
 * Reads the MCPTT content of an incoming call INVITE: the mcptt-info and resource-lists parts
 * that the socket took out of the multipart body before JsSIP saw it, and the commencement mode.
 *
 * @module
 */
import type { BodyPart } from '../core/multipart-bridge.js';
import type { ReceivedMessage } from '../core/smime-pipeline.js';
import { parseMcpttInfo, type McpttInfo } from '../mcptt/mcptt-info.js';
import { MCPTT_INFO_TYPE, RESOURCE_LISTS_TYPE } from '../mcptt/media-types.js';
import { parseResourceLists } from '../mcptt/resource-lists.js';
import type { CommencementMode } from './call-request.js';

/** The MCPTT content of an incoming call. */
export interface IncomingCallContent {
  /** `private` when session-type is private or the INVITE names a callee, else `group`. */
  readonly kind: 'group' | 'private';
  readonly info: McpttInfo | undefined;
  readonly calledIds: readonly string[];
  readonly commencement: CommencementMode;
}

/** First part of this media type, compared without parameters and case. */
export function findPart(parts: readonly BodyPart[], mediaType: string): BodyPart | undefined {
  return parts.find((p) => p.contentType.split(';', 1)[0]?.trim().toLowerCase() === mediaType);
}

/**
 * Parses the MCPTT parts of an incoming INVITE. `answerMode` is the Answer-Mode value (RFC 5373)
 * that the caller signed, undefined when no signature covers one. Raises MimeParseError when a
 * part is malformed.
 */
export function readIncomingCall(
  received: ReceivedMessage,
  answerMode: string | undefined,
): IncomingCallContent {
  const infoPart = findPart(received.parts, MCPTT_INFO_TYPE);
  const listPart = findPart(received.parts, RESOURCE_LISTS_TYPE);
  const info = infoPart === undefined ? undefined : parseMcpttInfo(infoPart.body);
  const calledIds = listPart === undefined ? [] : parseResourceLists(listPart.body);
  const isPrivate = info?.sessionType === 'private' || calledIds.length > 0;
  return {
    kind: isPrivate ? 'private' : 'group',
    info,
    calledIds,
    // RFC 5373 allows parameters after the value, such as `Auto;require`.
    commencement:
      answerMode?.split(';', 1)[0]?.trim().toLowerCase() === 'auto' ? 'automatic' : 'manual',
  };
}
