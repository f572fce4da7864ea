/**
 * The namespace-aware XML reader of the MCPTT bodies, and the one reader and writer of each body
 * (mcptt-info, resource-lists, the affiliation pidf and location-info) that the SDK and the server
 * share. Everything raises one error class, {@link XmlSyntaxError}, whose `reason` each caller
 * maps to its own errors and SIP statuses.
 *
 * The body readers take the size limit as an argument, rather than a parse function or a
 * default, because the limit is the one thing in which the two callers differ. The SDK counts
 * UTF-16 code units and the server UTF-8 bytes. Each side then maps the errors in one place,
 * around the call, and that mapping also covers the schema checks that the readers make after
 * parsing.
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
export {
  COPY_CONTROL_NAMESPACE,
  LOCATION_INFO_NAMESPACE,
  MCPTT_INFO_NAMESPACE,
  MCPTT_PRES_INFO_NAMESPACE,
  PIDF_NAMESPACE,
  RESOURCE_LISTS_NAMESPACE,
} from './mcptt-namespaces.js';
export { buildMcpttInfo, MCPTT_SESSION_TYPES, parseMcpttInfo } from './mcptt-info.js';
export type { McpttInfo, McpttSessionType } from './mcptt-info.js';
export { buildResourceLists, parseResourceLists } from './resource-lists.js';
export {
  affiliatedGroups,
  buildAffiliation,
  parseAffiliation,
  parseAffiliationTuples,
} from './affiliation.js';
export type { AffiliationInfo, GroupAffiliation } from './affiliation.js';
export { buildLocationInfo, parseLocationInfo } from './location-info.js';
export type { LocationReport } from './location-info.js';
