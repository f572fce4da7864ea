/**
 * The notice bar under the header. It shows the latest error or rejection, with its technical
 * detail in smaller print, until the user dismisses it or the action that it reports succeeds.
 *
 * @module
 */

import { h, showWithDetail } from '../dom.js';
import type { Store } from '../store.js';

/** Builds the notice bar, hidden while there is no notice. */
export function renderNoticeView(store: Store): HTMLElement {
  const text = h('p', { class: 'notice-text', role: 'alert' });
  const dismiss = h(
    'button',
    { type: 'button', class: 'small notice-dismiss', 'aria-label': 'Dismiss the notice' },
    'Dismiss',
  );
  dismiss.addEventListener('click', () => store.update(() => ({ notice: undefined })));
  const bar = h('div', { class: 'notice' }, text, dismiss);

  store.subscribe((state) => {
    const notice = state.notice;
    bar.hidden = notice === undefined;
    showWithDetail(text, notice?.message ?? '', notice?.detail);
  });
  return bar;
}
