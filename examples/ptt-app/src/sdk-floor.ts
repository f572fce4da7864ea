/**
 * The app's side of the SDK's floor control (`call.floor`, 3GPP TS 24.380): it turns the floor's
 * typed events into a {@link FloorStatus} and the talker of the call, and requests and releases
 * the floor only from the states where the SDK allows it.
 *
 * @module
 */

import type { FloorControl, FloorState } from '@mcptt-smime/sdk';
import type { FloorStatus } from './floor-status.js';

/** Receives what floor control reports for one call. */
export interface FloorListener {
  /** Receives the status after each change, and once when the app starts following the floor. */
  readonly onStatus: (status: FloorStatus) => void;
  /** Receives the MCPTT ID of the talker, or undefined when no one talks. */
  readonly onTalker: (talkerId: string | undefined) => void;
}

/** The server's last Floor Granted, Deny or Revoke, which the status shows until the floor changes. */
type LastVerdict =
  | { readonly phase: 'granted'; readonly maxTalkSeconds: number; readonly emergency: boolean }
  | { readonly phase: 'denied'; readonly cause: number }
  | { readonly phase: 'revoked'; readonly cause: number };

/**
 * Follows a call's floor control: replaces `floor.delegate`, reports the current status at once
 * and every change after it. `userId` is the local user, the talker while the floor is granted.
 */
export function watchFloor(floor: FloorControl, userId: string, listener: FloorListener): void {
  let verdict: LastVerdict | undefined;
  let holderEmergency = false;
  const report = (): void => listener.onStatus(floorStatus(floor, verdict, holderEmergency));

  floor.delegate = {
    onStateChange: (change) => {
      verdict = undefined;
      if (change.state === 'idle') listener.onTalker(undefined);
      // Floor Deny and Floor Revoke report their cause next, and that report shows the change.
      if (change.cause !== 'denied' && change.cause !== 'revoked') report();
    },
    onGranted: (event) => {
      verdict = { phase: 'granted', maxTalkSeconds: event.duration, emergency: event.emergency };
      listener.onTalker(userId);
      report();
    },
    onTaken: (event) => {
      verdict = undefined;
      holderEmergency = event.emergency;
      listener.onTalker(event.holder);
      report();
    },
    onDenied: (event) => {
      verdict = { phase: 'denied', cause: event.cause };
      report();
    },
    onRevoked: (event) => {
      verdict = { phase: 'revoked', cause: event.cause };
      listener.onTalker(undefined);
      report();
    },
    onQueued: () => report(),
  };
  report();
}

/** Sends Floor Request unless the floor is already requested, queued or held. */
export function requestFloor(floor: FloorControl): void {
  if (floor.state === 'idle' || floor.state === 'taken') floor.request();
}

/**
 * Sends Floor Release while the floor is requested, queued or held. In any other state there is
 * nothing to give back: a Floor Deny, for example, may have ended the request while the button
 * was held.
 */
export function releaseFloor(floor: FloorControl): void {
  const holding: readonly FloorState[] = ['pending-request', 'queued', 'granted'];
  if (holding.includes(floor.state)) floor.release();
}

function floorStatus(
  floor: FloorControl,
  verdict: LastVerdict | undefined,
  holderEmergency: boolean,
): FloorStatus {
  const holder = floor.holder;
  switch (floor.state) {
    case 'idle':
    case 'taken':
      if (verdict?.phase === 'denied') return { phase: 'denied', cause: verdict.cause, holder };
      return holder === undefined
        ? { phase: 'idle' }
        : { phase: 'taken', holder, emergency: holderEmergency };
    case 'pending-request':
      return { phase: 'requesting' };
    case 'queued':
      return { phase: 'queued', position: floor.queuePosition, holder };
    case 'granted':
      return verdict?.phase === 'granted'
        ? verdict
        : { phase: 'granted', maxTalkSeconds: 0, emergency: false };
    case 'releasing':
      return verdict?.phase === 'revoked' ? verdict : { phase: 'releasing' };
    case 'closed':
      return { phase: 'closed' };
  }
}
