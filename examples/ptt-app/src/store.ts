/**
 * The app state and its one change function. Views subscribe and redraw their own region.
 *
 * @module
 */

import type { ErrorText } from './error-text.js';
import type { FloorStatus } from './floor-status.js';
import type {
  CallInfo,
  Conversation,
  GroupInfo,
  PeerInfo,
  RegistrationState,
  SecurityRecord,
  ShortDataMessage,
} from './client.js';

/** Most security records kept for the panel; older ones are dropped. */
export const MAX_SECURITY_RECORDS = 200;

/** Everything the views show. */
export interface AppState {
  readonly userId: string;
  readonly displayName: string;
  /** True when the local user may end the emergency of any group call it takes part in. */
  readonly mayCancelEmergencies: boolean;
  readonly registration: RegistrationState;
  /** The cause of the failed registration, while the state is `failed`. */
  readonly registrationError: ErrorText | undefined;
  readonly groups: readonly GroupInfo[];
  /** The requested affiliation by group ID, while its PUBLISH waits for the final response. */
  readonly pendingAffiliations: ReadonlyMap<string, boolean>;
  readonly peers: readonly PeerInfo[];
  /** The open conversation: the group the talk button works on, or a user for chat. */
  readonly selected: Conversation | undefined;
  /** Calls by Call-ID, ended ones included until the next call of the same group. */
  readonly calls: ReadonlyMap<string, CallInfo>;
  /** Talker MCPTT ID by Call-ID. */
  readonly talkers: ReadonlyMap<string, string | undefined>;
  /** True while the local user holds the talk button. */
  readonly talking: boolean;
  /**
   * The Floor Revoke that ended the user's talk burst while the button is still held. The floor
   * indicator shows it until the release, since the server's Floor Idle or Floor Taken follows
   * within milliseconds.
   */
  readonly revokedTalk: { readonly callId: string; readonly floor: FloorStatus } | undefined;
  readonly messages: readonly ShortDataMessage[];
  readonly records: readonly SecurityRecord[];
  /** The latest rejection or error, shown in the notice bar until dismissed or resolved. */
  readonly notice: Notice | undefined;
}

/** A message of the notice bar. */
export interface Notice {
  /** A sentence for the user. */
  readonly message: string;
  /** Technical detail, such as a SIP status, shown smaller after the message. */
  readonly detail: string | undefined;
  /**
   * The action that the notice reports, such as `Private call to Bob`. A later success of the
   * same action clears the notice.
   */
  readonly source: string;
}

type Listener = (state: AppState) => void;

/** Holds the state and notifies the views after each change. */
export class Store {
  #state: AppState;
  readonly #listeners = new Set<Listener>();

  constructor(initial: AppState) {
    this.#state = initial;
  }

  get state(): AppState {
    return this.#state;
  }

