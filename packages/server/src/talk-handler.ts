/**
 * Press and release of the talk button for a client without a floor data channel: an INFO
 * request inside the participant's dialog (RFC 6086) with `Info-Package: mcptt-talk` and a
 * `text/plain` body of `press` or `release`. The body must be signed by the participant, as
 * every body to the server is, so that nobody on the path can take the floor for someone else.
 *
 * `press` is a Floor Request of the sender at priority 0 and `release` a Floor Release, both
 * handed to the call's floor arbitrator like those of the data channel (TS 24.380), so the same
 * priorities, queueing and emergency pre-emption apply and there is one floor holder. The 200
 * OK only says that the request reached the arbitrator, whatever it decided. The outcome (Floor
 * Granted, Queue Position Info or Deny) goes to the sender's floor channel when it has one; a
 * client without one is not told whether its audio is forwarded.
 *
 * @module
 */
import { TALK_INFO_PACKAGE, TALK_MEDIA_TYPE } from '@mcptt-smime/floor';
import { partText } from './body-parts.js';
import type { Call, CallLeg } from './call-store.js';
import { acceptRemoteSequence, inArrivalOrder, isInDialog, type Dialog } from './dialog.js';
import { openRequest, reject, type OpenedRequest } from './request-guard.js';
import type { ServerContext } from './server-context.js';
import { createResponse } from './sip-builder.js';
import type { ServerTransaction } from './transaction-layer.js';

export { TALK_INFO_PACKAGE, TALK_MEDIA_TYPE };

/** Returns the header fields of the server's requests and responses inside a call's dialog. */
export function dialogHeaders(context: ServerContext) {
  return [
    { name: 'Contact', value: `<${context.contactUri}>;+g.3gpp.mcptt` },
    { name: 'Recv-Info', value: TALK_INFO_PACKAGE },
  ];
}

/** A call leg that a request inside a dialog belongs to. */
export interface DialogLeg {
  readonly call: Call;
  readonly leg: CallLeg;
}

/**
 * Returns the call leg whose dialog `transaction`'s request belongs to, or answers 481
 * Call/Transaction Does Not Exist (RFC 3261 §12.2.2) and returns undefined.
 */
export function findDialogLeg(
  context: ServerContext,
  transaction: ServerTransaction,
): DialogLeg | undefined {
  const request = transaction.request;
  const call = context.calls.byLeg(request.callId);
  const leg = call?.legs.get(request.callId);
  if (call === undefined || leg?.dialog === undefined || !isInDialog(leg.dialog, request)) {
    reject(context, transaction, 481, 'no such dialog');
    return undefined;
  }
  return { call, leg };
}

/**
 * Rejects the request with 481 and returns true when the leg of `found` left its call while the
 * request was opened, as after a BYE, a failed media connection or the end of the call. A request
 * from a leg that left must change nothing.
 */
export function rejectIfLeft(
  context: ServerContext,
  transaction: ServerTransaction,
  found: DialogLeg,
): boolean {
  if (found.call.legs.get(found.leg.callId) === found.leg) return false;
  reject(context, transaction, 481, 'dialog ended while the request was opened');
  return true;
}

/**
 * Rejects the request with 500 and returns true when its CSeq is lower than that of an earlier
 * signed request of its dialog (RFC 3261 §12.2.2). Call it once the request was opened and its
 * sender checked, so that only a verified request moves the dialog's CSeq on.
 */
export function rejectIfOutOfOrder(
  context: ServerContext,
  transaction: ServerTransaction,
  found: DialogLeg,
  opened: OpenedRequest,
): boolean {
  const dialog = found.leg.dialog;
  const signed = opened.security.signed;
  if (dialog === undefined || acceptRemoteSequence(dialog, transaction.request, signed)) {
    return false;
  }
  reject(context, transaction, 500, 'CSeq lower than that of an earlier request');
  return true;
}

/** Handles an INFO inside a call: a signed press or release of the talk button. */
export async function handleInfo(
  context: ServerContext,
  transaction: ServerTransaction,
): Promise<void> {
  const request = transaction.request;
  const found = findDialogLeg(context, transaction);
  if (found === undefined) {
    return;
  }
  const infoPackage = request.getHeader('Info-Package')?.split(';')[0]?.trim().toLowerCase();
  if (infoPackage !== TALK_INFO_PACKAGE) {
    // RFC 6086 §4.2.2: an unknown or missing Info Package is answered 469 with Recv-Info.
    transaction.respond(
      createResponse(request, 469, {
        headers: [{ name: 'Recv-Info', value: TALK_INFO_PACKAGE }],
      }),
    );
    return;
  }

  const opened = await inArrivalOrder(
    found.leg.dialog as Dialog,
    openRequest(context, transaction, true),
  );
  if (opened === undefined || rejectIfLeft(context, transaction, found)) {
    return;
  }
  if (opened.sender !== found.leg.uri) {
    reject(context, transaction, 403, 'talk request from another user');
    return;
  }
  if (rejectIfOutOfOrder(context, transaction, found, opened)) return;
  const action = partText(opened.parts, TALK_MEDIA_TYPE)?.trim().toLowerCase();
  if (action !== 'press' && action !== 'release') {
    reject(context, transaction, 400, 'talk request body is not press or release');
    return;
  }

  const { call } = found;
  if (action === 'press') {
    call.floor.request(opened.sender, 0, 'info');
  } else {
    call.floor.release(opened.sender);
  }
  context.logger.info({ call: call.id, callId: request.callId, action }, 'talk request');
  transaction.respond(createResponse(request, 200));
}
