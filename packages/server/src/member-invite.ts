/**
 * Invitations from the server to one user: a protected INVITE with the server's SDP offer, the
 * ACK of its 2xx, CANCEL while it is pending, and BYE.
 *
 * @module
 */
import {
  addressOfRecord,
  createHeaderFragment,
  HEADER_FRAGMENT_TYPE,
  IdentityMismatchError,
  isMcpttError,
  sameAddressOfRecord,
  unprotectMessage,
  type SipHeader,
  type SipMessage,
} from '@mcptt-smime/smime';
import type { BodyPart } from './body-parts.js';
import { MEDIA_TYPES, partText, readParts, textPart } from './body-parts.js';
import type { Call, CallLeg } from './call-store.js';
import { createInDialogRequest, createUacDialog, type Dialog } from './dialog.js';
import { buildMcpttInfo, type McpttInfo } from './mcptt-xml.js';
import { MediaLeg } from './media-leg.js';
import { createOutgoingRequest, type ServerContext } from './server-context.js';
import { sendEmergencyState, withEmergency } from './emergency-state.js';
import { protectionPolicyOf } from './plain-calls.js';
import { MAX_SIGNATURE_AGE_MS } from './request-guard.js';
import { tagOf, uriOf } from './sip-builder.js';
import { TALK_INFO_PACKAGE } from './talk-handler.js';

/** Result of {@link inviteUser}: the final status, and the dialog when it was answered. */
export interface InviteOutcome {
  readonly status: number;
  readonly leg: CallLeg | undefined;
}

/** Options of {@link inviteUser}. */
export interface InviteOptions {
  /** Called when the user's device rings (180). */
  readonly onRinging?: () => void;
  /** Cancels the INVITE while it waits for an answer (RFC 3261 §9.1). */
  readonly signal?: AbortSignal;
  /**
   * Commencement mode of a private call (RFC 5373). It goes into the Answer-Mode header field and
   * into a signed copy of it, which the user's client trusts where the SIP core could change the
   * header field.
   */
  readonly answerMode?: 'Auto' | 'Manual';
}

/**
 * Sends a protected INVITE with an SDP offer and mcptt-info to `uri`, adds the leg and its media
 * to the call when it is answered, and acknowledges the 2xx. A 2xx whose protected parts do not
 * verify, or whose SDP answer cannot be applied, is acknowledged and then ended with BYE. The
 * `emergency-ind` of `info` is replaced by the emergency state that the call has when the INVITE
 * is built, which also sets its Resource-Priority header field.
 */
export async function inviteUser(
  context: ServerContext,
  call: Call,
  uri: string,
  info: McpttInfo,
  options: InviteOptions = {},
): Promise<InviteOutcome> {
  const certificate = context.registry.certificate(uri);
  if (certificate === undefined) {
    return { status: 480, leg: undefined };
  }
  const aor = addressOfRecord(uri);
  call.inviting.add(aor);
  try {
    return await sendInvite(context, call, uri, info, options, certificate);
  } finally {
    call.inviting.delete(aor);
  }
}

/** Sends the INVITE of {@link inviteUser} to `uri`, protected for `certificate`. */
async function sendInvite(
  context: ServerContext,
  call: Call,
  uri: string,
  info: McpttInfo,
  options: InviteOptions,
  certificate: Uint8Array,
): Promise<InviteOutcome> {
  const media = await MediaLeg.offer(context.logger);
  const sentInfo = withEmergency(info, call.emergency);
  const invite = await createOutgoingRequest(
    context,
    {
      method: 'INVITE',
      target: uri,
      parts: [
        textPart(MEDIA_TYPES.sdp, media.localSdp),
        textPart(MEDIA_TYPES.mcpttInfo, buildMcpttInfo(sentInfo)),
        ...(options.answerMode === undefined ? [] : [answerModePart(options.answerMode)]),
      ],
      headers: [
        ...inviteHeaders(call),
        ...(options.answerMode === undefined
          ? []
          : [{ name: ANSWER_MODE, value: options.answerMode }]),
      ],
    },
    certificate,
  );
  const leg: CallLeg = {
    uri,
    callId: invite.callId,
    fromParticipant: false,
    dialog: undefined,
    invite,
  };
  context.calls.addLeg(call, leg);
  const cancel = () => context.transactions.cancel(invite);
  options.signal?.addEventListener('abort', cancel, { once: true });

  const response = await context.transactions.sendRequest(invite, {
    onProvisional: (provisional) => {
      if (provisional.startLine.type === 'response' && provisional.startLine.status === 180) {
        options.onRinging?.();
      }
    },
  });
  options.signal?.removeEventListener('abort', cancel);
  // An emergency that started or ended after the INVITE was built changed before the leg had a
  // dialog, so no UPDATE reached the user. A later change reaches the leg through its dialog.
  const changedWhileRinging = (sentInfo.emergency === true) !== call.emergency;
  leg.invite = undefined;
  const status = response.startLine.type === 'response' ? response.startLine.status : 500;
  context.logger.info(
    { callId: invite.callId, method: 'INVITE', status, call: call.id },
    'leg invited',
  );
  if (status >= 300) {
    context.calls.removeLeg(invite.callId);
    await media.close();
    return { status, leg: undefined };
  }

  leg.dialog = createUacDialog(invite, response);
  context.transactions.sendAck(createInDialogRequest(leg.dialog, 'ACK'));
  const outcome = await acceptAnswer(context, call, leg, media, response);
  if (outcome.leg !== undefined && changedWhileRinging) {
    sendEmergencyState(context, call, outcome.leg);
  }
  return outcome;
}

