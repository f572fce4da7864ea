/**
 * The namespace-aware XML reader under the MCPTT body readers of the SDK and the server. It
 * raises one error class, {@link XmlSyntaxError}, whose `reason` each caller maps to its own
 * errors and SIP statuses.
 *
 * @packageDocumentation
 */
export {
  childrenNamed,
  escapeXml,
  isElement,
  MAX_XML_DEPTH,
  MAX_XML_ELEMENTS,
  parseXml,
  singleChild,
} from './xml-reader.js';
export type { XmlElement, XmlSizeLimit } from './xml-reader.js';
export { XmlSyntaxError } from './xml-syntax-error.js';
export type { XmlSyntaxErrorReason } from './xml-syntax-error.js';
