/**
 * The dialog that offers an incoming call with accept and reject buttons. It offers private calls,
 * and the group calls of groups that the app shows as not affiliated.
 *
 * @module
 */

import type { CallInfo, PttClient } from '../client.js';
import { h, shortUri } from '../dom.js';
import { callConversation, ringingCalls, type AppState, type Store } from '../store.js';

/** Options of {@link renderIncomingCallView}. */
export interface IncomingCallViewOptions {
  readonly store: Store;
  readonly client: PttClient;
  readonly onError: (action: string, error: unknown) => void;
  /** Reports a successful action, which clears the notice of an earlier failure of it. */
  readonly onSuccess: (action: string) => void;
}

/** Builds the dialog, which opens while an incoming call rings. */
export function renderIncomingCallView(options: IncomingCallViewOptions): HTMLDialogElement {
  const title = h('h2', { id: 'incoming-title' }, 'Incoming call');
  const note = h('p', { class: 'hint' });
  // The dialog opens with the focus on Accept, so that a reflex Enter answers the call, which may
  // be an emergency call, instead of rejecting it.
  const accept = h('button', { type: 'button', class: 'accept', autofocus: true }, 'Accept');
  const reject = h('button', { type: 'button', class: 'danger' }, 'Reject');
  const dialog = h(
    'dialog',
    { class: 'incoming', 'aria-labelledby': 'incoming-title' },
    title,
    note,
    h('div', { class: 'dialog-actions' }, reject, accept),
  );
  let current: CallInfo | undefined;

  accept.addEventListener('click', () => {
    const call = current;
    if (call === undefined) return;
    // The talk button then talks in this call, not in the group call of the open group.
    const conversation = callConversation(call);
    if (conversation !== undefined) options.store.update(() => ({ selected: conversation }));
    options.client.answer(call.id).then(
      () => options.onSuccess('Answer'),
      (error: unknown) => options.onError('Answer', error),
    );
  });
  reject.addEventListener('click', () => {
    if (current !== undefined) options.client.reject(current.id);
  });
  // Escape closes a modal dialog; for a ringing call that means reject.
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    if (current !== undefined) options.client.reject(current.id);
  });

  options.store.subscribe((state) => {
    current = ringingCalls(state)[0];
    dialog.classList.toggle('emergency', current?.emergency === true);
    if (current === undefined) {
      if (dialog.open) dialog.close();
      return;
    }
    const caller = state.peers.find((p) => p.id === current?.peerId)?.name;
    const name = caller ?? shortUri(current.peerId);
    title.textContent = describeOffer(state, current, name);
    note.hidden = current.kind !== 'group';
    note.textContent = 'You are not affiliated to this group. Accept to join this call only.';
    accept.setAttribute('aria-label', `Accept call from ${name}`);
    reject.setAttribute('aria-label', `Reject call from ${name}`);
    if (!dialog.open && dialog.isConnected) dialog.showModal();
  });
  return dialog;
}

function describeOffer(state: AppState, call: CallInfo, caller: string): string {
  const kind = call.emergency ? 'Emergency call' : 'Private call';
  if (call.kind === 'private') return `${kind} from ${caller}`;
  const group = state.groups.find((g) => g.id === call.groupId)?.name ?? shortUri(call.groupId);
  return `${call.emergency ? 'Emergency group call' : 'Group call'} to ${group} from ${caller}`;
}