const ANSWER_MODE = 'Answer-Mode';

/** Builds the signed copy of the Answer-Mode header field (RFC 3261 §23.4). */
function answerModePart(answerMode: 'Auto' | 'Manual'): BodyPart {
  const fragment = createHeaderFragment([{ name: ANSWER_MODE, value: answerMode }]);
  return { mediaType: HEADER_FRAGMENT_TYPE, body: fragment.body };
}

function inviteHeaders(call: Call): SipHeader[] {
  // RFC 6086 §5.2.2: Recv-Info indicates that the server accepts floor requests in INFO.
  const headers: SipHeader[] = [{ name: 'Recv-Info', value: TALK_INFO_PACKAGE }];
  if (call.emergency) {
    headers.push({ name: 'Resource-Priority', value: 'mcpttp.15' });
  }
  return headers;
}

// Completes an answered leg: the answer must verify and carry an SDP answer that werift accepts,
// and the call must still exist, since it may have ended while the user's device rang.
async function acceptAnswer(
  context: ServerContext,
  call: Call,
  leg: CallLeg,
  media: MediaLeg,
  response: SipMessage,
): Promise<InviteOutcome> {
  const opened = await openAnswer(context, response, leg.uri);
  const sdp = opened === undefined ? undefined : partText(readParts(opened), MEDIA_TYPES.sdp);
  let reason: string | undefined;
  if (sdp === undefined) {
    reason = opened === undefined ? 'answer not verified' : 'answer without SDP';
  } else if (!context.calls.all().includes(call)) {
    reason = 'call ended';
  } else {
    reason = await media.acceptAnswer(sdp).then(
      () => undefined,
      () => 'SDP answer not applicable',
    );
  }

  if (reason !== undefined) {
    await media.close();
    await hangUp(context, call, leg, reason);
    return { status: opened === undefined ? 403 : 488, leg: undefined };
  }
  call.media.add(leg.callId, leg.uri, media);
  call.floor.attach(leg.uri, media.negotiatedFloorChannel);
  return { status: 200, leg };
}

/**
 * Opens the 2xx of the INVITE to `uri`. The answer must come from that user: unprotect checks the
 * signer against the To of the response, which the SIP core can rewrite, so the To must name the
 * invited user too. Its signer is checked for revocation and its signingTime for age, as the
 * signer of a request is, so that an answer captured from another call cannot be played again.
 */
async function openAnswer(
  context: ServerContext,
  response: SipMessage,
  uri: string,
): Promise<SipMessage | undefined> {
  const { revocation } = context.config.identity;
  try {
    const answerer = uriOf(response.getHeader('To'));
    if (answerer === undefined || !sameAddressOfRecord(answerer, uri)) {
      throw new IdentityMismatchError(
        '2xx response to INVITE from another user than the invited one',
      );
    }
    const opened = await unprotectMessage(response, {
      crypto: context.crypto,
      identity: context.identity,
      trustAnchors: context.trustAnchors,
      revocationLists: context.revocationLists,
      ...(revocation === undefined ? {} : { revocation }),
      maxSignatureAge: MAX_SIGNATURE_AGE_MS,
      now: context.now,
      // The member signs the fingerprints of its answer, unless calls go in clear.
      // An answer that nothing signs is rejected too: the core may have stripped the signature.
      ...(protectionPolicyOf(context) === undefined
        ? { requireSdpBinding: 'always' as const }
        : {}),
    });
    return opened.message;
  } catch (error) {
    if (!isMcpttError(error)) {
      throw error;
    }
    context.logger.warn({ callId: response.callId, code: error.code }, 'answer rejected');
    return undefined;
  }
}

