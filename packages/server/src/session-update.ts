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
 * A signed mcptt-info with `emergency-ind` true from a participant of a group call upgrades the
 * call to an emergency call (3GPP TS 24.379) when it is not one, and gives that participant the
 * emergency floor priority. The participant becomes the call's emergency caller, the one who may
 * cancel the emergency, and the other participants get an UPDATE with the same indication.
 * Another participant who requests it while the call is an emergency call gets the priority
 * only. A private call cannot become an emergency call, so the request gets 403.
 *
 * A signed mcptt-info with `emergency-ind` false from the emergency caller, or from a participant
 * whose user configuration has `mayCancelEmergencies`, ends the call's emergency state. The call
 * goes on as an ordinary group call, and no participant keeps the emergency floor priority. The
 * other participants get an UPDATE with the same indication. Anyone else gets 403 while the call
 * is an emergency call. An authorised user, such as a dispatcher, can so end an emergency whose
 * caller has left the call.
 *
 * The requester gets a 200 OK whose signed mcptt-info repeats the indication, which the SDK waits
 * for. A repeated request gets the same 200 OK. The mcptt-info is sensitive, so one in clear
 * fails to open (403 downgrade) before these checks.
 *
 * @module
 */
import type { SipMessage } from '@mcptt-smime/smime';
import { MEDIA_TYPES, partText, textPart, withParts, type BodyPart } from './body-parts.js';
import type { Call, CallLeg } from './call-store.js';
import { inArrivalOrder, type Dialog } from './dialog.js';
import { endEmergency, upgradeToEmergency } from './emergency-state.js';
import { buildMcpttInfo, parseMcpttInfo } from './mcptt-xml.js';
import { openRequest, reject, type OpenedRequest } from './request-guard.js';
import { protectResponse, type ServerContext } from './server-context.js';
import { createResponse } from './sip-builder.js';
import { dialogHeaders, findDialogLeg, rejectIfLeft, rejectIfOutOfOrder } from './talk-handler.js';
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
  const opened = await inArrivalOrder(
    found.leg.dialog as Dialog,
    openRequest(context, transaction, false),
  );
  if (opened === undefined || rejectIfLeft(context, transaction, found)) {
    return;
  }
  const { call, leg } = found;
  if (opened.sender !== leg.uri) {
    reject(context, transaction, 403, 'request from another user');
    return;
  }
  if (rejectIfOutOfOrder(context, transaction, found, opened)) return;

  const requested = requestedEmergency(opened);
  if (requested === true && call.kind === 'private') {
    reject(context, transaction, 403, 'emergency upgrade of a private call not allowed');
    return;
  }
  // A cancellation from a participant who may cancel is confirmed in the signed 200 OK, also
  // when an earlier one already ended the emergency, so that a repeated request gets the same
  // response.
  const mayCancel = mayCancelEmergency(context, call, leg);
  if (requested === false && call.emergency && !mayCancel) {
    reject(context, transaction, 403, 'not authorised to cancel the emergency');
    return;
  }
  const confirmsEnd = requested === false && mayCancel;
  const confirmsEmergency = requested === true;

  const request = transaction.request;
  const media = call.media.media(leg.callId);
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
  // The offer is checked first, so that a request that gets 488 changes nothing.
  if (confirmsEmergency) upgradeToEmergency(context, call, leg);
  if (confirmsEnd && call.emergency) endEmergency(context, call, leg);

  // The SDP answer is signed, so that the participant can check its fingerprints, as at set-up.
  const sdp = offer === undefined ? undefined : media?.localSdp;
  const confirmed = confirmsEnd || confirmsEmergency ? call : undefined;
  transaction.respond(await answerUpdate(context, request, leg, sdp, confirmed));
}

/**
 * Builds the 200 OK to a re-INVITE or UPDATE from `leg`'s participant, with `sdp` when given.
 * With `confirmed`, it carries that call's emergency state in an mcptt-info, which is the state
 * that the participant requested unless another request changed it since. Parts are protected
 * for the participant, or left in clear without a certificate, which only `insecurePlainCalls`
 * allows.
 */
async function answerUpdate(
  context: ServerContext,
  request: SipMessage,
  leg: CallLeg,
  sdp: string | undefined,
  confirmed: Call | undefined,
): Promise<SipMessage> {
  const response = createResponse(request, 200, { headers: dialogHeaders(context) });
  const certificate = context.registry.certificate(leg.uri);
  const answer = (emergency: boolean | undefined): Promise<SipMessage> | SipMessage => {
    const parts: BodyPart[] = [];
    if (sdp !== undefined) parts.push(textPart(MEDIA_TYPES.sdp, sdp));
    if (emergency !== undefined) {
      parts.push(textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo({ emergency })));
    }
    if (parts.length === 0) return response;
    if (certificate === undefined) return withParts(response, parts);
    return protectResponse(context, response, parts, certificate);
  };
  if (confirmed === undefined) return answer(undefined);

  // Another participant's request may change the state while the 200 OK is protected, and the
  // server's UPDATE about it may reach this participant first. A 200 OK whose state is out of
  // date is protected again, so that the last message the participant gets states the current
  // state.
  let emergency: boolean;
  let protectedAnswer: SipMessage;
  do {
    emergency = confirmed.emergency;
    protectedAnswer = await answer(emergency);
  } while (emergency !== confirmed.emergency);
  return protectedAnswer;
}

/**
 * True when the participant of `leg` may end the emergency state of `call`: the emergency caller,
 * and a user authorised to cancel emergencies. A call that was never an emergency call has no one.
 */
function mayCancelEmergency(context: ServerContext, call: Call, leg: CallLeg): boolean {
  if (call.emergencyCaller === undefined) return false;
  if (leg.uri === call.emergencyCaller) return true;
  return context.registry.user(leg.uri)?.mayCancelEmergencies === true;
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
