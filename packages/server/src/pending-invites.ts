/**
 * INVITEs to the server that have no final response yet, so that a CANCEL can end them
 * (RFC 3261 §9.2).
 *
 * @module
 */
import { topViaBranch, type SipMessage } from '@mcptt-smime/smime';
import { createResponse, randomToken } from './sip-builder.js';
import type { ServerTransaction } from './transaction-layer.js';

interface PendingInvite {
  readonly transaction: ServerTransaction;
  readonly controller: AbortController;
  /** Address-of-record of the caller, once the INVITE was opened and its sender checked. */
  caller?: string;
}

/** Pending INVITE server transactions, matched the way RFC 3261 §9.2 matches a CANCEL. */
export class PendingInvites {
  readonly #pending = new Map<string, PendingInvite>();

  /** Registers an INVITE. The signal aborts when a CANCEL ends it. */
  add(transaction: ServerTransaction): AbortSignal {
    const controller = new AbortController();
    this.#pending.set(keyOf(transaction.request), { transaction, controller });
    return controller.signal;
  }

  /** Records the checked caller of an INVITE, for {@link PendingInvites.pendingFrom}. */
  setCaller(transaction: ServerTransaction, caller: string): void {
    const pending = this.#pending.get(keyOf(transaction.request));
    if (pending?.transaction === transaction) pending.caller = caller;
  }

  /** Returns the number of INVITEs from `caller` that have no final response yet. */
  pendingFrom(caller: string): number {
    let count = 0;
    for (const pending of this.#pending.values()) {
      if (pending.caller === caller && !pending.transaction.completed) count += 1;
    }
    return count;
  }

  /** True while an INVITE with this Call-ID is pending. */
  hasCallId(callId: string): boolean {
    for (const pending of this.#pending.values()) {
      if (pending.transaction.request.callId === callId) return true;
    }
    return false;
  }

  /** Forgets an INVITE once its handler is done. */
  delete(transaction: ServerTransaction): void {
    const key = keyOf(transaction.request);
    if (this.#pending.get(key)?.transaction === transaction) {
      this.#pending.delete(key);
    }
  }

  /**
   * Ends the INVITE that `cancel` matches with 487 Request Terminated and aborts its signal.
   * Returns false when no INVITE matches. An INVITE that already has a final response matches
   * but is left as it is, because a CANCEL has no effect on it.
   */
  cancel(cancel: SipMessage): boolean {
    const key = keyOf(cancel);
    const pending = this.#pending.get(key);
    if (pending === undefined) {
      return false;
    }
    this.#pending.delete(key);
    if (!pending.transaction.completed) {
      const invite = pending.transaction.request;
      pending.transaction.respond(createResponse(invite, 487, { toTag: randomToken() }));
      pending.controller.abort();
    }
    return true;
  }
}

// RFC 3261 §9.2: the CANCEL carries the INVITE's topmost Via, Call-ID and CSeq number, so these
// three identify the INVITE it cancels, for the core's branch as for a client's.
function keyOf(request: SipMessage): string {
  return [topViaBranch(request) ?? '', request.callId, String(request.cseq.sequence)].join('|');
}
