/**
 * Header fields that an MCPTT client adds to its requests (3GPP TS 24.379 §6.2.1, RFC 3841,
 * RFC 6050).
 *
 * @module
 */

/** The MCPTT ICSI, URN-encoded as a feature-tag value. */
export const MCPTT_ICSI_FEATURE = '"urn%3Aurn-7%3A3gpp-service.ims.icsi.mcptt"';

/** Accept-Contact and P-Preferred-Service fields of every MCPTT request. */
export const MCPTT_REQUEST_HEADERS: readonly string[] = [
  'Accept-Contact: *;+g.3gpp.mcptt;require;explicit',
  `Accept-Contact: *;+g.3gpp.icsi-ref=${MCPTT_ICSI_FEATURE};require;explicit`,
  'P-Preferred-Service: urn:urn-7:3gpp-service.ims.icsi.mcptt',
];

/**
 * Resource-Priority of emergency and imminent-peril calls. The namespace and value are
 * configuration of the MCPTT system; `mcpttp.15` is an example.
 */
export const DEFAULT_EMERGENCY_PRIORITY = 'mcpttp.15';

/** Header field of the commencement mode of a private call (RFC 5373). */
export const ANSWER_MODE = 'Answer-Mode';
