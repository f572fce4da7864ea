/**
 * The talk panel: the call state of the open group or user, who is talking or the floor
 * indicator, the push-to-talk button (held by mouse, touch or the space bar, or latched by Enter or
 * a screen reader), the emergency button of a group and the list of live calls.
 *
 * @module
 */

import type { CallInfo, PttClient } from '../client.js';
import { h, shortUri } from '../dom.js';
import {
  emergencyButton,
  type EmergencyAction,
  type EmergencyButton,
} from '../emergency-button.js';
import type { AppState, Store } from '../store.js';
import { mayPressTalk, talkTarget, type TalkTarget } from '../talk-target.js';
import { renderCallListView } from './call-list-view.js';
import { renderFloorView } from './floor-view.js';

/** Options of {@link renderTalkView}. */
export interface TalkViewOptions {
  readonly store: Store;
  readonly client: PttClient;
  readonly onError: (action: string, error: unknown) => void;
  /** Reports a successful action, which clears the notice of an earlier failure of it. */
  readonly onSuccess: (action: string) => void;
}

/** Builds the talk panel and binds the push-to-talk inputs. */
export function renderTalkView(options: TalkViewOptions): HTMLElement {
  const { store } = options;
  const title = h('h2', { id: 'talk-heading' }, 'No group');
  const callState = h('p', { class: 'call-state', role: 'status', 'aria-live': 'polite' });
  const talker = h('p', { class: 'talker', 'aria-live': 'assertive', 'aria-atomic': 'true' });
  const pttHint = h('span', { class: 'ptt-hint' }, PTT_HINT);
  const ptt = h(
    'button',
    { type: 'button', class: 'ptt', 'aria-label': PTT_LABEL },
    h('span', { class: 'ptt-label' }, 'PUSH TO TALK'),
    pttHint,
  );
  const emergency = h('button', { type: 'button', class: 'emergency' }, 'EMERGENCY');
  const calls = renderCallListView(options);
  const floor = renderFloorView({ store, callOf: (state) => talkTarget(state).call });
  // Call-IDs whose emergency the user is ending, until the server responds.
  const ending = new Set<string>();

  const talk = bindPushToTalk(ptt, options);
  bindEmergency(emergency, options, ending);

  store.subscribe((state) => {
    const target = talkTarget(state);
    const call = target.call;
    title.textContent = targetName(state, target);
    callState.textContent = describeTarget(state, target);
    talker.textContent = describeTalker(state, call);
    talker.classList.toggle('active', state.talking || talkerOf(state, call) !== undefined);
    // With floor control, holding the button only requests the floor: the floor indicator
    // names the talker instead.
    talker.hidden = call?.floor !== undefined || (target.kind === 'user' && call === undefined);
    ptt.disabled = !mayPressTalk(state, target);
    pttHint.textContent = pttHintText(state, target, talk.isLatched());
    ptt.classList.toggle('pressed', state.talking);
    // The held button turns green only once the floor is granted.
    ptt.classList.toggle('waiting', state.talking && !mayTalk(call));
    ptt.setAttribute('aria-pressed', String(state.talking));
    showEmergency(emergency, emergencyButton(state, ending));
  });

  return h(
    'section',
    { class: 'panel talk', 'aria-labelledby': 'talk-heading' },
    h('div', { class: 'talk-head' }, title, emergency),
    callState,
    talker,
    floor,
    ptt,
    calls,
  );
}

/** The accessible name of the talk button. */
const PTT_LABEL =
  'Push to talk: hold it or the space bar, or press it once to start and again to stop';

/** The hint inside the talk button. */
const PTT_HINT = 'hold · space bar';

/** The hint inside the talk button in a user's conversation without a call. */
const CALL_HINT = 'Call or Auto to talk';

/** The hint inside the talk button while a click from Enter or a screen reader keeps it pressed. */
const LATCHED_HINT = 'press again to stop';

/** The hint inside the talk button while the client is not registered, which disables it. */
const OFFLINE_HINT = 'not registered';

/** Returns the hint inside the talk button, which shows why a disabled button cannot be pressed. */
export function pttHintText(state: AppState, target: TalkTarget, latched: boolean): string {
  if (state.registration !== 'registered') return OFFLINE_HINT;
  if (target.kind === 'user' && target.call === undefined) return CALL_HINT;
  return latched ? LATCHED_HINT : PTT_HINT;
}

