/**
 * Changes of a group call's emergency state inside the call (3GPP TS 24.379): a participant
 * upgrades a running group call to an emergency call, and the emergency caller ends the emergency
 * state. Every participant but the requester gets an UPDATE without SDP whose mcptt-info carries
 * the new `emergency-ind`, signed by the server and encrypted for the participant. A participant
 * whose leg had no dialog yet when the state changed gets it once its leg is up.
 *
 * @module
 */
import type { SipMessage } from '@mcptt-smime/smime';
import { MEDIA_TYPES, textPart, withParts } from './body-parts.js';
import type { Call, CallLeg } from './call-store.js';
import { createInDialogRequest, type Dialog } from './dialog.js';
import { buildMcpttInfo, type McpttInfo } from './mcptt-xml.js';
import { protectionPolicyOf } from './plain-calls.js';
import { protectResponse, type ServerContext } from './server-context.js';
import { dialogHeaders } from './talk-handler.js';

/**
 * Gives the participant of `requester`'s leg the emergency floor priority, so that its next floor
 * request pre-empts an ordinary talker. When `call` is not an emergency call yet, makes it one,
 * makes the requester its emergency caller, and sends the other participants an UPDATE in the
 * background. A participant who requests it while the call is already an emergency call gets
 * the priority only.
 */
export function upgradeToEmergency(context: ServerContext, call: Call, requester: CallLeg): void {
  call.floor.setEmergency(requester.uri, true);
  if (call.emergency) return;
  call.emergency = true;
  call.emergencyCaller = requester.uri;
  context.logger.info({ call: call.id, callId: requester.callId }, 'call upgraded to emergency');
  notifyOthers(context, call, requester);
}

/**
 * Ends the emergency state of `call` at the request of `requester`'s leg, takes the emergency
 * floor priority from every participant, and sends the other participants an UPDATE in the
 * background.
 */
export function endEmergency(context: ServerContext, call: Call, requester: CallLeg): void {
  call.emergency = false;
  // A participant who joined with emergency-ind or requested it later has the priority too.
  for (const participant of call.legs.values()) call.floor.setEmergency(participant.uri, false);
  context.logger.info({ call: call.id, callId: requester.callId }, 'emergency cancelled');
  notifyOthers(context, call, requester);
}

function notifyOthers(context: ServerContext, call: Call, requester: CallLeg): void {
  for (const leg of call.legs.values()) {
    if (leg !== requester) sendEmergencyState(context, call, leg);
  }
}

/**
 * Sends the participant of `leg`, in the background, an UPDATE with the current emergency state
 * of `call`. A leg without a dialog yet is skipped, because its set-up checks the state again
 * once it is up.
 */
export function sendEmergencyState(context: ServerContext, call: Call, leg: CallLeg): void {
  notifyParticipant(context, call, leg).catch((error: unknown) => {
    context.logger.warn(
      { call: call.id, callId: leg.callId, err: error },
      'emergency update failed',
    );
  });
}

/** Returns `info` with `emergency-ind` true when `emergency` is true, and without it otherwise. */
export function withEmergency(info: McpttInfo, emergency: boolean): McpttInfo {
  const fields: { -readonly [K in keyof McpttInfo]: McpttInfo[K] } = { ...info };
  if (emergency) fields.emergency = true;
  else delete fields.emergency;
  return fields;
}

async function notifyParticipant(context: ServerContext, call: Call, leg: CallLeg): Promise<void> {
  const dialog = leg.dialog;
  if (dialog === undefined) return;
  const certificate = context.registry.certificate(leg.uri);
  if (certificate === undefined && protectionPolicyOf(context) === undefined) {
    context.logger.warn(
      { callId: leg.callId },
      'emergency update not sent: participant certificate not found',
    );
    return;
  }
  // The state may change again while the UPDATE is protected. That change sends its own UPDATE,
  // which may leave first, so an UPDATE whose state is out of date is built again with the next
  // CSeq. The last UPDATE that the participant gets then carries the current state.
  let emergency: boolean;
  let request: SipMessage;
  do {
    emergency = call.emergency;
    request = await buildUpdate(context, dialog, emergency, certificate);
  } while (emergency !== call.emergency);
  const response = await context.transactions.sendRequest(request);
  const status = response.startLine.type === 'response' ? response.startLine.status : 0;
  context.logger.info(
    { callId: leg.callId, method: 'UPDATE', status, emergency },
    'emergency update sent',
  );
}

/**
 * Builds an UPDATE inside `dialog` whose mcptt-info has `emergency-ind` set to `emergency`,
 * protected for `certificate`, or in clear without one, which only `insecurePlainCalls` allows.
 */
async function buildUpdate(
  context: ServerContext,
  dialog: Dialog,
  emergency: boolean,
  certificate: Uint8Array | undefined,
): Promise<SipMessage> {
  const parts = [textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo({ emergency }))];
  const update = createInDialogRequest(dialog, 'UPDATE', dialogHeaders(context));
  return certificate === undefined
    ? withParts(update, parts)
    : protectResponse(context, update, parts, certificate);
}
