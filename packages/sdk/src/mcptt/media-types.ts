/**
 * Media types and XML namespaces of the MCPTT bodies (3GPP TS 24.379 Annex F, RFC 4826,
 * RFC 3863).
 *
 * @module
 */

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

/** Namespace of mcptt-info. */
export const MCPTT_INFO_NAMESPACE = 'urn:3gpp:ns:mcpttInfo:1.0';
/** Namespace of resource-lists (RFC 4826 §3.4). */
export const RESOURCE_LISTS_NAMESPACE = 'urn:ietf:params:xml:ns:resource-lists';
/** Namespace of the copy-control attribute (RFC 5364). */
export const COPY_CONTROL_NAMESPACE = 'urn:ietf:params:xml:ns:copycontrol';
/** Namespace of location-info (3GPP TS 24.379 Annex F.3). */
export const LOCATION_INFO_NAMESPACE = 'urn:3gpp:ns:mcpttLocationInfo:1.0';
/** Namespace of PIDF (RFC 3863). */
export const PIDF_NAMESPACE = 'urn:ietf:params:xml:ns:pidf';
/** Namespace of the MCPTT presence extensions that carry affiliations. */
export const MCPTT_PRES_INFO_NAMESPACE = 'urn:3gpp:ns:mcpttPresInfo:1.0';
