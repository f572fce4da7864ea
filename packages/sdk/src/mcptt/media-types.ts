/**
 * Media types of the MCPTT bodies (3GPP TS 24.379 Annex F, RFC 4826, RFC 3863), and their XML
 * namespaces, which `@mcptt-smime/mcptt-xml` defines.
 *
 * @module
 */
export {
  COPY_CONTROL_NAMESPACE,
  LOCATION_INFO_NAMESPACE,
  MCPTT_INFO_NAMESPACE,
  MCPTT_PRES_INFO_NAMESPACE,
  PIDF_NAMESPACE,
  RESOURCE_LISTS_NAMESPACE,
} from '@mcptt-smime/mcptt-xml';

/** `application/vnd.3gpp.mcptt-info+xml`, the MCPTT parameters of a request or response. */
export const MCPTT_INFO_TYPE = 'application/vnd.3gpp.mcptt-info+xml';
/** `application/resource-lists+xml`, the invited MCPTT IDs (RFC 4826, RFC 5366). */
export const RESOURCE_LISTS_TYPE = 'application/resource-lists+xml';
/** `application/vnd.3gpp.mcptt-location-info+xml`, a location report. */
export const LOCATION_INFO_TYPE = 'application/vnd.3gpp.mcptt-location-info+xml';
/** `application/pidf+xml`, the affiliation status of a PUBLISH or NOTIFY (RFC 3863). */
export const PIDF_TYPE = 'application/pidf+xml';
/** Session description, the one part that stays in clear. */
export const SDP_TYPE = 'application/sdp';
