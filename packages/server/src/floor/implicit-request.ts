/**
 * The implicit floor request of a call INVITE. TS 24.379 marks it with the `mc_implicit_request`
 * fmtp parameter of the floor control `m=` line, but that SDP travels in clear and a data channel
 * `m=` line has no MCPTT fmtp. The flag therefore travels in the protected mcptt-info, in the
 * `floor-state` element of `mcptt-Params`: absent or `implicit-request` is a request, and
 * `no-request` is none.
 *
 * @module
 */
import { readElementText } from '../mcptt-xml.js';

/** The `floor-state` value of an INVITE that does not request the floor. */
export const NO_FLOOR_REQUEST = 'no-request';

/** The `floor-state` value of an INVITE that requests the floor, also the default. */
export const IMPLICIT_FLOOR_REQUEST = 'implicit-request';

/**
 * True when the mcptt-info document `xml` carries an implicit floor request. The scans of the
 * document only move forward, so this takes time linear in its size.
 */
export function hasImplicitFloorRequest(xml: string | undefined): boolean {
  return xml === undefined || readElementText(xml, 'floor-state') !== NO_FLOOR_REQUEST;
}
