/**
 * The target of the talk button. In a group's conversation the button talks in the group call,
 * which the first press sets up. In a user's conversation it talks in the live private call with that user,
 * and without such a call it does nothing.
 *
 * @module
 */

import type { CallInfo, GroupInfo } from './client.js';
import { activeGroupCall, isLive, type AppState } from './store.js';

/** The target of the talk button, with the call it talks in when there is one. */
export type TalkTarget =
  | {
      readonly kind: 'group';
      /** MCPTT group ID, undefined when the user belongs to no group. */
      readonly groupId: string | undefined;
      readonly group: GroupInfo | undefined;
      readonly call: CallInfo | undefined;
    }
  | {
      readonly kind: 'user';
      /** MCPTT ID of the other user. */
      readonly peerId: string;
      readonly call: CallInfo | undefined;
    };

/**
 * Returns the target of the talk button: the open conversation's group or private call. Without
 * an open conversation it is the first affiliated group, else the first group.
 */
export function talkTarget(state: AppState): TalkTarget {
  const selected = state.selected;
  if (selected?.kind === 'user') {
    return { kind: 'user', peerId: selected.id, call: activePrivateCall(state, selected.id) };
  }
  const groupId = selected?.id ?? state.groups.find((g) => g.affiliated)?.id ?? state.groups[0]?.id;
  return {
    kind: 'group',
    groupId,
    group: state.groups.find((g) => g.id === groupId),
    call: groupId === undefined ? undefined : activeGroupCall(state, groupId),
  };
}

/** Returns the newest private call with a user that is neither ended nor failed. */
export function activePrivateCall(state: AppState, peerId: string): CallInfo | undefined {
  let found: CallInfo | undefined;
  for (const call of state.calls.values()) {
    if (call.kind === 'private' && call.peerId === peerId && isLive(call)) found = call;
  }
  return found;
}

/**
 * True when a press of the talk button can talk now: registered, and either in an affiliated
 * group or in a call that is set up. A group call that the user joined from the call dialog
 * counts, although the group is not affiliated.
 */
export function mayPressTalk(state: AppState, target: TalkTarget): boolean {
  if (state.registration !== 'registered') return false;
  if (target.call?.state === 'confirmed') return true;
  return target.kind === 'group' && target.group?.affiliated === true;
}
