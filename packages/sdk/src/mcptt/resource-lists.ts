/**
 * The SDK's reader and writer of the `application/resource-lists+xml` body that names the invited
 * MCPTT IDs of a private or ad hoc group call (RFC 4826 §3.4, RFC 5366 §4): those of
 * `@mcptt-smime/mcptt-xml`, with the SDK's size limit and MimeParseError.
 *
 * @module
 */
import { parseResourceLists as readResourceLists } from '@mcptt-smime/mcptt-xml';
import { readXmlBody } from './xml.js';

export { buildResourceLists } from '@mcptt-smime/mcptt-xml';

/** Content-Disposition of the resource-lists part of a private call (RFC 5364 §9.1). */
export const RECIPIENT_LIST_DISPOSITION = 'recipient-list';

/**
 * Returns the entry URIs of every list, nested lists included (`resource-lists/list/entry`,
 * `resource-lists/list/list/entry` and so on, in the resource-lists namespace), in document
 * order. Elements of other namespaces are skipped with their content. Raises MimeParseError when
 * the XML is malformed or past the SDK's limits, or the root is not `resource-lists`.
 *
 * @param xml - The body, decoded as text.
 * @returns The URIs, possibly none.
 */
export function parseResourceLists(xml: string): string[] {
  return readXmlBody(xml, readResourceLists);
}
