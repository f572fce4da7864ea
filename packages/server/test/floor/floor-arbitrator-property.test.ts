import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FloorArbitrator } from '../../src/floor/floor-arbitrator.js';
import type { ServerFloorMessage } from '@mcptt-smime/floor';
import { FakeFloorClock, RecordingDelegate } from './fake-floor-clock.js';

const PARTICIPANTS = ['a', 'b', 'c', 'd'] as const;
const CAPACITY = 2;

type Operation =
  | { kind: 'join'; who: string; emergency: boolean }
  | { kind: 'leave' | 'release' | 'position'; who: string }
  | { kind: 'request'; who: string; priority: number }
  | { kind: 'wait'; ms: number };

const who = fc.constantFrom(...PARTICIPANTS);
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('join' as const), who, emergency: fc.boolean() }),
  fc.record({
    kind: fc.constantFrom('leave' as const, 'release' as const, 'position' as const),
    who,
  }),
  fc.record({
    kind: fc.constant('request' as const),
    who,
    priority: fc.integer({ min: -1, max: 300 }),
  }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
);

const isState = (message: ServerFloorMessage) =>
  message.type === 'floor-granted' ||
  message.type === 'floor-taken' ||
  message.type === 'floor-idle';

function apply(floor: FloorArbitrator, clock: FakeFloorClock, op: Operation): void {
  switch (op.kind) {
    case 'join':
      return floor.join(op.who, { emergency: op.emergency });
    case 'leave':
      return floor.leave(op.who);
    case 'release':
      return floor.release(op.who);
    case 'position':
      return floor.queuePositionRequest(op.who);
    case 'request':
      floor.request(op.who, op.priority);
      return;
    case 'wait':
      return clock.advance(op.ms);
  }
}

describe('floor arbitrator invariants', () => {
  it('keeps every participant told the truth', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const clock = new FakeFloorClock();
        const delegate = new RecordingDelegate();
        const floor = new FloorArbitrator({
          clock,
          delegate,
          maxTalkTimeMs: 30_000,
          queueCapacity: CAPACITY,
        });
        const joined = new Set<string>();
        for (const op of operations) {
          apply(floor, clock, op);
          if (op.kind === 'join') joined.add(op.who);
          if (op.kind === 'leave') joined.delete(op.who);

          const holder = floor.holder();
          const queued = floor.queue().map((entry) => entry.participant);
          expect(holder === undefined || joined.has(holder)).toBe(true);
          expect(queued).not.toContain(holder);
          expect(new Set(queued).size).toBe(queued.length);
          expect(queued.length).toBeLessThanOrEqual(CAPACITY);
          expect(holder === undefined ? queued : []).toEqual([]);
          // The last state message each participant got matches the floor as it is now.
          for (const participant of joined) {
            const last = delegate.to(participant).filter(isState).at(-1);
            if (holder === participant) {
              expect(last?.type).toBe('floor-granted');
            } else if (holder === undefined) {
              expect(last?.type).toBe('floor-idle');
            } else {
              expect(last).toMatchObject({ type: 'floor-taken', grantedParty: holder });
            }
          }
          // The holder's talk-time timer is the only one running.
          expect(clock.pending).toBe(holder === undefined ? 0 : 1);
        }
      }),
      { numRuns: 300 },
    );
  });
});
