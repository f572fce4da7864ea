/**
 * The talk request of a client without the floor control data channel: an INFO request inside
 * the call's dialog (RFC 6086) with `Info-Package: mcptt-talk` and a `text/plain` body of
 * `press` or `release`. The server hands it to the call's floor arbitrator as a Floor Request at
 * priority 0 or a Floor Release. The SDK sends it and the server receives it.
 *
 * @module
 */

/** The Info Package name of talk requests, in `Info-Package` and `Recv-Info` (RFC 6086 §7). */
export const TALK_INFO_PACKAGE = 'mcptt-talk';

/** Media type of the body of a talk request. */
export const TALK_MEDIA_TYPE = 'text/plain';

/** The body of a talk request: the talk button pressed or released. */
export type TalkAction = 'press' | 'release';
