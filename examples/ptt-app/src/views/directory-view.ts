/**
 * The side list: the user's groups with their affiliation switches, and the other users with a
 * private-call button.
 *
 * @module
 */

import type { CallInfo, Conversation, PttClient } from '../client.js';
import { h, shortUri } from '../dom.js';
import { activeGroupCall, type AppState, type Store } from '../store.js';

/** Options of {@link renderDirectoryView}. */
export interface DirectoryViewOptions {
  readonly store: Store;
  readonly client: PttClient;
  /** Reports a failed action in the notice bar. */
  readonly onError: (action: string, error: unknown) => void;
  /** Reports a successful action, which clears the notice of an earlier failure of it. */
  readonly onSuccess: (action: string) => void;
  /** Called when the user switches the affiliation to a group on or off. */
  readonly onAffiliationChange: (groupId: string, affiliated: boolean) => void;
}

/** Builds the groups and users lists and keeps them in step with the store. */
export function renderDirectoryView(options: DirectoryViewOptions): HTMLElement {
  const groupList = h('ul', { class: 'list', 'aria-labelledby': 'groups-heading' });
  const peerList = h('ul', { class: 'list', 'aria-labelledby': 'peers-heading' });
  const section = h(
    'nav',
    { class: 'panel directory', 'aria-label': 'Groups and users' },
    h('h2', { id: 'groups-heading' }, 'Groups'),
    groupList,
    h('h2', { id: 'peers-heading' }, 'Users'),
    peerList,
  );

  options.store.subscribe((state) => {
    groupList.replaceChildren(...state.groups.map((g) => groupRow(options, state, g.id)));
    peerList.replaceChildren(...state.peers.map((p) => peerRow(options, state, p.id, p.name)));
  });
  return section;
}

function groupRow(options: DirectoryViewOptions, state: AppState, groupId: string): HTMLElement {
  const group = state.groups.find((g) => g.id === groupId);
  if (group === undefined) return h('li');
  const call = activeGroupCall(state, group.id);
  const selected = isSelected(state.selected, 'group', group.id);

  const select = h(
    'button',
    {
      type: 'button',
      class: 'row-main',
      'aria-pressed': String(selected),
      // The name overrides the row's text, so it repeats an emergency for screen readers.
      'aria-label': call?.emergency
        ? `Open group ${group.name}, emergency call`
        : `Open group ${group.name}`,
    },
    h('span', { class: 'row-title' }, group.name),
    call === undefined ? h('span', { class: 'row-sub' }, shortUri(group.id)) : callBadge(call),
  );
  select.addEventListener('click', () => {
    options.store.update(() => ({ selected: { kind: 'group', id: group.id } }));
  });

  // A switch whose request is under way shows the requested state until the response.
  const pending = state.pendingAffiliations.get(group.id);
  const toggle = h('input', {
    type: 'checkbox',
    role: 'switch',
    class: 'switch',
    checked: pending ?? group.affiliated,
    disabled: pending !== undefined || state.registration !== 'registered',
    'aria-busy': pending === undefined ? undefined : 'true',
    'aria-label': `Affiliated to ${group.name}`,
  });
  toggle.addEventListener('change', () => options.onAffiliationChange(group.id, toggle.checked));

  const classes = ['row', selected ? 'selected' : '', callClass(call)];
  return h('li', { class: classes.join(' ').trim() }, select, toggle);
}

function peerRow(
  options: DirectoryViewOptions,
  state: AppState,
  peerId: string,
  name: string,
): HTMLElement {
  const selected = isSelected(state.selected, 'user', peerId);
  const open = h(
    'button',
    {
      type: 'button',
      class: 'row-main',
      'aria-pressed': String(selected),
      'aria-label': `Open chat with ${name}`,
    },
    h('span', { class: 'row-title' }, name),
    h('span', { class: 'row-sub' }, shortUri(peerId)),
  );
  // Opening the chat also points the talk button at the private call with this user.
  const openChat = (): void => {
    options.store.update(() => ({ selected: { kind: 'user', id: peerId } }));
  };
  open.addEventListener('click', openChat);

  // Calls need the registration, which a lost connection to the core suspends.
  const offline = state.registration !== 'registered';
  const call = h(
    'button',
    {
      type: 'button',
      class: 'icon-button',
      disabled: offline,
      'aria-label': `Private call to ${name}`,
    },
    'Call',
  );
  call.addEventListener('click', () => {
    const action = `Private call to ${name}`;
    openChat();
    options.client.callUser(peerId).then(
      () => options.onSuccess(action),
      (error: unknown) => options.onError(action, error),
    );
  });
  const automatic = h(
    'button',
    {
      type: 'button',
      class: 'icon-button',
      disabled: offline,
      'aria-label': `Automatic call to ${name}`,
      title: 'Answered by their app at once',
    },
    'Auto',
  );
  automatic.addEventListener('click', () => {
    const action = `Automatic call to ${name}`;
    openChat();
    options.client.callUser(peerId, { automatic: true }).then(
      () => options.onSuccess(action),
      (error: unknown) => options.onError(action, error),
    );
  });
  const actions = h('span', { class: 'row-actions' }, call, automatic);
  return h('li', { class: selected ? 'row selected' : 'row' }, open, actions);
}

function isSelected(
  selected: Conversation | undefined,
  kind: Conversation['kind'],
  id: string,
): boolean {
  return selected?.kind === kind && selected.id === id;
}

/** Returns the line under a group's name that shows its live call. */
function callBadge(call: CallInfo): HTMLElement {
  if (!call.emergency) {
    return h(
      'span',
      { class: 'row-sub' },
      call.state === 'confirmed' ? '● In call' : `● ${call.state}`,
    );
  }
  const text = call.state === 'confirmed' ? 'EMERGENCY' : `EMERGENCY · ${call.state}`;
  return h('span', { class: 'row-sub' }, h('span', { class: 'emergency-badge' }, text));
}

function callClass(call: CallInfo | undefined): string {
  if (call === undefined) return '';
  return call.emergency ? 'emergency-row' : 'in-call';
}