/** True unless floor control of the call withholds the floor from the user. */
function mayTalk(call: CallInfo | undefined): boolean {
  return call?.floor === undefined || call.floor.phase === 'granted';
}

function targetName(state: AppState, target: TalkTarget): string {
  if (target.kind === 'group') return target.group?.name ?? 'No group';
  return peerName(state, target.peerId);
}

/** Starts and stops talking from the talk button's inputs. */
interface TalkControl {
  /** Starts talking. A latched talk goes on until the next press instead of a release. */
  press(latched: boolean): void;
  release(): void;
  /** True while a latched talk goes on. */
  isLatched(): boolean;
}

function createTalkControl(button: HTMLButtonElement, options: TalkViewOptions): TalkControl {
  const { store, client } = options;
  let latched = false;
  const press = (latch: boolean): void => {
    if (store.state.talking || button.disabled) return;
    const target = talkTarget(store.state);
    const pressed = talkIn(client, target);
    if (pressed === undefined) return;
    latched = latch;
    store.update(() => ({ talking: true }));
    const action = target.kind === 'group' ? 'Group call' : 'Talk in the private call';
    pressed.then(
      () => options.onSuccess(action),
      (error: unknown) => {
        store.update(() => ({ talking: false, revokedTalk: undefined }));
        options.onError(action, error);
      },
    );
  };
  const release = (): void => {
    if (!store.state.talking) return;
    latched = false;
    store.update(() => ({ talking: false, revokedTalk: undefined }));
    client.releaseTalk();
  };
  return { press, release, isLatched: () => latched && store.state.talking };
}

/** Binds the pointer, click and keyboard inputs of the talk button. */
function bindPushToTalk(button: HTMLButtonElement, options: TalkViewOptions): TalkControl {
  const talk = createTalkControl(button, options);

  button.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    button.setPointerCapture(event.pointerId);
    talk.press(false);
  });
  button.addEventListener('pointerup', () => talk.release());
  button.addEventListener('pointercancel', () => talk.release());
  button.addEventListener('lostpointercapture', () => talk.release());
  // A long touch would otherwise open the context menu and cancel the pointer.
  button.addEventListener('contextmenu', (event) => event.preventDefault());

  // Enter and screen readers send a click without a pointer press (detail 0), and a screen reader
  // cannot hold a button. Such a click starts talking, and the next one stops.
  button.addEventListener('click', (event) => {
    if (event.detail !== 0) return;
    if (options.store.state.talking) talk.release();
    else talk.press(true);
  });
  // A held Enter key repeats its click, which would stop the talk that it just started.
  button.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.repeat) event.preventDefault();
  });

  bindSpaceBar(button, talk);
  return talk;
}

/** Binds the space bar to talk, and stops talking when the page loses the focus. */
function bindSpaceBar(button: HTMLButtonElement, talk: TalkControl): void {
  // True while a space bar press that started talking is held down.
  let spaceHeld = false;
  document.addEventListener('keydown', (event) => {
    if (event.code !== 'Space' || !spaceTalks(event.target, button)) return;
    event.preventDefault();
    if (event.repeat) return;
    spaceHeld = true;
    talk.press(false);
  });
  document.addEventListener('keyup', (event) => {
    if (event.code !== 'Space' || !spaceHeld) return;
    event.preventDefault();
    spaceHeld = false;
    talk.release();
  });

  // A page that loses the focus gets no keyup or pointerup, so the microphone would stay open.
  const releaseAll = (): void => {
    spaceHeld = false;
    talk.release();
  };
  window.addEventListener('blur', releaseAll);
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) releaseAll();
  });
}

/**
 * True when the space bar talks: focus is on the page itself or on the talk button, and no dialog
 * is open. On any other control the space bar presses that control, as users expect.
 */
function spaceTalks(target: EventTarget | null, button: HTMLButtonElement): boolean {
  if (document.querySelector('dialog[open]') !== null) return false;
  return target === button || target === document.body || target === document.documentElement;
}

/** Starts talking in the target's call, or returns undefined when there is no call to talk in. */
function talkIn(client: PttClient, target: TalkTarget): Promise<void> | undefined {
  if (target.kind === 'group') {
    if (target.groupId === undefined) return undefined;
    return client.pressTalk(target.groupId);
  }
  return target.call === undefined ? undefined : client.pressTalkInCall(target.call.id);
}

function showEmergency(button: HTMLButtonElement, presentation: EmergencyButton): void {
  button.hidden = presentation.hidden;
  button.classList.toggle('active', presentation.active);
  button.textContent = presentation.text;
  button.disabled = presentation.disabled;
  button.setAttribute('aria-label', presentation.label);
}

