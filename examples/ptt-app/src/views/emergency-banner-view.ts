/**
 * The emergency banner under the header: one alert line for each live emergency call outside the
 * open conversation, with a button that opens the call's conversation. Without it, a dispatcher
 * with another group or chat open would not see a unit's emergency.
 *
 * @module
 */

import type { CallInfo, Conversation } from '../client.js';
import { h, shortUri, syncKeyed } from '../dom.js';
import { liveCalls, type AppState, type Store } from '../store.js';
import { callLabel } from './call-list-view.js';

/** The element of one call's alert line and the function that shows a new state in it. */
interface AlertLine {
  readonly element: HTMLElement;
  readonly update: (state: AppState, call: CallInfo) => void;
}

/**
 * Builds the banner. A call keeps its line while the banner shows it, because a screen reader
 * announces each new `role="alert"` element, and the store changes often during a call.
 */
export function renderEmergencyBannerView(store: Store): HTMLElement {
  const banner = h('div', { class: 'emergency-banner' });
  const lines = new Map<string, AlertLine>();

  store.subscribe((state) => {
    const alertCalls = liveCalls(state).filter(
      (call) => call.emergency && !isOpen(state.selected, conversationOf(call)),
    );
    syncKeyed(
      banner,
      lines,
      alertCalls,
      (call) => createAlertLine(store, call),
      (line, call) => line.update(state, call),
    );
    banner.hidden = lines.size === 0;
  });
  return banner;
}

function createAlertLine(store: Store, call: CallInfo): AlertLine {
  const text = h('span', { class: 'emergency-alert-text' });
  const open = h('button', { type: 'button', class: 'small' }, 'Open');
  const conversation = conversationOf(call);
  open.addEventListener('click', () => {
    if (conversation !== undefined) store.update(() => ({ selected: conversation }));
  });
  const element = h('p', { class: 'emergency-alert', role: 'alert' }, text, open);

  const update = (state: AppState, current: CallInfo): void => {
    const label = callLabel(state, current);
    if (text.textContent !== label) text.textContent = label;
    open.setAttribute('aria-label', openLabel(state, current));
    open.hidden = conversation === undefined;
  };
  return { element, update };
}

/** Returns the accessible name of the Open button, such as `Open the emergency group call of Fire 1`. */
function openLabel(state: AppState, call: CallInfo): string {
  if (call.kind === 'group') {
    const group = state.groups.find((g) => g.id === call.groupId)?.name ?? shortUri(call.groupId);
    return `Open the emergency group call of ${group}`;
  }
  const peer = state.peers.find((p) => p.id === call.peerId)?.name ?? shortUri(call.peerId);
  return `Open the emergency private call with ${peer}`;
}

/** Returns the conversation that shows a call, or undefined for a call without a group or peer. */
function conversationOf(call: CallInfo): Conversation | undefined {
  if (call.kind === 'group') {
    return call.groupId === undefined ? undefined : { kind: 'group', id: call.groupId };
  }
  return call.peerId === undefined ? undefined : { kind: 'user', id: call.peerId };
}

function isOpen(
  selected: Conversation | undefined,
  conversation: Conversation | undefined,
): boolean {
  return (
    conversation !== undefined &&
    selected?.kind === conversation.kind &&
    selected.id === conversation.id
  );
}
