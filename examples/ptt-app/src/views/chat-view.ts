/**
 * Short-data chat for the open conversation, a group or one user.
 *
 * @module
 */

import type { PttClient } from '../client.js';
import { formatTime, h, shortUri, showWithDetail } from '../dom.js';
import { inConversation, type AppState, type Store } from '../store.js';
import { describeError, type ErrorText } from '../error-text.js';

/** Options of {@link renderChatView}. */
export interface ChatViewOptions {
  readonly store: Store;
  readonly client: PttClient;
}

/** Builds the chat panel. */
export function renderChatView(options: ChatViewOptions): HTMLElement {
  const { store, client } = options;
  const title = h('h2', { id: 'chat-heading' }, 'Short data');
  const log = h('ol', { class: 'chat-log', 'aria-live': 'polite', 'aria-label': 'Messages' });
  const input = h('input', {
    id: 'chat-input',
    type: 'text',
    autocomplete: 'off',
    maxlength: '1000',
    'aria-label': 'Short-data message',
    placeholder: 'Message',
  });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const form = h('form', { class: 'chat-form' }, input, send);
  const status = h('p', { class: 'chat-status', role: 'status', 'aria-live': 'polite' });
  // The text stays in the field until the server accepted it, so that a failed send can be tried
  // again without typing it anew.
  let sending = false;
  const showStatus = (text: string | undefined, failure?: ErrorText): void => {
    showWithDetail(status, text ?? '', failure?.detail);
    status.hidden = text === undefined;
    status.classList.toggle('error', failure !== undefined);
  };
  showStatus(undefined);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const conversation = store.state.selected;
    const text = input.value.trim();
    if (sending || conversation === undefined || text === '') return;
    sending = true;
    showStatus('Sending…');
    redraw();
    client.sendShortData(conversation, text).then(
      () => {
        sending = false;
        if (input.value.trim() === text) input.value = '';
        showStatus(undefined);
        redraw();
      },
      (error: unknown) => {
        sending = false;
        const failure = describeError(error);
        showStatus(`Not sent: ${failure.message} Press Send to try again.`, failure);
        redraw();
        input.focus();
      },
    );
  });

  const redraw = (): void => {
    const state = store.state;
    input.disabled = sending || state.selected === undefined || state.registration !== 'registered';
    send.disabled = input.disabled;
    send.textContent = sending ? 'Sending…' : 'Send';
  };

  store.subscribe((state) => {
    const name = conversationName(state);
    title.textContent = name === undefined ? 'Short data' : `Short data · ${name}`;
    send.setAttribute('aria-label', `Send to ${name ?? 'nobody'}`);
    redraw();
    const selected = state.selected;
    const messages =
      selected === undefined ? [] : state.messages.filter((m) => inConversation(m, selected));
    log.replaceChildren(
      ...messages.map((m) =>
        h(
          'li',
          { class: m.direction === 'out' ? 'message out' : 'message in' },
          h('span', { class: 'message-meta' }, `${nameOf(state, m.from)} · ${formatTime(m.at)}`),
          h('span', { class: 'message-text' }, m.text),
        ),
      ),
    );
    log.scrollTop = log.scrollHeight;
  });

  return h(
    'section',
    { class: 'panel chat', 'aria-labelledby': 'chat-heading' },
    title,
    log,
    form,
    status,
  );
}

function conversationName(state: AppState): string | undefined {
  const selected = state.selected;
  if (selected === undefined) return undefined;
  if (selected.kind === 'group') return state.groups.find((g) => g.id === selected.id)?.name;
  return nameOf(state, selected.id);
}

function nameOf(state: AppState, id: string): string {
  if (id === state.userId) return 'You';
  return state.peers.find((p) => p.id === id)?.name ?? shortUri(id);
}
