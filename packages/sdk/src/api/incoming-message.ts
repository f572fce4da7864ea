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
}

/**
 * Parses the MCPTT parts of a MESSAGE. Raises MimeParseError naming the part, and only the part,
 * when one is malformed, with the parser's error as `cause`; its message is safe to log.
 */
export function readIncomingMessage(received: ReceivedMessage): IncomingMessageContent {
  const infoPart = findPart(received.parts, MCPTT_INFO_TYPE);
  const locationPart = findPart(received.parts, LOCATION_INFO_TYPE);
  return {
    claimed:
      infoPart === undefined ? undefined : parsePart('mcptt-info', infoPart.body, parseMcpttInfo),
    report:
      locationPart === undefined
        ? undefined
        : parsePart('location-info', locationPart.body, parseLocationInfo),
  };
}

function parsePart<T>(name: string, body: string, parse: (body: string) => T): T {
  try {
    return parse(body);
  } catch (error) {
    if (!(error instanceof MimeParseError)) throw error;
    throw new MimeParseError(`${name} part malformed`, { cause: error });
  }
}
