/**
 * The floor indicator of the talk panel: Idle, Requesting, Granted, Taken (and who talks), Queued
 * (and the place in the queue), Denied (and why), in words as well as colour, announced politely
 * to screen readers. It plays the grant tone when the floor of any call becomes granted.
 *
 * @module
 */

import type { CallInfo } from '../client.js';
import { h, shortUri } from '../dom.js';
import { describeFloor, newlyGranted, type FloorStatus } from '../floor-status.js';
import { createGrantTone, type GrantTone } from '../floor-tone.js';
import { shownFloor, type AppState, type Store } from '../store.js';

/** Options of {@link renderFloorView}. */
export interface FloorViewOptions {
  readonly store: Store;
  /** Returns the call whose floor the indicator shows, such as the open group's call. */
  readonly callOf: (state: AppState) => CallInfo | undefined;
  /** Default: the page's oscillator tone of 150 ms, unlocked by any press or key. */
  readonly tone?: GrantTone;
}

/** Builds the floor indicator. It is hidden while the shown call has no floor control. */
export function renderFloorView(options: FloorViewOptions): HTMLElement {
  const { store } = options;
  const tone = options.tone ?? sharedGrantTone();
  const icon = h('span', { class: 'floor-icon', 'aria-hidden': 'true' });
  const label = h('span', { class: 'floor-label' });
  const detail = h('span', { class: 'floor-detail' });
  const indicator = h(
    'p',
    { class: 'floor', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' },
    icon,
    label,
    h('span', { class: 'visually-hidden' }, ': '),
    detail,
  );

  let floors = floorsOf(store.state);
  store.subscribe((state) => {
    const next = floorsOf(state);
    if (newlyGranted(floors, next).length > 0) tone.play();
    floors = next;

    const call = options.callOf(state);
    const status = call === undefined ? undefined : shownFloor(state, call);
    indicator.hidden = status === undefined;
    if (status === undefined) return;
    const display = describeFloor(status, (id) => nameOf(state, id));
    indicator.className = `floor ${display.className}`;
    icon.textContent = ICONS[status.phase];
    label.textContent = display.label;
    detail.textContent = display.detail;
  });
  return indicator;
}

/** A shape for each phase, so that the phase shows without colour as well as in the label. */
const ICONS: Readonly<Record<FloorStatus['phase'], string>> = {
  idle: '○',
  requesting: '◌',
  granted: '●',
  taken: '◆',
  queued: '⋯',
  denied: '✕',
  revoked: '✕',
  releasing: '◌',
  closed: '–',
};

let grantTone: GrantTone | undefined;

/**
 * Returns the one grant tone of the page, so that a console mounted again after a change of
 * identity adds no second audio context or listener.
 */
function sharedGrantTone(): GrantTone {
  if (grantTone !== undefined) return grantTone;
  const tone = createGrantTone();
  // The press of the talk button is the gesture that lets the tone play when the grant arrives.
  const unlock = (): void => tone.unlock();
  document.addEventListener('pointerdown', unlock, { capture: true, passive: true });
  document.addEventListener('keydown', unlock, { capture: true, passive: true });
  grantTone = tone;
  return tone;
}

function floorsOf(state: AppState): ReadonlyMap<string, FloorStatus | undefined> {
  return new Map([...state.calls.values()].map((call) => [call.id, call.floor]));
}

function nameOf(state: AppState, id: string): string {
  if (id === state.userId) return `${state.displayName} (you)`;
  return state.peers.find((peer) => peer.id === id)?.name ?? shortUri(id);
}
