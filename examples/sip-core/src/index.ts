/**
 * The untrusted SIP core of the demo: Kamailio with the project's configuration, or the embedded
 * WebSocket relay where Kamailio is not installed. Both write the same body log.
 *
 * @module
 */
export {
  BODY_BEGIN_MARKER,
  BODY_END_MARKER,
  BodyLogExtractor,
  formatBodyRecord,
  parseBodyLog,
  type BodyRecord,
} from './body-log.js';
export { findFreePort, waitForPort, waitForWebSocket } from './free-port.js';
export {
  DEFAULT_KAMAILIO_PATH,
  KAMAILIO_CONFIG_PATH,
  KAMAILIO_STOP_TIMEOUT_MS,
  findKamailio,
  startKamailio,
  type KamailioOptions,
  type RunningKamailio,
} from './kamailio.js';
export { startRelay, type RelayOptions, type RunningRelay } from './relay.js';
