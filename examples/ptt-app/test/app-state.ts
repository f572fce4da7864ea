/**
 * Builders of app states and calls for the unit tests, with the fields that most tests leave
 * alone filled in.
 *
 * @module
 */

import type { CallInfo } from '../src/client.js';
import type { AppState } from '../src/store.js';

/** The group of the test states. */
export const GROUP = 'sip:fire-1@mcptt.example';
/** The local user of the test states. */
export const ALICE = 'sip:alice@mcptt.example';
/** Another user. */
export const BOB = 'sip:bob@mcptt.example';

/** Returns a confirmed outgoing call of {@link GROUP}, with `fields` over it. */
export function testCall(id: string, fields: Partial<CallInfo> = {}): CallInfo {
  return {
    id,
    kind: 'group',
    direction: 'outgoing',
    groupId: GROUP,
    peerId: undefined,
    emergency: false,
    emergencyCaller: false,
    emergencyAtSetUp: false,
    state: 'confirmed',
    reason: undefined,
    ...fields,
  };
}

/** Returns the registered state of {@link ALICE} with `calls`, and `fields` over it. */
export function testState(
  calls: readonly CallInfo[] = [],
  fields: Partial<AppState> = {},
): AppState {
  return {
    userId: ALICE,
    displayName: 'Alice',
    mayCancelEmergencies: false,
    registration: 'registered',
    registrationError: undefined,
    groups: [],
    pendingAffiliations: new Map(),
    peers: [],
    selected: undefined,
    calls: new Map(calls.map((c) => [c.id, c])),
    talkers: new Map(),
    talking: false,
    revokedTalk: undefined,
    messages: [],
    records: [],
    notice: undefined,
    ...fields,
  };
}
