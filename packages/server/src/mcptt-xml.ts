/**
 * The MCPTT XML bodies that the server reads and writes (3GPP TS 24.379): `mcptt-info`, the
 * affiliation `pidf` of a PUBLISH, and `resource-lists`. The readers and the writer are those of
 * `@mcptt-smime/mcptt-xml`, which the SDK shares, so both ends read each body by the same rules.
 * This module gives them the server's size limit and errors, through xml-parser.ts, and reads
 * from each body what the server uses.
 *
 * @module
 */
import {
  affiliatedGroups,
  parseAffiliationTuples,
  parseMcpttInfo as readMcpttInfo,
  parseResourceLists,
  type McpttInfo,
} from '@mcptt-smime/mcptt-xml';
import { readXmlPart } from './xml-parser.js';

export { buildMcpttInfo } from '@mcptt-smime/mcptt-xml';
export type { McpttInfo } from '@mcptt-smime/mcptt-xml';
export {
  MAX_XML_DEPTH,
  MAX_XML_ELEMENTS,
  MAX_XML_PART_BYTES,
  XmlDoctypeError,
  XmlPartMalformedError,
  XmlPartTooLargeError,
} from './xml-parser.js';

/**
 * Reads `mcptt-Params` from an mcptt-info part, as `parseMcpttInfo` of `@mcptt-smime/mcptt-xml`
 * does. Raises {@link XmlPartTooLargeError} for a part larger than `MAX_XML_PART_BYTES`,
 * {@link XmlDoctypeError} for a DOCTYPE, and {@link XmlPartMalformedError} for malformed XML, a
 * root other than `mcpttinfo` in the mcptt-info namespace, a field or value wrapper that appears
 * twice, a boolean that is not an xs:boolean, or an unknown `session-type`.
 */
export function parseMcpttInfo(xml: string): McpttInfo {
  return readXmlPart(xml, readMcpttInfo);
}

/**
 * Reads the groups that an affiliation pidf requests: those of every tuple, without those whose
 * `status` is `deaffiliating` (`affiliatedGroups` of `@mcptt-smime/mcptt-xml`). An empty list
 * de-affiliates from every group. Raises the errors of {@link parseMcpttInfo} for their reasons:
 * {@link XmlPartMalformedError} also for a root other than `presence` in the PIDF namespace, a
 * pidf without tuple, a tuple with two `status` or `p-id` elements, or an affiliation without
 * `group`.
 */
export function parseAffiliationGroups(xml: string): string[] {
  return affiliatedGroups(readXmlPart(xml, parseAffiliationTuples));
}

/**
 * Reads the `uri` attributes of the entries of a resource-lists part (RFC 4826 §3.4), nested
 * lists included, in document order. Raises the errors of {@link parseMcpttInfo} for their
 * reasons: {@link XmlPartMalformedError} also for a root other than `resource-lists` in its
 * namespace.
 */
export function parseResourceListUris(xml: string): string[] {
  return readXmlPart(xml, parseResourceLists);
}
