/**
 * Requests that change an established call: a re-INVITE (RFC 3261 §14.2) or an UPDATE
 * (RFC 3311) from a participant, such as a session refresh (RFC 4028).
 *
 * The server does not renegotiate media inside a call. An offer that keeps the ICE credentials,
 * the DTLS fingerprint and the direction of the SDP already applied is answered 200 with the
 * server's current SDP, unchanged, as RFC 3264 §8 allows, and signed with its fingerprints. An
 * offer that changes any of them (an ICE restart, a new certificate, hold) gets 488, and so does
 * a re-INVITE without an offer, because the server would have to make a new offer. An UPDATE
 * without SDP gets 200.
 *
 * A signed mcptt-info with `emergency-ind` false from the participant who started an emergency
 * group call ends the call's emergency state. The call goes on as an ordinary group call, and no
 * participant keeps the emergency floor priority. The other participants get an UPDATE with the
 * same indication, and the originator a 200 OK whose signed mcptt-info repeats it, which the
 * SDK waits for. Anyone else gets 403. The mcptt-info is sensitive, so one in clear fails to
 * open (403 downgrade) before this check.
 *
 * A call becomes an emergency call only at set-up. An `emergency-ind` true inside a call gets 403,
 * so that a client that asks for an upgrade of a running call does not take a 200 for emergency
 * priority. The originator of an emergency call who repeats it gets the same signed confirmation
 * as for a cancellation, with `emergency-ind` true.
 *
 * @module
 */
import { MEDIA_TYPES, partText, textPart, withParts, type BodyPart } from './body-parts.js';
import { endEmergency } from './emergency-end.js';
import { buildMcpttInfo, parseMcpttInfo } from './mcptt-xml.js';
import { openRequest, reject, type OpenedRequest } from './request-guard.js';
import { protectResponse, type ServerContext } from './server-context.js';
import { createResponse } from './sip-builder.js';
import { dialogHeaders, findDialogLeg } from './talk-handler.js';
import type { ServerTransaction } from './transaction-layer.js';

/** Handles a re-INVITE or an UPDATE inside a call. */
export async function handleSessionUpdate(
  context: ServerContext,
  transaction: ServerTransaction,
): Promise<void> {
  const found = findDialogLeg(context, transaction);
  if (found === undefined) {
    return;
  }
  // The SDP travels in clear, so an offer alone is not signed.
  const opened = await openRequest(context, transaction, false);
  if (opened === undefined) {
    return;
  }
  if (opened.sender !== found.leg.uri) {
    reject(context, transaction, 403, 'request from another user');
    return;
  }

  // A cancellation from the originator is confirmed in the signed 200 OK, also when an earlier
  // one already ended the emergency, so that a repeated request gets the same response.
  const requested = requestedEmergency(opened);
  const isOriginator = found.leg.uri === found.call.originator;
  if (requested === false && found.call.emergency && !isOriginator) {
    reject(context, transaction, 403, 'only the originator can cancel the emergency');
    return;
  }
  if (requested === true && !(found.call.emergency && isOriginator)) {
    reject(context, transaction, 403, 'emergency upgrade inside a call not supported');
    return;
  }
  const confirmsEnd = requested === false && isOriginator;
  const confirmsEmergency = requested === true;

  const request = transaction.request;
  const media = found.call.media.media(found.leg.callId);
  const offer = partText(opened.parts, MEDIA_TYPES.sdp);
  // Only an UPDATE may come without an offer.
  const needsOffer = offer !== undefined || request.method !== 'UPDATE';
  if (
    needsOffer &&
    (media === undefined || offer === undefined || !keepsSession(media.remoteSdp, offer))
  ) {
    reject(context, transaction, 488, 'media renegotiation not supported');
    return;
  }
  if (confirmsEnd && found.call.emergency) endEmergency(context, found.call, found.leg);

  const response = createResponse(request, 200, { headers: dialogHeaders(context) });
  const parts: BodyPart[] = [];
  // The SDP answer is signed, so that the participant can check its fingerprints, as at set-up.
  if (offer !== undefined && media !== undefined) {
    parts.push(textPart(MEDIA_TYPES.sdp, media.localSdp));
  }
  if (confirmsEnd || confirmsEmergency) {
    const info = buildMcpttInfo({ emergency: confirmsEmergency });
    parts.push(textPart(MEDIA_TYPES.mcpttInfo, info));
  }
  const certificate = context.registry.certificate(found.leg.uri);
  if (parts.length === 0) transaction.respond(response);
  else if (certificate === undefined) transaction.respond(withParts(response, parts));
  else transaction.respond(await protectResponse(context, response, parts, certificate));
}

/** Returns the `emergency-ind` of the mcptt-info that `opened` carries, if any. */
function requestedEmergency(opened: OpenedRequest): boolean | undefined {
  const info = partText(opened.parts, MEDIA_TYPES.mcpttInfo);
  return info === undefined ? undefined : parseMcpttInfo(info).emergency;
}

/**
 * True when `offer` keeps the transport and direction of `previous`: the same `ice-ufrag`,
 * `ice-pwd` and `fingerprint` values, and the same direction attribute (`sendrecv` when absent,
 * RFC 8866 §6.7).
 */
export function keepsSession(previous: string | undefined, offer: string): boolean {
  if (previous === undefined) {
    return false;
  }
  return (
    ['ice-ufrag', 'ice-pwd', 'fingerprint'].every(
      (name) => attributeValues(previous, name) === attributeValues(offer, name),
    ) && direction(previous) === direction(offer)
  );
}

function attributeValues(sdp: string, name: string): string {
  const pattern = new RegExp(`^a=${name}:(.*)$`, 'gm');
  return [...sdp.matchAll(pattern)].map((match) => (match[1] ?? '').trim()).join('\n');
}

function direction(sdp: string): string {
  return /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(sdp)?.[1] ?? 'sendrecv';
}
