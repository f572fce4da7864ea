/**
 * The trust that the client gives to the identity claims of a received mcptt-info. A MESSAGE or
 * INVITE relayed by the MCPTT server names the user who sent it (mcptt-calling-user-id) and the
 * group it went to (mcptt-calling-group-id), and the server checked both before it signed. Any
 * other signer could write any user or group there, so the claims count only when the server
 * vouches for them.
 *
 * @module
 */
import { addressOfRecord, type SecurityInfo } from '@mcptt-smime/smime';

import type { McpttInfo } from '../mcptt/mcptt-info.js';

/** What decides whether the MCPTT server vouches for a received message. */
export interface SenderTrust {
  /** SIP URI of the MCPTT server, or undefined when the client talks to peers directly. */
  readonly serverUri: string | undefined;
  /**
   * INSECURE measurement switch: messages in clear are accepted, so a message From the server
   * counts as the server's, with no signature to prove it.
   */
  readonly insecurePlainCalls: boolean;
}

/**
 * Returns true when the MCPTT server vouches for a message: the server signed it, or, with the
 * insecure plain switch only, it came From the server unsigned.
 */
export function vouchedByServer(trust: SenderTrust, security: SecurityInfo, from: string): boolean {
  if (trust.serverUri === undefined) return false;
  const server = addressOfRecord(trust.serverUri);
  if (security.signed) {
    return security.signerUri !== undefined && addressOfRecord(security.signerUri) === server;
  }
  return trust.insecurePlainCalls && !security.protected && addressOfRecord(from) === server;
}

/** The mcptt-info fields that only the MCPTT server may assert. */
const SERVER_CLAIMS: ReadonlySet<string> = new Set<keyof McpttInfo>([
  'callingUserId',
  'callingGroupId',
]);

/**
 * Returns the mcptt-info to believe: as received when the server vouches for it, and otherwise
 * without the calling user and calling group, which only the server may assert.
 */
export function believedInfo(info: McpttInfo | undefined, vouched: boolean): McpttInfo | undefined {
  if (info === undefined || vouched) return info;
  const believed: McpttInfo = Object.fromEntries(
    Object.entries(info).filter(([key]) => !SERVER_CLAIMS.has(key)),
  );
  return believed;
}
