/**
 * The emergency button of the talk panel: its text, state and action for the open conversation.
 * Emergency calls are group calls, so a user's conversation has no button. A press makes the
 * group's call an emergency call: the client upgrades a running ordinary call, or sets up an
 * emergency call. The user who started the emergency can end it with the button, and so can a
 * user who may cancel emergencies, such as a dispatcher. The call then goes on as an ordinary
 * group call. For other users the button is disabled while an emergency call runs.
 *
 * @module
 */

import type { AppState } from './store.js';
import { mayPressTalk, talkTarget } from './talk-target.js';

/** The action of a click on the emergency button. */
export type EmergencyAction =
  | { readonly kind: 'start'; readonly groupId: string }
  | { readonly kind: 'end'; readonly callId: string };

/** The emergency button as the talk panel shows it. */
export interface EmergencyButton {
  readonly hidden: boolean;
  readonly text: 'EMERGENCY' | 'END EMERGENCY';
  /** True while an emergency call that the user may end runs. */
  readonly active: boolean;
  readonly disabled: boolean;
  /** The accessible name. */
  readonly label: string;
  /** Undefined when a click does nothing. */
  readonly action: EmergencyAction | undefined;
}

/**
 * Returns the emergency button for `state`. `ending` contains the Call-IDs whose emergency the
 * user is ending, while the request waits for the server's response.
 */
export function emergencyButton(state: AppState, ending: ReadonlySet<string>): EmergencyButton {
  const target = talkTarget(state);
  if (target.kind === 'user') {
    return { ...EMERGENCY, hidden: true, disabled: true, label: 'Emergency group call' };
  }
  const groupName = target.group?.name ?? 'No group';
  const call = target.call?.emergency === true ? target.call : undefined;
  if (call !== undefined && (call.emergencyCaller || state.mayCancelEmergencies)) {
    const waiting = ending.has(call.id);
    // The UPDATE that ends the emergency needs the connection to the core and a call that is
    // set up, since the SDK sends it only inside an established call.
    const disabled = waiting || state.registration !== 'registered' || call.state !== 'confirmed';
    return {
      hidden: false,
      text: 'END EMERGENCY',
      active: true,
      disabled,
      label: waiting
        ? `End emergency, keep the group call to ${groupName} (waiting for the server)`
        : `End emergency, keep the group call to ${groupName}`,
      action: disabled ? undefined : { kind: 'end', callId: call.id },
    };
  }
  if (call !== undefined) {
    const label = `Emergency group call to ${groupName} in progress`;
    return { ...EMERGENCY, hidden: false, disabled: true, label };
  }
  const groupId = target.groupId;
  const disabled = groupId === undefined || !mayPressTalk(state, target);
  return {
    ...EMERGENCY,
    hidden: false,
    disabled,
    label: `Emergency group call to ${groupName}`,
    action: disabled ? undefined : { kind: 'start', groupId },
  };
}

const EMERGENCY = { text: 'EMERGENCY', active: false, action: undefined } as const;