/**
 * Ends one leg and removes it and its media from its call: BYE when the dialog exists, CANCEL
 * when the INVITE still waits for an answer.
 */
export async function hangUp(
  context: ServerContext,
  call: Call,
  leg: CallLeg,
  reason: string,
  dialog: Dialog | undefined = leg.dialog,
): Promise<void> {
  context.calls.removeLeg(leg.callId);
  leaveFloor(call, leg);
  await call.media.remove(leg.callId);
  if (dialog === undefined) {
    if (leg.invite !== undefined && context.transactions.cancel(leg.invite)) {
      context.logger.info({ callId: leg.callId, method: 'CANCEL', reason }, 'leg cancelled');
    }
    return;
  }
  const bye = createInDialogRequest(dialog, 'BYE', [
    { name: 'Reason', value: `SIP;cause=200;text="${reason}"` },
  ]);
  const response = await context.transactions.sendRequest(bye);
  const status = response.startLine.type === 'response' ? response.startLine.status : 0;
  context.logger.info({ callId: leg.callId, method: 'BYE', status, reason }, 'leg ended');
}

/**
 * Takes the user of a removed leg off the call's floor, unless another leg of the call is the
 * same user's. A holder who leaves passes the floor on. A leg whose SDP had no data channel has
 * no channel whose closing would do it.
 */
export function leaveFloor(call: Call, leg: CallLeg): void {
  if (![...call.legs.values()].some((other) => other.uri === leg.uri)) {
    call.floor.detach(leg.uri);
  }
}

/**
 * Ends every leg of a call and closes its media. The call leaves the store at once, but the
 * promise resolves only when every BYE has a final response, which for a silent leg is the 408
 * of its transaction timeout. A caller that must not wait runs it in the background.
 */
export async function endCall(context: ServerContext, call: Call, reason: string): Promise<void> {
  context.calls.remove(call);
  call.floor.close();
  await Promise.all([...call.legs.values()].map((leg) => hangUp(context, call, leg, reason)));
  await call.media.close();
  context.logger.info({ call: call.id, reason }, 'call ended');
}

/**
 * Ends `call` for everyone once a participant's leg has left it, when the call cannot go on: a
 * private call, a prearranged call without its originator, and a call with one participant left.
 * A call that ended already is left alone.
 */
export async function endCallIfOver(context: ServerContext, call: Call): Promise<void> {
  if (!context.calls.all().includes(call)) return;
  const originatorLeft =
    call.kind === 'prearranged' &&
    ![...call.legs.values()].some((leg) => leg.uri === call.originator);
  if (call.kind === 'private' || originatorLeft || call.legs.size <= 1) {
    await endCall(context, call, 'participant left');
  }
}

/**
 * Ends the leg whose 2xx to `invite` no ACK confirmed, with BYE (RFC 3261 §13.3.1.4), and the
 * call when it cannot go on without that leg. Otherwise a participant that never acknowledges
 * would keep its leg, its media and its place on the floor until the server stops. Does nothing
 * when the leg has left already or `response` belongs to another dialog.
 */
export async function endUnacknowledgedLeg(
  context: ServerContext,
  invite: SipMessage,
  response: SipMessage,
): Promise<void> {
  const call = context.calls.byLeg(invite.callId);
  const leg = call?.legs.get(invite.callId);
  const dialog = leg?.dialog;
  if (call === undefined || leg === undefined || dialog === undefined) return;
  if (dialog.localTag !== tagOf(response.getHeader('To'))) return;

  context.logger.warn({ call: call.id, callId: leg.callId }, 'no ACK for the 2xx to an INVITE');
  await dropLeg(context, call, leg, 'no ACK');
}

/**
 * Ends a leg whose participant is gone or silent as if it had left: sends it a BYE with `reason`
 * and ends the call when that leaving ends it. hangUp() takes the leg out of the call before its
 * first await, so the call is checked without it at once, not after the BYE's response, which a
 * crashed client never sends.
 */
export async function dropLeg(
  context: ServerContext,
  call: Call,
  leg: CallLeg,
  reason: string,
): Promise<void> {
  await Promise.all([hangUp(context, call, leg, reason), endCallIfOver(context, call)]);
}
