/**
 * The dialog that offers an incoming private call, with accept and reject buttons.
 *
 * @module
 */

import type { CallInfo, PttClient } from '../client.js';
import { h, shortUri } from '../dom.js';
import { ringingCalls, type Store } from '../store.js';

/** Options of {@link renderIncomingCallView}. */
export interface IncomingCallViewOptions {
  readonly store: Store;
  readonly client: PttClient;
  readonly onError: (action: string, error: unknown) => void;
}

/** Builds the dialog, which opens while an incoming call rings. */
export function renderIncomingCallView(options: IncomingCallViewOptions): HTMLDialogElement {
  const title = h('h2', { id: 'incoming-title' }, 'Incoming call');
  const accept = h('button', { type: 'button', class: 'accept' }, 'Accept');
  const reject = h('button', { type: 'button', class: 'danger' }, 'Reject');
  const dialog = h(
    'dialog',
    { class: 'incoming', 'aria-labelledby': 'incoming-title' },
    title,
    h('div', { class: 'dialog-actions' }, reject, accept),
  );
  let current: CallInfo | undefined;

  accept.addEventListener('click', () => {
    if (current === undefined) return;
    options.client.answer(current.id).catch((error: unknown) => options.onError('Answer', error));
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
    if (current === undefined) {
      if (dialog.open) dialog.close();
      return;
    }
    const caller = state.peers.find((p) => p.id === current?.peerId)?.name;
    const name = caller ?? shortUri(current.peerId);
    title.textContent = `${current.emergency ? 'Emergency call' : 'Private call'} from ${name}`;
    accept.setAttribute('aria-label', `Accept call from ${name}`);
    reject.setAttribute('aria-label', `Reject call from ${name}`);
    if (!dialog.open && dialog.isConnected) dialog.showModal();
  });
  return dialog;
}
