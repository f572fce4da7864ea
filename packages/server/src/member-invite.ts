/**
 * Invitations from the server to one user: a protected INVITE, the ACK of its 2xx, and BYE.
 *
 * @module
 */
import { isMcpttError, unprotectMessage, type SipHeader } from '@mcptt-smime/smime';
import { MEDIA_TYPES, textPart } from './body-parts.js';
import type { Call, CallLeg } from './call-store.js';
import { createInDialogRequest, createUacDialog, type Dialog } from './dialog.js';
import { buildMcpttInfo, type McpttInfo } from './mcptt-xml.js';
import { offerSdp } from './sdp.js';
import { createOutgoingRequest, type ServerContext } from './server-context.js';

/** Result of {@link inviteUser}: the final status, and the dialog when it was answered. */
export interface InviteOutcome {
  readonly status: number;
  readonly leg: CallLeg | undefined;
}

/**
 * Sends a protected INVITE with an SDP offer and mcptt-info to `uri`, adds the leg to the call
 * when it is answered, and acknowledges the 2xx. A 2xx whose protected parts do not verify is
 * acknowledged and then ended with BYE, because the user did not prove who answered.
 */
export async function inviteUser(
  context: ServerContext,
  call: Call,
  uri: string,
  info: McpttInfo,
  onRinging?: () => void,
): Promise<InviteOutcome> {
  const certificate = context.registry.certificate(uri);
  if (certificate === undefined) {
    return { status: 480, leg: undefined };
  }

  const headers: SipHeader[] = call.emergency
    ? [{ name: 'Resource-Priority', value: 'mcpttp.15' }]
    : [];
  const invite = await createOutgoingRequest(
    context,
    {
      method: 'INVITE',
      target: uri,
      parts: [
        textPart(MEDIA_TYPES.sdp, offerSdp()),
        textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo(info)),
      ],
      headers,
    },
    certificate,
  );
  const leg: CallLeg = { uri, callId: invite.callId, dialog: undefined };
  context.calls.addLeg(call, leg);

  const response = await context.transactions.sendRequest(invite, {
    onProvisional: (provisional) => {
      if (provisional.startLine.type === 'response' && provisional.startLine.status === 180) {
        onRinging?.();
      }
    },
  });
  const status = response.startLine.type === 'response' ? response.startLine.status : 500;
  context.logger.info(
    { callId: invite.callId, method: 'INVITE', status, call: call.id },
    'leg invited',
  );
  if (status >= 300) {
    context.calls.removeLeg(invite.callId);
    return { status, leg: undefined };
  }

  const dialog = createUacDialog(invite, response);
  leg.dialog = dialog;
  context.transactions.sendAck(createInDialogRequest(dialog, 'ACK'));
  if (!(await answerVerifies(context, response))) {
    await hangUp(context, leg, 'answer not verified');
    return { status: 403, leg: undefined };
  }
  return { status, leg };
}

async function answerVerifies(
  context: ServerContext,
  response: Parameters<typeof unprotectMessage>[0],
): Promise<boolean> {
  try {
    await unprotectMessage(response, {
      crypto: context.crypto,
      identity: context.identity,
      trustAnchors: context.trustAnchors,
      now: context.now,
    });
    return true;
  } catch (error) {
    if (!isMcpttError(error)) {
      throw error;
    }
    context.logger.warn({ callId: response.callId, code: error.code }, 'answer rejected');
    return false;
  }
}

/** Ends one leg with BYE and removes it from its call. */
export async function hangUp(
  context: ServerContext,
  leg: CallLeg,
  reason: string,
  dialog: Dialog | undefined = leg.dialog,
): Promise<void> {
  context.calls.removeLeg(leg.callId);
  if (dialog === undefined) {
    return;
  }
  const bye = createInDialogRequest(dialog, 'BYE', [
    { name: 'Reason', value: `SIP;cause=200;text="${reason}"` },
  ]);
  const response = await context.transactions.sendRequest(bye);
  const status = response.startLine.type === 'response' ? response.startLine.status : 0;
  context.logger.info({ callId: leg.callId, method: 'BYE', status, reason }, 'leg ended');
}

/** Ends every leg of a call. */
export async function endCall(context: ServerContext, call: Call, reason: string): Promise<void> {
  context.calls.remove(call);
  await Promise.all([...call.legs.values()].map((leg) => hangUp(context, leg, reason)));
  context.logger.info({ call: call.id, reason }, 'call ended');
}
