/**
 * The end of a group call's emergency state. No participant keeps the emergency floor priority,
 * and every participant but the originator gets an UPDATE without SDP whose mcptt-info has
 * `emergency-ind` false, signed by the server and encrypted for the participant. A participant
 * whose 200 OK was still on its way when the emergency ended gets it once its leg is up.
 *
 * @module
 */
import { MEDIA_TYPES, textPart, withParts } from './body-parts.js';
import type { Call, CallLeg } from './call-store.js';
import { createInDialogRequest } from './dialog.js';
import { buildMcpttInfo } from './mcptt-xml.js';
import { protectionPolicyOf } from './plain-calls.js';
import { protectResponse, type ServerContext } from './server-context.js';
import { dialogHeaders } from './talk-handler.js';

/**
 * Ends the emergency state of `call` at the request of `originator`'s leg, takes the emergency
 * floor priority from every participant, and sends the other participants an UPDATE in the
 * background.
 */
export function endEmergency(context: ServerContext, call: Call, originator: CallLeg): void {
  call.emergency = false;
  // A participant who joined with emergency-ind has the emergency priority too.
  for (const participant of call.legs.values()) call.floor.setEmergency(participant.uri, false);
  context.logger.info({ call: call.id, callId: originator.callId }, 'emergency cancelled');
  for (const leg of call.legs.values()) {
    if (leg !== originator) sendEmergencyEnd(context, call, leg);
  }
}

/**
 * Sends the participant of `leg`, in the background, an UPDATE saying that `call` is no longer an
 * emergency call. A leg without a dialog yet is skipped, because its set-up checks the state
 * again once it is up.
 */
export function sendEmergencyEnd(context: ServerContext, call: Call, leg: CallLeg): void {
  notifyParticipant(context, leg).catch((error: unknown) => {
    context.logger.warn(
      { call: call.id, callId: leg.callId, err: error },
      'emergency update failed',
    );
  });
}

async function notifyParticipant(context: ServerContext, leg: CallLeg): Promise<void> {
  if (leg.dialog === undefined) return;
  const parts = [textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo({ emergency: false }))];
  const update = createInDialogRequest(leg.dialog, 'UPDATE', dialogHeaders(context));
  const certificate = context.registry.certificate(leg.uri);
  if (certificate === undefined && protectionPolicyOf(context) === undefined) {
    context.logger.warn(
      { callId: leg.callId },
      'emergency update not sent: participant certificate not found',
    );
    return;
  }
  const request =
    certificate === undefined
      ? withParts(update, parts)
      : await protectResponse(context, update, parts, certificate);
  const response = await context.transactions.sendRequest(request);
  const status = response.startLine.type === 'response' ? response.startLine.status : 0;
  context.logger.info({ callId: leg.callId, method: 'UPDATE', status }, 'emergency update sent');
}
