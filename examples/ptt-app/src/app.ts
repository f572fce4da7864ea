/**
 * Mounts the console once an identity exists: header, groups and users, the talk panel, chat and
 * the security panel, all driven by one {@link PttClient}.
 *
 * @module
 */

import {
  changeAffiliation,
  restoreAffiliation,
  storageAffiliationMemory,
  type AffiliationMemory,
} from './affiliation.js';
import type { PttClient, PttClientDelegate } from './client.js';
import { h, shortUri, showWithDetail } from './dom.js';
import {
  describeError,
  describeRegistrationFailure,
  registrationFailureText,
} from './error-text.js';
import {
  appendRecord,
  droppedCallNotice,
  liveCalls,
  resolveNotice,
  withCall,
  selectionAfter,
  Store,
  type AppState,
} from './store.js';
import { renderChatView } from './views/chat-view.js';
import { renderDirectoryView } from './views/directory-view.js';
import { renderEmergencyBannerView } from './views/emergency-banner-view.js';
import { renderIncomingCallView } from './views/incoming-call-view.js';
import { renderNoticeView } from './views/notice-view.js';
import { renderSecurityView } from './views/security-view.js';
import { renderTalkView } from './views/talk-view.js';

/** Options of {@link mountConsole}. */
export interface ConsoleOptions {
  readonly client: PttClient;
  /** URL of the dev server's core-log endpoint, undefined outside dev mode. */
  readonly coreLogUrl: string | undefined;
  /** Called when the user asks to remove the identity from this browser. */
  readonly onForget?: () => void;
  /** The affiliated groups across page loads; default the page's `localStorage`. */
  readonly affiliationMemory?: AffiliationMemory;
}

/** Builds the console into `root`, starts the client and returns the store. */
export function mountConsole(root: HTMLElement, options: ConsoleOptions): Store {
  const { client } = options;
  const store = new Store(initialState(client));
  const onError = (action: string, error: unknown): void => {
    const { message, detail } = describeError(error);
    store.update(() => ({
      notice: { message: `${action} failed: ${message}`, detail, source: action },
    }));
  };
  const onSuccess = (action: string): void => store.update((s) => resolveNotice(s, action));
  const views = { store, client, onError, onSuccess };
  const memory = options.affiliationMemory ?? storageAffiliationMemory();
  const affiliation = { store, client, memory, onError, onSuccess };

  root.replaceChildren(
    renderHeader(store, options),
    renderEmergencyBannerView(store),
    h(
      'div',
      { class: 'layout' },
      renderDirectoryView({
        ...views,
        onAffiliationChange: (groupId, affiliated) => {
          void changeAffiliation(affiliation, groupId, affiliated);
        },
      }),
      h('div', { class: 'centre' }, renderTalkView(views), renderChatView(views)),
      renderSecurityView({ store, coreLogUrl: options.coreLogUrl }),
    ),
    renderIncomingCallView(views),
  );

  // The first registration publishes the groups stored before the page loaded. JsSIP's later
  // registrations, after a lost connection, keep the affiliation that the SDK refreshes.
  const delegate = delegateFor(store, client);
  let restored = false;
  const onRegistration: PttClientDelegate['onRegistration'] = (registration, reason) => {
    delegate.onRegistration?.(registration, reason);
    if (registration !== 'registered' || restored) return;
    restored = true;
    void restoreAffiliation(affiliation);
  };
  startWithRetries(client, { ...delegate, onRegistration }, (error) => {
    store.update((state) => failedStart(state, error));
  });
  // A closed or reloaded page ends its calls with a BYE. The other side's media goes to the MCPTT
  // server, not to this page, so its connection stays up and nothing else would end its call.
  // NOTE: the BYE leaves before the page unloads because it has no body, which the SDK sends
  // without awaiting WebCrypto. A request that had to be signed first would be lost.
  window.addEventListener('pagehide', () => {
    for (const call of liveCalls(store.state)) client.hangUp(call.id);
  });
  return store;
}

/** Delay before the app starts the client again after a failed start, doubled after each. */
export const START_RETRY_MS = 5_000;

/** Maximum delay between two attempts to start the client. */
export const MAX_START_RETRY_MS = 60_000;

/**
 * Starts the client, and after a failed start stops it and starts it again, after
 * {@link START_RETRY_MS} doubling up to {@link MAX_START_RETRY_MS}, until a start succeeds. So a
 * page loaded while the SIP core or the MCPTT server was down registers once they are back.
 * `onFailure` gets each error with the delay before the next attempt.
 */
export function startWithRetries(
  client: Pick<PttClient, 'start' | 'stop'>,
  delegate: PttClientDelegate,
  onFailure: (error: unknown, retryMs: number) => void,
  schedule: (run: () => void, ms: number) => void = (run, ms) => {
    setTimeout(run, ms);
  },
): void {
  let failures = 0;
  const attempt = (): void => {
    client.start(delegate).then(
      () => {
        failures = 0;
      },
      (error: unknown) => {
        failures += 1;
        const retryMs = Math.min(START_RETRY_MS * 2 ** (failures - 1), MAX_START_RETRY_MS);
        onFailure(error, retryMs);
        schedule(() => {
          void client.stop().then(attempt);
        }, retryMs);
      },
    );
  };
  attempt();
}

