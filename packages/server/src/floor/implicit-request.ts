/**
 * The implicit floor request of a call INVITE. TS 24.379 marks it with the `mc_implicit_request`
 * fmtp parameter of the floor control `m=` line, but that SDP travels in clear and a data channel
 * `m=` line has no MCPTT fmtp. The flag therefore travels in the protected mcptt-info, in the
 * `floor-state` element of `mcptt-Params`: absent or `implicit-request` is a request, and
 * `no-request` is none.
 *
 * @module
 */
import { McpttError } from '@mcptt-smime/smime';
import { parseMcpttInfo } from '../mcptt-xml.js';

/** The `floor-state` value of an INVITE that does not request the floor. */
export const NO_FLOOR_REQUEST = 'no-request';

/** The `floor-state` value of an INVITE that requests the floor, also the default. */
export const IMPLICIT_FLOOR_REQUEST = 'implicit-request';

/**
 * True when the mcptt-info document `xml` carries an implicit floor request: when it has no
 * `floor-state` in `mcptt-Params`, or one other than `no-request`. A document that cannot be read
 * keeps the default, a request, and raises nothing. The call handler has read the INVITE's
 * mcptt-info before it set the call up, and rejected a malformed one with 400, so this check,
 * made while the caller joins the call, must not fail half way.
 */
export function hasImplicitFloorRequest(xml: string | undefined): boolean {
  if (xml === undefined) {
    return true;
  }
  try {
    return parseMcpttInfo(xml).floorState !== NO_FLOOR_REQUEST;
  } catch (error) {
    if (error instanceof McpttError) {
      return true;
    }
    throw error;
  }
}
