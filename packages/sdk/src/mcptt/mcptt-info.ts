/**
 * The SDK's reader and writer of the `application/vnd.3gpp.mcptt-info+xml` body (3GPP TS 24.379
 * Annex F.1): those of `@mcptt-smime/mcptt-xml`, with the SDK's size limit and MimeParseError.
 *
 * @module
 */
import { parseMcpttInfo as readMcpttInfo, type McpttInfo } from '@mcptt-smime/mcptt-xml';
import { readXmlBody } from './xml.js';

export { buildMcpttInfo, MCPTT_SESSION_TYPES } from '@mcptt-smime/mcptt-xml';
export type { McpttInfo, McpttSessionType } from '@mcptt-smime/mcptt-xml';

/**
 * Parses mcptt-info, in any element order and with or without value wrappers. Only the children
 * of `mcptt-Params` in the mcptt-info namespace are read. Elements of other namespaces are skipped
 * with everything inside them, as the schema's extension points allow. Raises MimeParseError when
 * the XML is malformed or past the SDK's limits, the root is not `mcpttinfo` in the mcptt-info
 * namespace, a field appears twice or a boolean is not an xs:boolean. A `session-type` that is
 * not one of `MCPTT_SESSION_TYPES` is returned as it is.
 *
 * @param xml - The body, decoded as text.
 * @returns The fields found, each absent when its element is missing.
 */
export function parseMcpttInfo(xml: string): McpttInfo {
  return readXmlBody(xml, readMcpttInfo);
}
