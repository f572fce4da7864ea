/**
 * XML namespaces of the MCPTT bodies (3GPP TS 24.379 Annex F, RFC 4826, RFC 5364, RFC 3863).
 * The readers match each element by one of these and its local name, whatever prefix the sender
 * chose.
 *
 * @module
 */

/** Namespace of mcptt-info (TS 24.379 Annex F.1). */
export const MCPTT_INFO_NAMESPACE = 'urn:3gpp:ns:mcpttInfo:1.0';
/** Namespace of resource-lists (RFC 4826 §3.4). */
export const RESOURCE_LISTS_NAMESPACE = 'urn:ietf:params:xml:ns:resource-lists';
/** Namespace of the copy-control attribute of a resource-lists entry (RFC 5364). */
export const COPY_CONTROL_NAMESPACE = 'urn:ietf:params:xml:ns:copycontrol';
/** Namespace of location-info (TS 24.379 Annex F.3). */
export const LOCATION_INFO_NAMESPACE = 'urn:3gpp:ns:mcpttLocationInfo:1.0';
/** Namespace of PIDF (RFC 3863). */
export const PIDF_NAMESPACE = 'urn:ietf:params:xml:ns:pidf';
/** Namespace of the MCPTT presence extension that carries affiliations (TS 24.379 §9.2). */
export const MCPTT_PRES_INFO_NAMESPACE = 'urn:3gpp:ns:mcpttPresInfo:1.0';