function bindEmergency(
  button: HTMLButtonElement,
  options: TalkViewOptions,
  ending: Set<string>,
): void {
  button.addEventListener('click', () => {
    const action = emergencyButton(options.store.state, ending).action;
    if (action?.kind === 'start') startEmergency(options, action.groupId);
    else if (action?.kind === 'end') endEmergency(options, action, ending);
  });
}

/** Sets up the group's emergency call at once. The user then presses the talk button to speak. */
function startEmergency(options: TalkViewOptions, groupId: string): void {
  options.client.startEmergencyCall(groupId).then(
    () => options.onSuccess('Emergency call'),
    (error: unknown) => options.onError('Emergency call', error),
  );
}

/**
 * Ends the emergency of the user's own emergency call. The call goes on as an ordinary group
 * call, whose new state comes through the client's `onCall`.
 */
function endEmergency(
  options: TalkViewOptions,
  action: Extract<EmergencyAction, { kind: 'end' }>,
  ending: Set<string>,
): void {
  ending.add(action.callId);
  // Redraws the button, which stays disabled until the server responds.
  options.store.update(() => ({}));
  options.client
    .cancelEmergency(action.callId)
    .finally(() => ending.delete(action.callId))
    .then(
      () => options.onSuccess(END_EMERGENCY),
      (error: unknown) => options.onError(END_EMERGENCY, error),
    );
}

/** The action of the button of the user's own emergency call, as the notice bar names it. */
const END_EMERGENCY = 'End of the emergency';

/**
 * Returns the line under the talk panel's title: the state of the target's call or, without a
 * call, what the user can do. While the client is not registered, the talk button and the call
 * buttons are disabled, so the line reports that instead of asking the user to press them.
 */
export function describeTarget(state: AppState, target: TalkTarget): string {
  if (target.call === undefined && state.registration !== 'registered') {
    return OFFLINE_TEXT[state.registration];
  }
  return target.kind === 'group'
    ? describeGroupCall(state, target.call, target.group?.affiliated ?? false)
    : describePrivateCall(target.call);
}

/** The line under the talk panel's title without a call, for each state but registered. */
const OFFLINE_TEXT: Readonly<Record<Exclude<AppState['registration'], 'registered'>, string>> = {
  unregistered: 'Not registered: talk and calls are unavailable.',
  registering: 'Registering: talk and calls are available once registered.',
  reconnecting: 'Connection lost: talk and calls come back once the app has reconnected.',
  failed: 'Not registered: talk and calls are unavailable. The app tries again by itself.',
};

function describeGroupCall(
  state: AppState,
  call: CallInfo | undefined,
  affiliated: boolean,
): string {
  if (call === undefined) {
    return affiliated
      ? 'Idle. Hold the button to start a group call.'
      : 'Not affiliated: switch the group on to talk and listen.';
  }
  const kind = call.emergency ? 'Emergency group call' : 'Group call';
  const progress = call.state === 'confirmed' ? `${kind} · connected` : `${kind} · ${call.state}…`;
  // Listeners of an emergency call learn who raised it from the caller in the server's mcptt-info.
  // The server's UPDATE about an upgrade does not name the participant who requested it.
  if (!call.emergencyAtSetUp || call.direction !== 'incoming' || call.peerId === undefined) {
    return progress;
  }
  return `${progress} · started by ${peerName(state, call.peerId)}`;
}

function peerName(state: AppState, id: string): string {
  return state.peers.find((p) => p.id === id)?.name ?? shortUri(id);
}

function describePrivateCall(call: CallInfo | undefined): string {
  if (call === undefined) return 'No call with this user. Call or Auto to talk.';
  if (call.state === 'confirmed') return 'Private call · connected';
  if (call.direction === 'incoming' && call.state === 'ringing') {
    return 'Private call · ringing. Accept it to talk.';
  }
  return `Private call · ${call.state}…`;
}

function talkerOf(state: AppState, call: CallInfo | undefined): string | undefined {
  return call === undefined ? undefined : state.talkers.get(call.id);
}

function describeTalker(state: AppState, call: CallInfo | undefined): string {
  if (state.talking) return 'You are talking';
  const talkerId = talkerOf(state, call);
  if (talkerId === undefined) return 'Nobody is talking';
  return `${peerName(state, talkerId)} is talking`;
}
