/**
 * Reads the MCPTT content of an incoming MESSAGE: the mcptt-info and location-info parts that the
 * socket took out of the body before JsSIP saw it.
 *
 * @module
 */
import { MimeParseError } from '@mcptt-smime/smime';
import type { ReceivedMessage } from '../core/smime-pipeline.js';
import { parseLocationInfo, type LocationReport } from '../mcptt/location-info.js';
import { parseMcpttInfo, type McpttInfo } from '../mcptt/mcptt-info.js';
import { LOCATION_INFO_TYPE, MCPTT_INFO_TYPE } from '../mcptt/media-types.js';
import { findPart } from './incoming-call.js';

/** The MCPTT content of an incoming MESSAGE, as its sender wrote it. */
export interface IncomingMessageContent {
  /** The mcptt-info, before the client decides which of its claims to believe. */
  readonly claimed: McpttInfo | undefined;
  readonly report: LocationReport | undefined;
  /** True when an emergency alert came with a location-info part that could not be read. */
  readonly unreadLocation: boolean;
}

/**
 * Parses the MCPTT parts of a MESSAGE. Raises MimeParseError naming the part, and only the part,
 * when one is malformed, with the parser's error as `cause`; its message is safe to log. The
 * location of an emergency alert or its cancellation is optional, so a malformed one is left out
 * (`unreadLocation`) rather than cost the alert.
 */
export function readIncomingMessage(received: ReceivedMessage): IncomingMessageContent {
  const infoPart = findPart(received.parts, MCPTT_INFO_TYPE);
  const locationPart = findPart(received.parts, LOCATION_INFO_TYPE);
  const claimed =
    infoPart === undefined ? undefined : parsePart('mcptt-info', infoPart.body, parseMcpttInfo);
  if (locationPart === undefined) return { claimed, report: undefined, unreadLocation: false };
  try {
    const report = parsePart('location-info', locationPart.body, parseLocationInfo);
    return { claimed, report, unreadLocation: false };
  } catch (error) {
    if (claimed?.alert === undefined || !(error instanceof MimeParseError)) throw error;
    return { claimed, report: undefined, unreadLocation: true };
  }
}

function parsePart<T>(name: string, body: string, parse: (body: string) => T): T {
  try {
    return parse(body);
  } catch (error) {
    if (!(error instanceof MimeParseError)) throw error;
    throw new MimeParseError(`${name} part malformed`, { cause: error });
  }
}
