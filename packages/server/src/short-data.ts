/**
 * Short data (3GPP TS 24.282 short data service, carried in SIP MESSAGE): the server opens a
 * MESSAGE addressed to it, and sends the payload on to one user or to every affiliated member of
 * a group, protected again for each recipient. The sender's identity travels inside the
 * protected mcptt-info, so the core sees only the server as the sender.
 *
 * An emergency alert (TS 24.379: mcptt-info with `alert-ind`, and `emergency-ind`, for a group in
 * mcptt-request-uri) goes the same way to the group's affiliated members, with both indications
 * in the server's signed mcptt-info and the sender's location-info when it has one. It needs no
 * other payload. An alert for anything but a configured group gets 404, so that a sender never
 * takes a 200 for an alert that no member received.
 *
 * One user may have at most {@link MAX_SHORT_DATA_PER_USER} MESSAGEs in relay at once, and
 * {@link ALERT_SHORT_DATA_RESERVE} more with emergency alerts.
 *
 * @module
 */
import { addressOfRecord } from '@mcptt-smime/smime';
import { MEDIA_TYPES, partText, textPart, type BodyPart } from './body-parts.js';
import {
  buildMcpttInfo,
  parseMcpttInfo,
  parseResourceListUris,
  type McpttInfo,
} from './mcptt-xml.js';
import { checkAuthorised, openRequest, reject, type OpenedRequest } from './request-guard.js';
import { alertOrderKey, createOutgoingRequest, type ServerContext } from './server-context.js';
import { createResponse, randomToken } from './sip-builder.js';
import type { ServerTransaction } from './transaction-layer.js';

/**
 * Maximum number of short-data MESSAGEs from one user that the server relays at once: each waits
 * for the responses of every recipient, up to one transaction timeout (32 s), and a group
 * message keeps one client transaction per affiliated member. Past the limit a MESSAGE gets 486
 * until an earlier one is done. Emergency alerts count too, with a reserve of their own.
 */
export const MAX_SHORT_DATA_PER_USER = 8;

/**
 * MESSAGEs beyond {@link MAX_SHORT_DATA_PER_USER} that a user may have in relay with emergency
 * alerts (`alert-ind` true or false), so that a user whose short data reached the limit can still
 * raise or cancel an alert. The reserve is bounded, because an alert may carry a payload and is
 * relayed to the whole group like any other group message.
 */
export const ALERT_SHORT_DATA_RESERVE = 2;

/** Handles a MESSAGE to the server: 200 when at least one recipient accepted it, else 480 or 403. */
export async function handleMessage(
  context: ServerContext,
  transaction: ServerTransaction,
): Promise<void> {
  const opened = await openRequest(context, transaction, true);
  if (opened === undefined || !checkAuthorised(context, transaction, opened)) {
    return;
  }
  const infoText = partText(opened.parts, MEDIA_TYPES.mcpttInfo);
  if (infoText === undefined) {
    reject(context, transaction, 400, 'mcptt-info missing');
    return;
  }
  const info = withGroupTarget(context, parseMcpttInfo(infoText));
  const limit = MAX_SHORT_DATA_PER_USER + (info.alert === undefined ? 0 : ALERT_SHORT_DATA_RESERVE);
  const counts = context.shortDataInRelay;
  const inRelay = counts.get(opened.sender) ?? 0;
  if (inRelay >= limit) {
    reject(context, transaction, 486, 'sender has too many messages in relay');
    return;
  }
  counts.set(opened.sender, inRelay + 1);
  try {
    await relayMessage(context, transaction, opened, info);
  } finally {
    const left = (counts.get(opened.sender) ?? 1) - 1;
    if (left > 0) counts.set(opened.sender, left);
    else counts.delete(opened.sender);
  }
}

