/**
 * The floor of a call as the app shows it, and the words for it. Floor control (3GPP TS 24.380)
 * decides who may talk. The SDK's `call.floor` reports its state, and the app keeps one
 * {@link FloorStatus} per call.
 *
 * @module
 */

/**
 * Floor of one call. `denied` and `revoked` are not floor states of their own. They show the
 * server's last Floor Deny or Floor Revoke, with its reject cause, until the floor changes again.
 */
export type FloorStatus =
  | { readonly phase: 'idle' }
  | { readonly phase: 'requesting' }
  | {
      readonly phase: 'granted';
      /** Maximum talk time in seconds; 0 means no limit. */
      readonly maxTalkSeconds: number;
      readonly emergency: boolean;
    }
  | {
      readonly phase: 'taken';
      /** MCPTT ID of the talker. */
      readonly holder: string;
      readonly emergency: boolean;
    }
  | {
      readonly phase: 'queued';
      /** Place in the queue, 1 for the next to talk; undefined until the server sends it. */
      readonly position: number | undefined;
      readonly holder: string | undefined;
    }
  | {
      readonly phase: 'denied';
      /** Floor Deny reject cause of TS 24.380. */
      readonly cause: number;
      readonly holder: string | undefined;
    }
  | {
      readonly phase: 'revoked';
      /** Floor Revoke reject cause of TS 24.380. */
      readonly cause: number;
    }
  | { readonly phase: 'releasing' }
  | { readonly phase: 'closed' };

/** Content of the floor indicator: a one-word label, a sentence, and the CSS class of its colour. */
export interface FloorDisplay {
  readonly label: string;
  readonly detail: string;
  readonly className: `floor-${FloorStatus['phase']}`;
}

/** Returns the display name of an MCPTT ID. */
export type NameOf = (id: string) => string;

/** Floor Deny reject causes of TS 24.380, in words for the user. */
const DENY_REASONS: Readonly<Record<number, string>> = {
  1: 'another user has permission to talk',
  2: 'the floor control server failed',
  3: 'you are the only participant',
  4: 'the retry-after time has not passed',
  5: 'this call is receive-only',
  6: 'no resources are available',
  7: 'the queue is full',
};

/** Floor Revoke reject causes of TS 24.380, in words for the user. */
const REVOKE_REASONS: Readonly<Record<number, string>> = {
  1: 'you are the only participant',
  2: 'the maximum talk time is over',
  3: 'you have no permission to talk',
  4: 'an emergency call pre-empted you',
  6: 'no resources are available',
};

/** Returns the reason of a Floor Deny cause as a phrase. */
export function denyReason(cause: number): string {
  return DENY_REASONS[cause] ?? 'the server gave no reason';
}

/** Returns the reason of a Floor Revoke cause as a phrase. */
export function revokeReason(cause: number): string {
  return REVOKE_REASONS[cause] ?? 'the server gave no reason';
}

/** Returns the label, sentence and CSS class that show a floor status. */
export function describeFloor(status: FloorStatus, nameOf: NameOf): FloorDisplay {
  const className = `floor-${status.phase}` as const;
  switch (status.phase) {
    case 'idle':
      return { label: 'Idle', detail: 'Nobody has the floor.', className };
    case 'requesting':
      return { label: 'Requesting', detail: 'Waiting for the floor…', className };
    case 'granted': {
      const limit =
        status.maxTalkSeconds > 0 ? ` for up to ${String(status.maxTalkSeconds)} s` : '';
      const emergency = status.emergency ? ' (emergency)' : '';
      return { label: 'Granted', detail: `You may talk${limit}${emergency}.`, className };
    }
    case 'taken': {
      const emergency = status.emergency ? ' (emergency)' : '';
      return {
        label: 'Taken',
        detail: `${nameOf(status.holder)} has the floor${emergency}.`,
        className,
      };
    }
    case 'queued': {
      const place =
        status.position === undefined
          ? 'You are in the queue.'
          : `Position ${String(status.position)} in the queue.`;
      return { label: 'Queued', detail: withHolder(place, status.holder, nameOf), className };
    }
    case 'denied': {
      const reason = `${capitalise(denyReason(status.cause))}.`;
      return { label: 'Denied', detail: withHolder(reason, status.holder, nameOf), className };
    }
    case 'revoked':
      return { label: 'Revoked', detail: `${capitalise(revokeReason(status.cause))}.`, className };
    case 'releasing':
      return { label: 'Releasing', detail: 'Giving the floor back…', className };
    case 'closed':
      return { label: 'No floor', detail: 'Floor control has ended for this call.', className };
  }
}

/**
 * Returns the Call-IDs whose floor became `granted` between two maps of floor statuses, so that
 * the app plays the grant tone once per grant.
 */
export function newlyGranted(
  previous: ReadonlyMap<string, FloorStatus | undefined>,
  next: ReadonlyMap<string, FloorStatus | undefined>,
): string[] {
  const granted: string[] = [];
  for (const [callId, status] of next) {
    if (status?.phase === 'granted' && previous.get(callId)?.phase !== 'granted') {
      granted.push(callId);
    }
  }
  return granted;
}

function withHolder(sentence: string, holder: string | undefined, nameOf: NameOf): string {
  return holder === undefined ? sentence : `${sentence} ${nameOf(holder)} has the floor.`;
}

function capitalise(phrase: string): string {
  return phrase.charAt(0).toUpperCase() + phrase.slice(1);
}
