/**
 * Parts shared by the MCPTT body readers and writers: the XML declaration that each writer
 * starts with, and the check of a body's root element.
 *
 * @module
 */
import { isElement, parseXml, type XmlElement, type XmlSizeLimit } from './xml-reader.js';
import { raiseXmlError } from './xml-syntax-error.js';

/** The XML declaration that every body written by this package starts with. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Parses `xml` within `limit` and returns its root element. Raises a `malformed`
 * `XmlSyntaxError` when the root is not `name` in `namespace`, with `label` naming the
 * body in the detail, and any error of {@link parseXml} unchanged.
 */
export function parseRoot(
  xml: string,
  limit: XmlSizeLimit,
  root: { readonly namespace: string; readonly name: string; readonly label: string },
): XmlElement {
  const element = parseXml(xml, limit);
  if (!isElement(element, root.namespace, root.name)) {
    raiseXmlError(`${root.label} root element is not ${root.name}`);
  }
  return element;
}