async function relayMessage(
  context: ServerContext,
  transaction: ServerTransaction,
  opened: OpenedRequest,
  info: McpttInfo,
): Promise<void> {
  const payload = opened.parts.filter(
    (part) =>
      part.mediaType !== MEDIA_TYPES.mcpttInfo && part.mediaType !== MEDIA_TYPES.resourceLists,
  );
  const isAlert = info.alert !== undefined;
  if (!isAlert && payload.length === 0) {
    reject(context, transaction, 400, 'payload missing');
    return;
  }
  if (isAlert && info.callingGroupId === undefined) {
    reject(context, transaction, 404, 'emergency alert for no configured group');
    return;
  }

  const recipients = resolveRecipients(
    context,
    opened.sender,
    info,
    partText(opened.parts, MEDIA_TYPES.resourceLists),
  );
  if (typeof recipients === 'number') {
    reject(context, transaction, recipients, 'recipient not allowed or unknown');
    return;
  }
  // The configured group's ID, since the sender may spell the same group in many ways.
  const alertGroup = isAlert ? context.registry.group(info.callingGroupId ?? '')?.id : undefined;
  if (alertGroup !== undefined && isSuperseded(context, opened, alertGroup)) {
    reject(context, transaction, 403, 'emergency alert older than the last one relayed', {
      reasonPhrase: 'Forbidden, superseded by a later emergency alert',
    });
    return;
  }

  const forwardedInfo: McpttInfo = {
    callingUserId: opened.sender,
    ...(info.callingGroupId === undefined ? {} : { callingGroupId: info.callingGroupId }),
    ...(isAlert ? { alert: info.alert, emergency: info.emergency === true } : {}),
  };
  const statuses = await Promise.all(
    recipients.map((uri) => deliver(context, uri, forwardedInfo, payload)),
  );
  const delivered = statuses.filter((status) => status >= 200 && status < 300).length;
  context.logger.info(
    {
      callId: transaction.request.callId,
      method: 'MESSAGE',
      recipients: recipients.length,
      delivered,
      ...(isAlert ? { alert: info.alert } : {}),
    },
    isAlert ? 'emergency alert relayed' : 'short data relayed',
  );
  transaction.respond(
    createResponse(transaction.request, delivered > 0 ? 200 : 480, { toTag: randomToken() }),
  );
}

/**
 * Returns true when an emergency alert or cancellation was signed before the last one relayed
 * from the same sender for the same group, and otherwise records its signingTime. Without this
 * check, the SIP core could hold an alert back and deliver it after its cancellation, or a
 * cancellation after a new alert. signingTime has whole seconds, so messages signed within the
 * same second are relayed in the order they arrive.
 */
function isSuperseded(context: ServerContext, opened: OpenedRequest, groupId: string): boolean {
  const signedAt = opened.security.signingTime?.getTime();
  if (signedAt === undefined) return false;
  // NOTE: the times are kept in memory only, so after a restart a held-back alert signed less than
  // MAX_SIGNATURE_AGE_MS ago is relayed.
  const key = alertOrderKey(opened.sender, groupId);
  const latest = context.latestAlerts.get(key);
  if (latest !== undefined && signedAt < latest) return true;
  context.latestAlerts.set(key, signedAt);
  return false;
}

/**
 * Reads a group named by mcptt-request-uri as the calling group, as TS 24.379 names the group of
 * a group call; a mcptt-request-uri that is no configured group names a user.
 */
function withGroupTarget(context: ServerContext, info: McpttInfo): McpttInfo {
  if (info.callingGroupId !== undefined || info.requestUri === undefined) {
    return info;
  }
  return context.registry.group(info.requestUri) === undefined
    ? info
    : { ...info, callingGroupId: info.requestUri };
}

// A number is the status to reject with.
function resolveRecipients(
  context: ServerContext,
  sender: string,
  info: McpttInfo,
  resourceLists: string | undefined,
): string[] | number {
  if (info.callingGroupId !== undefined) {
    const group = context.registry.group(info.callingGroupId);
    if (group === undefined) {
      return 404;
    }
    if (!context.registry.isMember(group, sender)) {
      return 403;
    }
    return group.members
      .map((member) => addressOfRecord(member))
      .filter((member) => member !== sender && context.registry.isAffiliated(member, group));
  }

  const target =
    info.calledPartyId ??
    (resourceLists === undefined ? undefined : parseResourceListUris(resourceLists)[0]) ??
    info.requestUri;
  if (target === undefined || context.registry.user(target) === undefined) {
    return 404;
  }
  return [addressOfRecord(target)];
}

async function deliver(
  context: ServerContext,
  uri: string,
  info: McpttInfo,
  payload: readonly BodyPart[],
): Promise<number> {
  const certificate = context.registry.certificate(uri);
  if (certificate === undefined || !context.registry.isAuthorised(uri)) {
    return 480;
  }

  const message = await createOutgoingRequest(
    context,
    {
      method: 'MESSAGE',
      target: uri,
      parts: [textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo(info)), ...payload],
    },
    certificate,
  );
  const response = await context.transactions.sendRequest(message);
  const status = response.startLine.type === 'response' ? response.startLine.status : 500;
  context.logger.info(
    { callId: message.callId, method: 'MESSAGE', status },
    'short data delivered',
  );
  return status;
}
