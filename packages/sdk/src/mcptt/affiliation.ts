/**
 * The SDK's reader and writer of the `application/pidf+xml` body that carries MCPTT group
 * affiliations (RFC 3863, 3GPP TS 24.379 §9.2): those of `@mcptt-smime/mcptt-xml`, with the SDK's
 * size limit and MimeParseError.
 *
 * @module
 */
import { parseAffiliation as readAffiliation, type AffiliationInfo } from '@mcptt-smime/mcptt-xml';
import { readXmlBody } from './xml.js';

export { buildAffiliation } from '@mcptt-smime/mcptt-xml';
export type { AffiliationInfo, GroupAffiliation } from '@mcptt-smime/mcptt-xml';

/**
 * Parses the first tuple of an affiliation body, with its groups at this path:
 * `presence/tuple/status/affiliation`. The first three are in the PIDF namespace, and
 * `affiliation` and `p-id` in the MCPTT presence namespace. Elements of other namespaces are
 * skipped with their content. Raises MimeParseError when the XML is malformed or past the SDK's
 * limits, the root is not `presence`, the tuple is missing, or any tuple has two `status` or
 * `p-id` elements or an affiliation without group.
 *
 * @param xml - The body, decoded as text.
 * @returns The MCPTT ID, client ID and groups of the first tuple.
 */
export function parseAffiliation(xml: string): AffiliationInfo {
  return readXmlBody(xml, readAffiliation);
}
