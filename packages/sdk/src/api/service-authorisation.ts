/**
 * Service authorisation with the MCPTT server (TS 24.379 §7.2.1.3): after the registration with
 * the SIP core, a PUBLISH of the `poc-settings` event to the server carries mcptt-info with the
 * MCPTT client ID and the access token. The SIP core's registrar completes the REGISTER without
 * passing it on, so this PUBLISH is the request that reaches the server. It is signed and
 * encrypted like every other body, and the server rejects it with 403 when it does not trust the
 * signer's certificate.
 *
 * @module
 */
import type { ProtectingSocket } from '../core/protecting-socket.js';
import type { SmimePipeline } from '../core/smime-pipeline.js';
import { buildMcpttInfo } from '../mcptt/mcptt-info.js';
import { MCPTT_INFO_TYPE } from '../mcptt/media-types.js';
import { sendPublish, type ChallengeAnswerer } from './publish-transaction.js';

/** Options of a service authorisation. */
export interface ServiceAuthorisationOptions {
  /** URI of the MCPTT server. */
  readonly target: string;
  /** MCPTT ID of the user. */
  readonly mcpttId: string;
  readonly clientId?: string;
  readonly accessToken?: string;
  /** Seconds the authorisation lasts; 0 withdraws it. Default 3600. */
  readonly expires?: number;
  /** Transaction timeout in milliseconds; default 32 s (Timer F). */
  readonly timeoutMs?: number;
  /** Computes credentials for a 401 or 407 challenge of the SIP core. Without it, a challenge fails. */
  readonly answerChallenge?: ChallengeAnswerer;
}

/**
 * Publishes the service settings and resolves on a 2xx with the seconds the authorisation lasts.
 * Rejects with SipRequestFailedError on an error response (403 when the server rejects the user
 * or the certificate, 408 on timeout).
 */
export function authoriseService(
  socket: ProtectingSocket,
  pipeline: SmimePipeline,
  crypto: Crypto,
  options: ServiceAuthorisationOptions,
): Promise<number> {
  const body = buildMcpttInfo({
    ...(options.accessToken === undefined ? {} : { accessToken: options.accessToken }),
    ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
  });
  return sendPublish(socket, pipeline, crypto, {
    target: options.target,
    from: options.mcpttId,
    event: 'poc-settings',
    contentType: MCPTT_INFO_TYPE,
    body,
    ...(options.expires === undefined ? {} : { expires: options.expires }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.answerChallenge === undefined ? {} : { answerChallenge: options.answerChallenge }),
  });
}
