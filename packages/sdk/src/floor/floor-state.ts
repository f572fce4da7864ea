/**
 * The floor states of an MCPTT client (the floor participant of 3GPP TS 24.380) and the edges
 * between them.
 *
 * ```
 *   idle ──────┐ request()  ┌────── taken
 *              ▼            ▼
 *            pending-request ──Floor Queue Position Info──► queued
 *              │          │                                   │
 *              │          │ Floor Granted       Floor Granted │
 *              │          ▼                                   │
 *              │        granted ◄─────────────────────────────┘
 *              │          │ release() or Floor Revoke
 *              │          ▼
 *              │        releasing ──Floor Idle or Floor Taken──► idle or taken
 *              └── Floor Deny or timeout ──────────────────────► idle or taken
 *
 *   idle ◄── Floor Idle / Floor Taken ──► taken
 *   idle or taken ── Floor Granted or Queue Position Info ──► granted or queued
 *                    (the answer to an implicit request in the call's INVITE)
 *   pending-request or queued ── release() ──► releasing
 *   queued ── Floor Deny or Floor Idle ──► idle or taken
 *   granted ── Floor Idle or Floor Taken ──► idle or taken
 *   any state but closed ── channel closed or close() ──► closed (final)
 * ```
 *
 * `releasing` is TS 24.380's "U: pending Release": the client has sent Floor Release and waits
 * for Floor Idle or Floor Taken, which end it in `idle` or `taken` (the released state).
 *
 * @module
 */

/** Floor state of the client. `closed` is final. */
export type FloorState =
  'idle' | 'taken' | 'pending-request' | 'queued' | 'granted' | 'releasing' | 'closed';

/** The states each state may move to; every other edge is illegal. */
export const FLOOR_TRANSITIONS: Readonly<Record<FloorState, readonly FloorState[]>> = {
  idle: ['taken', 'pending-request', 'queued', 'granted', 'closed'],
  taken: ['idle', 'pending-request', 'queued', 'granted', 'closed'],
  'pending-request': ['granted', 'queued', 'idle', 'taken', 'releasing', 'closed'],
  queued: ['granted', 'idle', 'taken', 'releasing', 'closed'],
  granted: ['idle', 'taken', 'releasing', 'closed'],
  releasing: ['idle', 'taken', 'closed'],
  closed: [],
};

/** True when the floor may move from `from` to `to`. */
export function isFloorTransition(from: FloorState, to: FloorState): boolean {
  return FLOOR_TRANSITIONS[from].includes(to);
}
