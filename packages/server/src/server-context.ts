/**
 * The state and services shared by the server's request handlers.
 *
 * @module
 */
import type { Logger } from 'pino';
import {
  BOUND_HEADERS,
  SipMessage,
  protectMessage,
  type LocalIdentity,
  type ReplayGuard,
  type RevocationList,
  type SipHeader,
} from '@mcptt-smime/smime';
import type { ServerConfig } from './config.js';
import type { Registry } from './registry.js';
import type { TransactionLayer } from './transaction-layer.js';
import type { CallStore } from './call-store.js';
import type { PendingInvites } from './pending-invites.js';
import { withParts, type BodyPart } from './body-parts.js';
import { protectionPolicyOf } from './plain-calls.js';
import { randomToken, requestLine } from './sip-builder.js';

/** Everything a handler needs. */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly crypto: Crypto;
  readonly identity: LocalIdentity;
  readonly trustAnchors: readonly Uint8Array[];
  /**
   * Revocation lists from `identity.revocationLists`, checked on every signed request. Replaced
   * as a whole by {@link McpttServer.reloadRevocationLists}.
   */
  revocationLists: readonly RevocationList[];
  readonly registry: Registry;
  readonly calls: CallStore;
  /** INVITEs to the server without a final response yet, for CANCEL. */
  readonly pendingInvites: PendingInvites;
  /** Short-data MESSAGEs and alerts in relay, by sender's address-of-record, for their limit. */
  readonly shortDataInRelay: Map<string, number>;
  /**
   * Latest signingTime in milliseconds of an emergency alert or cancellation relayed, by sender
   * and group (see {@link alertOrderKey}). Its size is bounded by the configured users and groups.
   */
  readonly latestAlerts: Map<string, number>;
  readonly transactions: TransactionLayer;
  readonly logger: Logger;
  /**
   * Requests already received whose signature covers their Call-ID and CSeq, so that the SIP core
   * cannot send one again. Requests reach it after the transaction layer absorbed retransmissions.
   */
  readonly replayGuard: ReplayGuard;
  /** Contact URI of the server on its WebSocket connection. */
  readonly contactUri: string;
  readonly now: () => Date;
}

/** Header fields that mark a request as MCPTT (TS 24.379 §6.2). */
export const MCPTT_HEADERS: readonly SipHeader[] = [
  { name: 'Accept-Contact', value: '*;+g.3gpp.mcptt;require;explicit' },
  { name: 'P-Asserted-Service', value: 'urn:urn-7:3gpp-service.ims.icsi.mcptt' },
];

/** Options of {@link createOutgoingRequest}. */
export interface OutgoingRequest {
  readonly method: string;
  /** Address-of-record of the user. */
  readonly target: string;
  readonly parts: readonly BodyPart[];
  readonly headers?: readonly SipHeader[];
}

/**
 * Builds a request from the server to a user, outside any dialog, with the body protected for the
 * user's certificate and signed by the server (From is the server URI, so that the user's check of
 * signer against From passes). Raises KeyNotFoundError when the user's certificate is unknown.
 */
export async function createOutgoingRequest(
  context: ServerContext,
  request: OutgoingRequest,
  recipientCertificate: Uint8Array,
): Promise<SipMessage> {
  const headers: SipHeader[] = [
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: `<${context.config.serverUri}>;tag=${randomToken()}` },
    { name: 'To', value: `<${request.target}>` },
    { name: 'Call-ID', value: randomToken(12) },
    { name: 'CSeq', value: `1 ${request.method}` },
    { name: 'Contact', value: `<${context.contactUri}>;+g.3gpp.mcptt` },
    ...MCPTT_HEADERS,
    ...(request.headers ?? []),
  ];
  const clear = withParts(
    SipMessage.create(requestLine(request.method, request.target), headers),
    request.parts,
  );
  // Signed copies of Call-ID and CSeq bind the body to this request, so that the core cannot
  // move it into another one (RFC 3261 §23.4).
  return protectMessage(clear, {
    ...protectOptions(context, recipientCertificate),
    bindHeaders: BOUND_HEADERS,
  });
}

/** Returns a response with `parts` protected for the requester and signed by the server. */
export async function protectResponse(
  context: ServerContext,
  response: SipMessage,
  parts: readonly BodyPart[],
  recipientCertificate: Uint8Array,
): Promise<SipMessage> {
  return protectMessage(withParts(response, parts), {
    ...protectOptions(context, recipientCertificate),
    bindHeaders: BOUND_HEADERS,
  });
}

function protectOptions(context: ServerContext, recipientCertificate: Uint8Array) {
  const policy = protectionPolicyOf(context);
  return {
    crypto: context.crypto,
    signer: context.identity,
    recipients: [recipientCertificate],
    now: context.now,
    ...(policy === undefined ? {} : { policy }),
    // A signed copy of the SDP's DTLS fingerprints keeps the core out of the media path.
    bindSdp: policy === undefined,
  };
}

/** Key of {@link ServerContext.latestAlerts}: a sender's address-of-record and a group ID. */
export function alertOrderKey(sender: string, groupId: string): string {
  return `${sender}\n${groupId}`;
}
