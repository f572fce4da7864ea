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
import { parseRoot, XML_DECLARATION } from './mcptt-document.js';
import { COPY_CONTROL_NAMESPACE, RESOURCE_LISTS_NAMESPACE } from './mcptt-namespaces.js';
import { childrenNamed, escapeXml, type XmlElement, type XmlSizeLimit } from './xml-reader.js';

/**
 * Writes a resource list of `uris`, each as a `to` recipient, with CRLF line ends. Raises
 * TypeError for an empty list, or a URI with a character that XML 1.0 does not allow.
 *
 * @param uris - The recipients' URIs, in the order to write them.
 * @returns The XML document, with its XML declaration.
 */
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
    // The recursion is as deep as the lists are nested, which MAX_XML_DEPTH bounds.
    if (child.name === 'list') collectEntries(child, uris);
  }
}

/**
 * Reads the `uri` attributes of the entries of every list, nested lists included
 * (`resource-lists/list/entry`, `resource-lists/list/list/entry` and so on, in the
 * resource-lists namespace), in document order. An `entry-ref`, an `external` and an entry
 * without `uri` name no one and are skipped, and so are elements of other namespaces with their
 * content. Raises `XmlSyntaxError` with the reasons of {@link parseXml} for a body that is past
 * `limit` or not well-formed, and a `malformed` one when the root is not `resource-lists` in its
 * namespace.
 *
 * @param xml - The body, decoded as text.
 * @param limit - Size limit of the body.
 * @returns The URIs, possibly none.
 */
export function parseResourceLists(xml: string, limit: XmlSizeLimit): string[] {
  const root = parseRoot(xml, limit, {
    namespace: RESOURCE_LISTS_NAMESPACE,
    name: 'resource-lists',
    label: 'resource-lists',
  });
  const uris: string[] = [];
  for (const list of childrenNamed(root, RESOURCE_LISTS_NAMESPACE, 'list')) {
    collectEntries(list, uris);
  }
  return uris;
}
