/**
 * The list of live calls in the talk panel, each with its state and an End button.
 *
 * @module
 */

import type { CallInfo, PttClient } from '../client.js';
import { h, shortUri, syncKeyed } from '../dom.js';
import { liveCalls, type AppState, type Store } from '../store.js';

/** Options of {@link renderCallListView}. */
export interface CallListViewOptions {
  readonly store: Store;
  readonly client: PttClient;
}

/** The element of one call and the function that shows a new state of the call in it. */
interface CallRow {
  readonly element: HTMLLIElement;
  readonly update: (state: AppState, call: CallInfo) => void;
}

/**
 * Builds the list. A call keeps its row while it is live, because the store changes often during a
 * call, with each security record and floor message. A row made anew between the press and the
 * release of the End button would lose the click.
 */
export function renderCallListView(options: CallListViewOptions): HTMLUListElement {
  const list = h('ul', { class: 'call-list', 'aria-label': 'Live calls' });
  const rows = new Map<string, CallRow>();

  options.store.subscribe((state) => {
    syncKeyed(
      list,
      rows,
      liveCalls(state),
      (call) => createRow(options.client, call.id),
      (row, call) => row.update(state, call),
    );
  });
  return list;
}

function createRow(client: PttClient, callId: string): CallRow {
  const label = h('span', { class: 'call-label' });
  const badge = h('span', { class: 'call-badge' });
  const hangUp = h('button', { type: 'button', class: 'small danger' }, 'End');
  hangUp.addEventListener('click', () => client.hangUp(callId));
  const element = h('li', {}, label, badge, hangUp);

  const update = (state: AppState, call: CallInfo): void => {
    const text = callLabel(state, call);
    element.className = call.emergency ? 'call emergency-call' : 'call';
    element.dataset['state'] = call.state;
    label.textContent = text;
    badge.textContent = call.state;
    hangUp.setAttribute('aria-label', `End ${text.charAt(0).toLowerCase()}${text.slice(1)}`);
  };
  return { element, update };
}

/** Returns the label of a call, such as `Private call · Bob` or `Group call · Fire Team 1`. */
export function callLabel(state: AppState, call: CallInfo): string {
  if (call.kind === 'private') {
    const kind = call.emergency ? 'Emergency private call' : 'Private call';
    return `${kind} · ${peerName(state, call.peerId)}`;
  }
  const group = state.groups.find((g) => g.id === call.groupId)?.name ?? shortUri(call.groupId);
  const label = `${call.emergency ? 'Emergency group call' : 'Group call'} · ${group}`;
  if (!call.emergencyAtSetUp || call.direction !== 'incoming' || call.peerId === undefined) {
    return label;
  }
  return `${label} · started by ${peerName(state, call.peerId)}`;
}

function peerName(state: AppState, id: string | undefined): string {
  return state.peers.find((p) => p.id === id)?.name ?? shortUri(id);
}
