/**
 * The floor control data channel of a call, created on the call's RTCPeerConnection before JsSIP
 * creates its offer or answer, so that the SDP carries an `m=application` section.
 *
 * @module
 */
import type { SdkLogger } from '../core/logger.js';
import { FloorControl, type FloorControlOptions } from './floor-control.js';
import { FLOOR_CHANNEL_ID, FLOOR_CHANNEL_LABEL, FLOOR_CHANNEL_PROTOCOL } from '@mcptt-smime/floor';

/**
 * Creates the pre-negotiated floor channel on `connection` and the {@link FloorControl} bound to
 * it. Returns undefined for a peer connection without data channels, such as a test shim, which
 * it logs.
 */
export function openCallFloor(
  connection: RTCPeerConnection,
  options: FloorControlOptions & { readonly logger: SdkLogger },
): FloorControl | undefined {
  if (typeof connection.createDataChannel !== 'function') {
    options.logger.warn('mcptt:sdk:floor', 'peer connection without data channels');
    return undefined;
  }
  const channel = connection.createDataChannel(FLOOR_CHANNEL_LABEL, {
    negotiated: true,
    id: FLOOR_CHANNEL_ID,
    protocol: FLOOR_CHANNEL_PROTOCOL,
  });
  return new FloorControl(channel, options);
}
