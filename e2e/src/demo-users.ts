/**
 * The users, groups and one-time codes of the e2e demo. Every value here is sensitive for the
 * suite: none of them may appear in the SIP core's body log.
 *
 * @module
 */

/** SIP domain of the demo. */
export const DOMAIN = 'mcptt.example';

/** User part of the MCPTT server's URI. */
export const SERVER_NAME = 'mcptt-server';

/** One demo user. */
export interface DemoUser {
  /** User part of the MCPTT ID. */
  readonly name: string;
  readonly uri: string;
  readonly displayName: string;
  readonly code: string;
  /** True for the dispatcher, whom the server lets end others' emergencies. */
  readonly mayCancelEmergencies: boolean;
}

function user(name: string, displayName: string, code: string, dispatcher = false): DemoUser {
  return {
    name,
    uri: `sip:${name}@${DOMAIN}`,
    displayName,
    code,
    mayCancelEmergencies: dispatcher,
  };
}

/**
 * The three users of the group call, plus one whose certificate comes from a foreign CA. Alice is
 * the dispatcher.
 */
export const USERS = {
  alice: user('alice', 'Alice Dispatch', 'K7Q2-M4XP', true),
  bob: user('bob', 'Bob Engine 3', 'R9T5-W2ZN'),
  carol: user('carol', 'Carol Medic 7', 'H3V8-C6LD'),
  mallory: user('mallory', 'Mallory Intruder', 'Z1Y2-X3W4'),
} as const;

/** The group of the group call. */
export const GROUP = {
  id: `sip:fire-team-7@${DOMAIN}`,
  displayName: 'Fire Team 7',
  members: [USERS.alice.uri, USERS.bob.uri, USERS.carol.uri, USERS.mallory.uri],
} as const;
