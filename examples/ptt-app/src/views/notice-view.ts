/**
 * The notice bar under the header. It shows the latest error or rejection, with its technical
 * detail in smaller print, until the user dismisses it or the action that it reports succeeds.
 *
 * @module
 */

import { h } from '../dom.js';
import type { Store } from '../store.js';

/** Builds the notice bar, hidden while there is no notice. */
export function renderNoticeView(store: Store): HTMLElement {
  const message = h('span', { class: 'notice-message' });
  const detail = h('span', { class: 'notice-detail' });
  const dismiss = h(
    'button',
    { type: 'button', class: 'small notice-dismiss', 'aria-label': 'Dismiss the notice' },
    'Dismiss',
  );
  dismiss.addEventListener('click', () => store.update(() => ({ notice: undefined })));
  const bar = h(
    'div',
    { class: 'notice' },
    h('p', { class: 'notice-text', role: 'alert' }, message, detail),
    dismiss,
  );

  store.subscribe((state) => {
    const notice = state.notice;
    bar.hidden = notice === undefined;
    message.textContent = notice?.message ?? '';
    detail.textContent = notice?.detail === undefined ? '' : ` (${notice.detail})`;
  });
  return bar;
}