  /** Registers a listener and calls it once with the current state. */
  subscribe(listener: Listener): void {
    this.#listeners.add(listener);
    listener(this.#state);
  }

  /** Applies a change and notifies every listener. */
  update(change: (state: AppState) => Partial<AppState>): void {
    this.#state = { ...this.#state, ...change(this.#state) };
    for (const listener of this.#listeners) listener(this.#state);
  }
}

/** Returns the newest call of a group that is not over, or undefined. */
export function activeGroupCall(state: AppState, groupId: string): CallInfo | undefined {
  let found: CallInfo | undefined;
  for (const call of state.calls.values()) {
    if (call.kind === 'group' && call.groupId === groupId && isLive(call)) found = call;
  }
  return found;
}

/** Returns the incoming calls that wait for an answer. */
export function ringingCalls(state: AppState): CallInfo[] {
  return [...state.calls.values()].filter(
    (c) => c.direction === 'incoming' && c.state === 'ringing',
  );
}

/** Returns the calls that are set up or being set up, the ringing ones included. */
export function liveCalls(state: AppState): CallInfo[] {
  return [...state.calls.values()].filter(isLive);
}

/** True for a call that is neither ended nor failed. */
export function isLive(call: CallInfo): boolean {
  return call.state !== 'ended' && call.state !== 'failed';
}

/** True when a message belongs to a conversation. */
export function inConversation(message: ShortDataMessage, conversation: Conversation): boolean {
  if (conversation.kind === 'group') {
    return message.conversation.kind === 'group' && message.conversation.id === conversation.id;
  }
  // A private conversation holds the messages to that user and the ones from that user to us.
  if (message.conversation.kind !== 'user') return false;
  return message.direction === 'out'
    ? message.conversation.id === conversation.id
    : message.from === conversation.id;
}

/**
 * Returns the conversation to show after a message arrives: a received private message opens
 * the sender's chat unless another private chat is open, so that it is seen at once. The talk
 * button then works on the first affiliated group.
 */
export function selectionAfter(
  selected: Conversation | undefined,
  message: ShortDataMessage,
): Conversation | undefined {
  if (message.direction !== 'in' || message.conversation.kind !== 'user') return selected;
  if (selected?.kind === 'user') return selected;
  return { kind: 'user', id: message.from };
}

/**
 * Returns the conversation that a call talks in: its group's, or the other user's for a private
 * call. Opening it when the user starts or accepts the call points the talk button at that call,
 * not at the group call of the group that happened to be open.
 */
export function callConversation(call: CallInfo): Conversation | undefined {
  if (call.kind === 'group') {
    return call.groupId === undefined ? undefined : { kind: 'group', id: call.groupId };
  }
  return call.peerId === undefined ? undefined : { kind: 'user', id: call.peerId };
}

/**
 * Returns a copy of the records with one more first, keeping at most
 * {@link MAX_SECURITY_RECORDS}. A record whose id is listed replaces that one in place instead,
 * such as a request's record once the request failed.
 */
export function appendRecord(
  records: readonly SecurityRecord[],
  record: SecurityRecord,
): SecurityRecord[] {
  const index = records.findIndex((r) => r.id === record.id);
  if (index !== -1) return records.map((r, i) => (i === index ? record : r));
  return [record, ...records].slice(0, MAX_SECURITY_RECORDS);
}

/**
 * Returns the notice for a call that failed after it was set up, such as one whose media
 * connection failed, or undefined for any other change. Calls that fail while being set up are
 * reported by the action that started them.
 */
export function droppedCallNotice(state: AppState, call: CallInfo): Notice | undefined {
  const previous = state.calls.get(call.id);
  if (previous?.state !== 'confirmed' || call.state !== 'failed') return undefined;
  const other =
    call.kind === 'group'
      ? (state.groups.find((g) => g.id === call.groupId)?.name ?? call.groupId)
      : (state.peers.find((p) => p.id === call.peerId)?.name ?? call.peerId);
  const reason = call.reason === undefined ? '' : `: ${call.reason}`;
  return {
    message: `The ${call.kind} call with ${other ?? 'the other side'} ended${reason}.`,
    detail: undefined,
    source: `call ${call.id}`,
  };
}

/**
 * Returns the change that clears the notice when it reports `source`, whose action has now
 * succeeded, and no change for a notice of another action.
 */
export function resolveNotice(state: AppState, source: string): Partial<AppState> {
  return state.notice?.source === source ? { notice: undefined } : {};
}

/** Returns the change of the state for a new version of a call, and keeps its Floor Revoke. */
export function withCall(state: AppState, call: CallInfo): Partial<AppState> {
  const revoked = state.talking && call.floor?.phase === 'revoked';
  return {
    calls: new Map(state.calls).set(call.id, call),
    ...(revoked ? { revokedTalk: { callId: call.id, floor: call.floor } } : {}),
  };
}

/**
 * Returns the floor that the indicator shows for a call: the Floor Revoke of the user's talk
 * burst while the button is still held, else the call's floor.
 */
export function shownFloor(state: AppState, call: CallInfo): FloorStatus | undefined {
  const revoked = state.revokedTalk;
  if (state.talking && revoked?.callId === call.id) return revoked.floor;
  return call.floor;
}
