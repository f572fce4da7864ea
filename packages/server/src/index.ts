/**
 * The public entry of the reference MCPTT server: start it from a configuration, and start the
 * demo enrolment endpoint.
 *
 * @module
 */
export { loadConfig, parseConfig } from './config.js';
export type {
  EnrolmentConfig,
  GroupConfig,
  IdentityConfig,
  ServerConfig,
  UserConfig,
} from './config.js';
export { startEnrolmentServer } from './enrolment-server.js';
export type { EnrolmentErrorCode, EnrolmentServer } from './enrolment-server.js';
export type { CoreConnectionState } from './core-link.js';
export { McpttServer } from './mcptt-server.js';
export type { McpttServerOptions } from './mcptt-server.js';
export { createDemoPki, issueCertificate } from './openssl-ca.js';
export type { DemoPkiOptions, IssueOptions } from './openssl-ca.js';
export { TALK_INFO_PACKAGE, TALK_MEDIA_TYPE } from './talk-handler.js';
