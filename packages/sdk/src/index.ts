/**
 * `@mcptt-smime/sdk`: JsSIP with transparent S/MIME protection of SIP bodies, and an MCPTT client
 * API. Exports are named one by one, so that the public surface changes only on purpose.
 *
 * @packageDocumentation
 */
export { McpttClient } from './api/mcptt-client.js';
export type { StartOptions } from './api/mcptt-client.js';
export type { McpttClientOptions } from './api/mcptt-client.js';
export type { SipCredentials } from './adapter/jssip/jssip-ua.js';
export type {
  EmergencyAlertEvent,
  IncomingCallEvent,
  LocationReportEvent,
  McpttClientDelegate,
  RefreshFailedEvent,
  ShortDataEvent,
} from './api/events.js';
export {
  AUTOMATIC_CALL_MAX_CLOCK_AHEAD_MS,
  AUTOMATIC_CALL_MAX_SIGNATURE_AGE_MS,
} from './api/call-registry.js';
export { McpttCall } from './api/mcptt-call.js';
export type {
  AcceptOptions,
  CallPartsEvent,
  CallState,
  McpttCallDelegate,
} from './api/mcptt-call.js';
export type {
  CallOptions,
  CommencementMode,
  GroupCallOptions,
  PrivateCallOptions,
} from './api/call-request.js';
export type { AffiliationOptions } from './api/publish-affiliation.js';
export { MAX_PUBLISH_EXPIRES, MIN_PUBLISH_EXPIRES } from './api/publish-transaction.js';
export { MAX_ALERT_ORDER_ENTRIES } from './api/alert-order.js';
export { FloorControl } from './floor/floor-control.js';
export type {
  FloorChangeCause,
  FloorChannel,
  FloorControlDelegate,
  FloorControlOptions,
  FloorGrantedEvent,
  FloorStateChange,
  FloorTakenEvent,
} from './floor/floor-control.js';
export type { FloorState } from './floor/floor-state.js';
export type { FloorDenyCause, FloorRevokeCause, TalkAction } from '@mcptt-smime/floor';
export { TALK_INFO_PACKAGE, TALK_MEDIA_TYPE } from '@mcptt-smime/floor';
export { SipRequestFailedError } from './api/sip-request-failed-error.js';
export { ProtectingSocket } from './core/protecting-socket.js';
export type {
  ProtectingSocketOptions,
  SocketFailureEvent,
  SocketPipeline,
} from './core/protecting-socket.js';
export { REPLAY_STORE_LOAD_TIMEOUT_MS, SmimePipeline } from './core/smime-pipeline.js';
export type {
  PinningKeyStore,
  ReceivedMessage,
  SmimePipelineOptions,
} from './core/smime-pipeline.js';
export type { BodyPart } from './core/multipart-bridge.js';
export type { SipSocket, SocketData } from './core/sip-socket.js';
export type { Schedule } from './core/schedule.js';
export { silentLogger } from './core/logger.js';
export type { LogContext, SdkLogger } from './core/logger.js';
export { buildMcpttInfo, parseMcpttInfo } from './mcptt/mcptt-info.js';
export type { McpttInfo, McpttSessionType } from './mcptt/mcptt-info.js';
export { buildResourceLists, parseResourceLists } from './mcptt/resource-lists.js';
export { buildLocationInfo, parseLocationInfo } from './mcptt/location-info.js';
export type { LocationReport } from './mcptt/location-info.js';
export { buildAffiliation, parseAffiliation } from './mcptt/affiliation.js';
export type { AffiliationInfo, GroupAffiliation } from './mcptt/affiliation.js';
export { MAX_XML_CHARS, MAX_XML_DEPTH, MAX_XML_ELEMENTS } from './mcptt/xml.js';
