/**
 * Affiliation through a PUBLISH of a pidf that lists the user's groups (TS 24.379 §9.2.1.2).
 *
 * @module
 */
import type { ProtectingSocket } from '../core/protecting-socket.js';
import type { SmimePipeline } from '../core/smime-pipeline.js';
import { buildAffiliation, type GroupAffiliation } from '../mcptt/affiliation.js';
import { PIDF_TYPE } from '../mcptt/media-types.js';
import { checkSipUri } from './client-options.js';
import { MAX_TIMER_DELAY_MS } from './publication-refresh.js';
import { checkExpires, sendPublish, type ChallengeAnswerer } from './publish-transaction.js';

export { TIMER_F_MS } from './publish-transaction.js';

/** Options of an affiliation PUBLISH. */
export interface AffiliationOptions {
  /** Request-URI and To of the PUBLISH: the MCPTT server's URI for affiliation. */
  readonly target: string;
  /** Groups to be affiliated to; an empty list de-affiliates from all. */
  readonly groups: readonly string[];
  /** MCPTT ID; default the client's SIP URI. */
  readonly mcpttId?: string;
  /** MCPTT client ID; default the client's. */
  readonly clientId?: string;
  /**
   * Seconds the affiliation lasts, a whole number from 0 to 2^31-1; default 3600. The client
   * publishes it again before the server lets it lapse, until it is replaced or the client stops.
   * 0 withdraws it.
   */
  readonly expires?: number;
  /** Transaction timeout in milliseconds, at most 2^31-1; default 32 s (Timer F). */
  readonly timeoutMs?: number;
}

/**
 * Raises TypeError, naming the option, unless `options` is a valid {@link AffiliationOptions}:
 * `target`, every group and `mcpttId` are SIP URIs, `clientId` is a string, and `expires` and
 * `timeoutMs` are in range.
 */
export function checkAffiliationOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('affiliation options must be an object with target and groups');
  }
  const { target, groups, mcpttId, clientId, expires, timeoutMs } = options as Partial<
    Record<keyof AffiliationOptions, unknown>
  >;
  checkSipUri('target', target);
  if (!Array.isArray(groups)) throw new TypeError('groups must be an array of group URIs');
  for (const [index, group] of groups.entries()) checkSipUri(`groups[${String(index)}]`, group);
  if (mcpttId !== undefined) checkSipUri('mcpttId', mcpttId);
  if (clientId !== undefined && typeof clientId !== 'string') {
    throw new TypeError('clientId must be a string');
  }
  if (expires !== undefined) checkExpires('expires', expires, 0);
  const timeoutInRange =
    typeof timeoutMs === 'number' && timeoutMs > 0 && timeoutMs <= MAX_TIMER_DELAY_MS;
  if (timeoutMs !== undefined && !timeoutInRange) {
    throw new TypeError('timeoutMs must be a positive number of milliseconds, at most 2^31-1');
  }
}

/**
 * Sends an affiliation PUBLISH and resolves on a 2xx with the seconds the affiliation lasts.
 * `answerChallenge` computes credentials for a 401 or 407 challenge of the SIP core. Rejects with
 * SipRequestFailedError on an error response (408 on timeout), or with the protection error.
 */
export function publishAffiliation(
  socket: ProtectingSocket,
  pipeline: SmimePipeline,
  crypto: Crypto,
  options: AffiliationOptions & {
    mcpttId: string;
    clientId: string;
    answerChallenge?: ChallengeAnswerer | undefined;
  },
): Promise<number> {
  const groups: GroupAffiliation[] = options.groups.map((group) => ({ group }));
  const body = buildAffiliation({ mcpttId: options.mcpttId, clientId: options.clientId, groups });
  return sendPublish(socket, pipeline, crypto, {
    target: options.target,
    from: options.mcpttId,
    event: 'presence',
    contentType: PIDF_TYPE,
    body,
    ...(options.expires === undefined ? {} : { expires: options.expires }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.answerChallenge === undefined ? {} : { answerChallenge: options.answerChallenge }),
  });
}