/**
 * Returns the change of `state` when the client's start failed with `error`. A rejected
 * registration or service authorisation has already come through `onRegistration` with its
 * cause, which names the step that failed, such as an MCPTT server that the core cannot reach.
 * That description stays, because the error alone has only the SIP status.
 */
export function failedStart(state: AppState, error: unknown): Partial<AppState> {
  if (state.registration === 'failed' && state.registrationError !== undefined) return {};
  return { registration: 'failed', registrationError: describeError(error) };
}

function initialState(client: PttClient): AppState {
  const groups = client.groups();
  const first = groups.find((g) => g.affiliated) ?? groups[0];
  return {
    userId: client.userId,
    displayName: client.displayName,
    mayCancelEmergencies: client.mayCancelEmergencies,
    registration: 'unregistered',
    registrationError: undefined,
    groups,
    pendingAffiliations: new Map(),
    peers: client.peers(),
    selected: first === undefined ? undefined : { kind: 'group', id: first.id },
    calls: new Map(),
    talkers: new Map(),
    talking: false,
    revokedTalk: undefined,
    messages: [],
    records: [],
    notice: undefined,
  };
}

/** Routes every client callback into one store update. */
export function delegateFor(store: Store, client: PttClient): PttClientDelegate {
  return {
    onRegistration: (registration, reason) => {
      const registrationError =
        registration === 'failed' ? describeRegistrationFailure(reason) : undefined;
      store.update(() => ({ registration, registrationError, groups: client.groups() }));
    },
    onCall: (call) => {
      store.update((s) => {
        const notice = droppedCallNotice(s, call);
        return { ...withCall(s, call), ...(notice === undefined ? {} : { notice }) };
      });
    },
    onTalker: (callId, talkerId) => {
      store.update((s) => ({ talkers: new Map(s.talkers).set(callId, talkerId) }));
    },
    onShortData: (message) => {
      store.update((s) => ({
        messages: [...s.messages, message],
        selected: selectionAfter(s.selected, message),
      }));
    },
    onSecurityRecord: (record) => {
      store.update((s) => ({ records: appendRecord(s.records, record) }));
    },
    onRejected: (message, detail) => {
      store.update(() => ({ notice: { message, detail, source: 'security' } }));
    },
  };
}

function renderHeader(store: Store, options: ConsoleOptions): HTMLElement {
  const registration = h('span', { class: 'registration', role: 'status' });

  store.subscribe((state) => {
    const failure = state.registration === 'failed' ? state.registrationError : undefined;
    showWithDetail(registration, registrationText(state), failure?.detail);
    registration.dataset['state'] = state.registration;
  });

  return h(
    'header',
    { class: 'top' },
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '◉'), 'MCPTT'),
    h(
      'div',
      { class: 'who' },
      h('span', { class: 'who-name' }, store.state.displayName),
      h('span', { class: 'who-id' }, shortUri(store.state.userId)),
    ),
    registration,
    options.onForget === undefined ? undefined : renderForgetControl(store, options.onForget),
    renderNoticeView(store),
  );
}

/**
 * Builds the Remove identity button and the confirmation that it opens in the page. The
 * confirmation names the identity, because its private key cannot be recovered once deleted.
 */
function renderForgetControl(store: Store, onForget: () => void): HTMLElement {
  const { displayName, userId } = store.state;
  const open = h('button', { type: 'button', class: 'small' }, 'Remove identity');
  const remove = h('button', { type: 'button', class: 'small danger' }, 'Remove');
  const cancel = h('button', { type: 'button', class: 'small' }, 'Cancel');
  const confirm = h(
    'div',
    { class: 'confirm', role: 'group', 'aria-labelledby': 'forget-question' },
    h(
      'p',
      { id: 'forget-question' },
      `Remove ${displayName} (${userId}) from this browser? Its private key is deleted, and ` +
        'enrolling again needs a new one-time code.',
    ),
    remove,
    cancel,
  );
  confirm.hidden = true;

  const showConfirm = (shown: boolean): void => {
    confirm.hidden = !shown;
    open.hidden = shown;
    (shown ? cancel : open).focus();
  };
  open.addEventListener('click', () => showConfirm(true));
  cancel.addEventListener('click', () => showConfirm(false));
  remove.addEventListener('click', () => {
    remove.disabled = true;
    cancel.disabled = true;
    onForget();
  });
  return h('div', { class: 'forget' }, open, confirm);
}

function registrationText(state: AppState): string {
  switch (state.registration) {
    case 'registered':
      return 'Registered · protected';
    case 'registering':
      return 'Registering…';
    case 'reconnecting':
      return 'Connection lost · reconnecting…';
    case 'failed':
      return registrationFailureText(state.registrationError);
    case 'unregistered':
      return 'Not registered';
  }
}
