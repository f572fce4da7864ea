/**
 * Dialog state for INVITE sessions (RFC 3261 §12): enough to send ACK and BYE in either role.
 *
 * @module
 */
import { SipMessage, type SipHeader } from '@mcptt-smime/smime';
import { requestLine, tagOf, uriOf } from './sip-builder.js';

/** One dialog, from the server's side. */
export interface Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** Address-of-record of the server in this dialog (From of our requests). */
  readonly localUri: string;
  /** Address-of-record of the peer (To of our requests). */
  readonly remoteUri: string;
  /** Contact URI of the peer, the Request-URI of our requests. */
  readonly remoteTarget: string;
  /** Route set, in the order our requests carry it. */
  readonly routeSet: readonly string[];
  /** CSeq of our last request in the dialog. */
  localSequence: number;
  /** Highest CSeq of the peer's INVITE and signed requests in the dialog, once one was accepted. */
  remoteSequence: number | undefined;
  /** Settles once the last request of the peer that is being opened was checked. */
  arrivals?: Promise<void>;
}

/**
 * Creates the dialog of an INVITE that the server answered with a 2xx (RFC 3261 §12.1.1): the
 * route set is the Record-Route of the request in order.
 */
export function createUasDialog(invite: SipMessage, localTag: string): Dialog {
  return {
    callId: invite.callId,
    localTag,
    remoteTag: tagOf(invite.getHeader('From')) ?? '',
    localUri: uriOf(invite.getHeader('To')) ?? '',
    remoteUri: uriOf(invite.getHeader('From')) ?? '',
    remoteTarget: uriOf(invite.getHeader('Contact')) ?? '',
    routeSet: invite.getHeaders('Record-Route'),
    localSequence: 0,
    remoteSequence: invite.cseq.sequence,
  };
}

/**
 * Creates the dialog of an INVITE that the server sent and that was answered with a 2xx
 * (RFC 3261 §12.1.2): the route set is the Record-Route of the response in reverse order.
 */
export function createUacDialog(invite: SipMessage, response: SipMessage): Dialog {
  return {
    callId: invite.callId,
    localTag: tagOf(invite.getHeader('From')) ?? '',
    remoteTag: tagOf(response.getHeader('To')) ?? '',
    localUri: uriOf(invite.getHeader('From')) ?? '',
    remoteUri: uriOf(invite.getHeader('To')) ?? '',
    remoteTarget: uriOf(response.getHeader('Contact')) ?? '',
    routeSet: [...response.getHeaders('Record-Route')].reverse(),
    localSequence: invite.cseq.sequence,
    remoteSequence: undefined,
  };
}

/**
 * Builds a request inside a dialog (RFC 3261 §12.2.1.1). An ACK reuses the INVITE's CSeq number;
 * every other method takes the next one. The caller adds Via through the transaction layer.
 */
export function createInDialogRequest(
  dialog: Dialog,
  method: string,
  extraHeaders: readonly SipHeader[] = [],
): SipMessage {
  if (method !== 'ACK') {
    dialog.localSequence += 1;
  }
  const headers: SipHeader[] = [
    ...dialog.routeSet.map((route) => ({ name: 'Route', value: route })),
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: `<${dialog.localUri}>;tag=${dialog.localTag}` },
    { name: 'To', value: `<${dialog.remoteUri}>;tag=${dialog.remoteTag}` },
    { name: 'Call-ID', value: dialog.callId },
    { name: 'CSeq', value: `${String(dialog.localSequence)} ${method}` },
    ...extraHeaders,
  ];
  return SipMessage.create(requestLine(method, dialog.remoteTarget), headers);
}

/**
 * Resolves with the outcome of `opening`, a request of the peer being opened, once every request
 * of the peer that arrived before it was checked. Requests open concurrently and finish in any
 * order, so their CSeq is then compared in the order of arrival (RFC 3261 §12.2.2).
 */
export function inArrivalOrder<T>(dialog: Dialog, opening: Promise<T>): Promise<T> {
  const turn = (dialog.arrivals ?? Promise.resolve()).then(() => opening);
  dialog.arrivals = turn.then(
    () => undefined,
    () => undefined,
  );
  return turn;
}

/**
 * Returns false when the CSeq of a request from the peer is lower than that of an earlier signed
 * one (RFC 3261 §12.2.2), and otherwise records it when `signed`. The SIP core can delay a signed
 * request and deliver it after a later one, which must then change nothing. An unsigned request
 * is not recorded, so that the core cannot make the peer's next requests look late.
 */
export function acceptRemoteSequence(
  dialog: Dialog,
  request: SipMessage,
  signed: boolean,
): boolean {
  const sequence = request.cseq.sequence;
  if (dialog.remoteSequence !== undefined && sequence < dialog.remoteSequence) return false;
  if (signed) dialog.remoteSequence = sequence;
  return true;
}

/**
 * True when a request from the peer belongs to `dialog` (RFC 3261 §12.2.2): same Call-ID, its
 * To tag is our local tag and its From tag is the peer's.
 */
export function isInDialog(dialog: Dialog, request: SipMessage): boolean {
  return (
    request.callId === dialog.callId &&
    tagOf(request.getHeader('To')) === dialog.localTag &&
    tagOf(request.getHeader('From')) === dialog.remoteTag
  );
}
