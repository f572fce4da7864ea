/**
 * The `application/resource-lists+xml` body that names the invited MCPTT IDs of a private or ad
 * hoc group call (RFC 4826 §3.4, RFC 5366 §4, 3GPP TS 24.379 §6.2.1). In a private call it is
 * sent with `Content-Disposition: recipient-list`.
 *
 * ```xml
 * <resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"
 *     xmlns:cc="urn:ietf:params:xml:ns:copycontrol">
 *   <list><entry uri="sip:mcptt-id-B@example" cc:copyControl="to"/></list>
 * </resource-lists>
 * ```
 *
 * @module
 */
import { MimeParseError } from '@mcptt-smime/smime';
import { COPY_CONTROL_NAMESPACE, RESOURCE_LISTS_NAMESPACE } from './media-types.js';
import {
  childrenNamed,
  escapeXml,
  isElement,
  parseXml,
  XML_DECLARATION,
  type XmlElement,
} from './xml.js';

/** Content-Disposition of the resource-lists part of a private call (RFC 5364 §9.1). */
export const RECIPIENT_LIST_DISPOSITION = 'recipient-list';

/** Serialises a resource list of `uris`, each as a `to` recipient. */
export function buildResourceLists(uris: readonly string[]): string {
  if (uris.length === 0) throw new TypeError('resource-lists needs at least one URI');
  const entries = uris.map((uri) => `    <entry uri="${escapeXml(uri)}" cc:copyControl="to"/>`);
  return [
    XML_DECLARATION,
    `<resource-lists xmlns="${RESOURCE_LISTS_NAMESPACE}" xmlns:cc="${COPY_CONTROL_NAMESPACE}">`,
    '  <list>',
    ...entries,
    '  </list>',
    '</resource-lists>',
    '',
  ].join('\r\n');
}

/** Adds the `uri` of each `entry` of `list` and of the lists nested in it, in document order. */
function collectEntries(list: XmlElement, uris: string[]): void {
  for (const child of list.children) {
    if (child.namespace !== RESOURCE_LISTS_NAMESPACE) continue;
    const uri = child.name === 'entry' ? child.attributes.get('uri') : undefined;
    if (uri !== undefined) uris.push(uri);
    if (child.name === 'list') collectEntries(child, uris);
  }
}

/**
 * Returns the entry URIs of every list, nested lists included (`resource-lists/list/entry`,
 * `resource-lists/list/list/entry` and so on, in the resource-lists namespace). Elements of other
 * namespaces are skipped with their content. Raises MimeParseError when the XML is malformed or
 * the root is not `resource-lists`.
 */
export function parseResourceLists(xml: string): string[] {
  const root = parseXml(xml);
  if (!isElement(root, RESOURCE_LISTS_NAMESPACE, 'resource-lists')) {
    throw new MimeParseError('resource-lists root element is not resource-lists');
  }
  const uris: string[] = [];
  for (const list of childrenNamed(root, RESOURCE_LISTS_NAMESPACE, 'list')) {
    collectEntries(list, uris);
  }
  return uris;
}
