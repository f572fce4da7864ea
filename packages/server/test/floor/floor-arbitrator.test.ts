import { beforeEach, describe, expect, it } from 'vitest';
import {
  EMERGENCY_FLOOR_PRIORITY,
  FloorArbitrator,
  type FloorArbitratorOptions,
} from '../../src/floor/floor-arbitrator.js';
import { FakeFloorClock, RecordingDelegate } from './fake-floor-clock.js';

const ALICE = 'sip:alice@mcptt.example';
const BOB = 'sip:bob@mcptt.example';
const CAROL = 'sip:carol@mcptt.example';
const DAVE = 'sip:dave@mcptt.example';

const granted = (priority: number, emergency = false) => ({
  type: 'floor-granted',
  duration: 30,
  priority,
  emergency,
});
const taken = (grantedParty: string, emergency = false) => ({
  type: 'floor-taken',
  grantedParty,
  permissionToRequest: true,
  emergency,
});
const idle = { type: 'floor-idle' };
const position = (place: number, priority: number) => ({
  type: 'floor-queue-position-info',
  position: place,
  priority,
});

describe('floor arbitrator', () => {
  let clock: FakeFloorClock;
  let delegate: RecordingDelegate;
  let floor: FloorArbitrator;

  const create = (options: Partial<FloorArbitratorOptions> = {}) => {
    floor = new FloorArbitrator({ clock, delegate, ...options });
    for (const participant of [ALICE, BOB, CAROL]) {
      floor.join(participant);
    }
    delegate.clear();
  };

  beforeEach(() => {
    clock = new FakeFloorClock();
    delegate = new RecordingDelegate();
    create();
  });

  describe('request', () => {
    it('grants an idle floor', () => {
      expect(floor.request(ALICE, 3)).toBe('granted');

      expect(floor.holder()).toBe(ALICE);
      expect(delegate.to(ALICE)).toEqual([granted(3)]);
      expect(delegate.to(BOB)).toEqual([taken(ALICE)]);
      expect(delegate.to(CAROL)).toEqual([taken(ALICE)]);
      expect(delegate.holders).toEqual([{ holder: ALICE, previous: undefined }]);
    });

    it('queues the second of two presses', () => {
      floor.request(ALICE);
      floor.request(BOB);

      expect(floor.holder()).toBe(ALICE);
      expect(delegate.to(BOB)).toEqual([taken(ALICE), position(1, 0)]);
      expect(floor.queue()).toEqual([{ participant: BOB, priority: 0 }]);
    });

    it('orders the queue by priority then arrival', () => {
      floor.join(DAVE);
      floor.request(ALICE);
      floor.request(BOB, 1);
      floor.request(CAROL, 1);
      floor.request(DAVE, 5);

      expect(floor.queue().map((entry) => entry.participant)).toEqual([DAVE, BOB, CAROL]);
      expect(delegate.last(BOB)).toEqual(position(2, 1));
      expect(delegate.last(CAROL)).toEqual(position(3, 1));
      expect(delegate.last(DAVE)).toEqual(position(1, 5));
    });

    it('caps an ordinary priority', () => {
      create({ maxOrdinaryPriority: 4 });
      floor.request(ALICE, 200);

      expect(delegate.to(ALICE)).toEqual([granted(4)]);
    });

    it('treats an invalid priority as 0', () => {
      floor.request(ALICE, -3);
      floor.request(BOB, 1.5);

      expect(delegate.to(ALICE)).toEqual([granted(0)]);
      expect(delegate.last(BOB)).toEqual(position(1, 0));
    });

    it('moves a queued request to its new priority', () => {
      floor.request(ALICE);
      floor.request(BOB, 1);
      floor.request(CAROL, 2);
      floor.request(BOB, 3);

      expect(floor.queue()).toEqual([
        { participant: BOB, priority: 3 },
        { participant: CAROL, priority: 2 },
      ]);
      expect(delegate.last(BOB)).toEqual(position(1, 3));
      expect(delegate.last(CAROL)).toEqual(position(2, 2));
    });

    it('grants the holder again without telling others', () => {
      floor.request(ALICE, 2);
      delegate.clear();

      expect(floor.request(ALICE, 2)).toBe('granted');
      expect(delegate.messages).toEqual([{ to: ALICE, message: granted(2) }]);
      expect(delegate.holders).toEqual([]);
    });

    it('denies with queue full', () => {
      create({ queueCapacity: 1 });
      floor.request(ALICE);
      floor.request(BOB);

      expect(floor.request(CAROL)).toBe('denied');
      expect(delegate.last(CAROL)).toEqual({ type: 'floor-deny', cause: 7 });
      expect(floor.queue()).toHaveLength(1);
    });

    it('denies a busy floor without queueing', () => {
      create({ queueCapacity: 0 });
      floor.request(ALICE);

      expect(floor.request(BOB)).toBe('denied');
      expect(delegate.last(BOB)).toEqual({ type: 'floor-deny', cause: 1 });
    });

    it('ignores a participant who has not joined', () => {
      expect(floor.request(DAVE)).toBe('ignored');
      expect(floor.holder()).toBeUndefined();
      expect(delegate.messages).toEqual([]);
    });
  });

  describe('release', () => {
    it('passes the floor to the head of the queue', () => {
      floor.request(ALICE);
      floor.request(BOB);
      floor.request(CAROL);
      delegate.clear();

      floor.release(ALICE);

      expect(floor.holder()).toBe(BOB);
      expect(delegate.to(BOB)).toEqual([granted(0)]);
      expect(delegate.to(ALICE)).toEqual([taken(BOB)]);
      expect(delegate.to(CAROL)).toEqual([taken(BOB), position(1, 0)]);
      expect(delegate.holders).toEqual([{ holder: BOB, previous: ALICE }]);
    });

    it('makes the floor idle without a queue', () => {
      floor.request(ALICE);
      delegate.clear();

      floor.release(ALICE);

      expect(floor.holder()).toBeUndefined();
      for (const participant of [ALICE, BOB, CAROL]) {
        expect(delegate.to(participant)).toEqual([idle]);
      }
      expect(delegate.holders).toEqual([{ holder: undefined, previous: ALICE }]);
    });

    it('withdraws a queued request', () => {
      floor.request(ALICE);
      floor.request(BOB);
      floor.request(CAROL);
      delegate.clear();

      floor.release(BOB);

      expect(floor.queue().map((entry) => entry.participant)).toEqual([CAROL]);
      expect(delegate.to(BOB)).toEqual([taken(ALICE)]);
      expect(delegate.to(CAROL)).toEqual([position(1, 0)]);
      expect(floor.holder()).toBe(ALICE);
    });

    it('ignores a release from a listener', () => {
      floor.request(ALICE);
      delegate.clear();

      floor.release(BOB);

      expect(floor.holder()).toBe(ALICE);
      expect(delegate.messages).toEqual([]);
    });

    it('ends a grant still in flight', () => {
      // The client released before the Floor Granted reached it; the server sees both in order.
      floor.request(ALICE);
      floor.release(ALICE);

      expect(floor.holder()).toBeUndefined();
      expect(delegate.to(ALICE)).toEqual([granted(0), idle]);
      expect(clock.pending).toBe(0);
    });
  });

  describe('leave', () => {
    it('passes on the floor of a holder who left', () => {
      floor.request(ALICE);
      floor.request(BOB);
      delegate.clear();

      floor.leave(ALICE);

      expect(floor.holder()).toBe(BOB);
      expect(delegate.to(ALICE)).toEqual([]);
      expect(delegate.to(CAROL)).toEqual([taken(BOB)]);
      expect(delegate.holders).toEqual([{ holder: BOB, previous: ALICE }]);
    });

    it('makes the floor idle when the talker left', () => {
      floor.request(ALICE);
      delegate.clear();

      floor.leave(ALICE);

      expect(floor.holder()).toBeUndefined();
      expect(delegate.to(BOB)).toEqual([idle]);
      expect(delegate.to(CAROL)).toEqual([idle]);
      expect(clock.pending).toBe(0);
    });

    it('moves the queue up when a queued participant left', () => {
      floor.join(DAVE);
      floor.request(ALICE);
      floor.request(BOB);
      floor.request(CAROL);
      delegate.clear();

      floor.leave(BOB);

      expect(delegate.to(CAROL)).toEqual([position(1, 0)]);
      expect(floor.queue().map((entry) => entry.participant)).toEqual([CAROL]);
    });

    it('ignores the request of a participant who left', () => {
      floor.leave(BOB);

      expect(floor.request(BOB)).toBe('ignored');
    });
  });

  describe('late entry', () => {
    it('sends Floor Taken with the holder', () => {
      floor.request(ALICE);
      delegate.clear();

      floor.join(DAVE);

      expect(delegate.messages).toEqual([{ to: DAVE, message: taken(ALICE) }]);
    });

    it('sends Floor Idle without a holder', () => {
      floor.join(DAVE);

      expect(delegate.messages).toEqual([{ to: DAVE, message: idle }]);
    });

    it('grants an implicit request on joining', () => {
      const fresh = new FloorArbitrator({ clock, delegate });
      fresh.join(ALICE);
      fresh.request(ALICE);
      fresh.join(BOB);

      expect(delegate.to(ALICE)).toEqual([idle, granted(0)]);
      expect(delegate.to(BOB)).toEqual([taken(ALICE)]);
    });
  });

  describe('emergency', () => {
    beforeEach(() => {
      floor.join(DAVE, { emergency: true });
      delegate.clear();
    });

    it('pre-empts an ordinary talker', () => {
      floor.request(ALICE, 7);
      delegate.clear();

      expect(floor.request(DAVE)).toBe('preempted');

      expect(floor.holder()).toBe(DAVE);
      expect(delegate.to(ALICE)).toEqual([{ type: 'floor-revoke', cause: 4 }, taken(DAVE, true)]);
      expect(delegate.to(DAVE)).toEqual([granted(EMERGENCY_FLOOR_PRIORITY, true)]);
      expect(delegate.to(BOB)).toEqual([taken(DAVE, true)]);
      expect(delegate.holders).toEqual([{ holder: DAVE, previous: ALICE }]);
    });

    it('pre-empts ahead of the queue', () => {
      floor.request(ALICE);
      floor.request(BOB);
      floor.request(DAVE);
      floor.release(DAVE);

      expect(floor.holder()).toBe(BOB);
    });

    it('queues behind another emergency talker', () => {
      floor.join(CAROL, { emergency: true });
      floor.request(CAROL);

      expect(floor.request(DAVE)).toBe('queued');
      expect(floor.holder()).toBe(CAROL);
      expect(delegate.last(DAVE)).toEqual(position(1, EMERGENCY_FLOOR_PRIORITY));
    });

    it('loses pre-emption when the emergency ends', () => {
      floor.request(ALICE, 7);
      floor.setEmergency(DAVE, false);
      delegate.clear();

      expect(floor.request(DAVE, EMERGENCY_FLOOR_PRIORITY)).toBe('queued');
      expect(floor.holder()).toBe(ALICE);
      expect(delegate.to(ALICE)).toEqual([]);
      expect(floor.queue()).toEqual([{ participant: DAVE, priority: 7 }]);
    });

    it('keeps the priority when joining again', () => {
      floor.request(ALICE, 7);
      floor.join(DAVE, { emergency: false });

      expect(floor.request(DAVE)).toBe('preempted');
    });

    it('ignores an unknown participant', () => {
      floor.setEmergency('sip:nobody@example.org', true);

      expect(floor.request('sip:nobody@example.org')).toBe('ignored');
    });

    it('queues emergency requests first', () => {
      floor.join(CAROL, { emergency: true });
      floor.request(CAROL);
      floor.request(ALICE, 7);
      floor.request(DAVE);

      expect(floor.queue().map((entry) => entry.participant)).toEqual([DAVE, ALICE]);
    });
  });

  describe('maximum talk time', () => {
    it('revokes the floor when it expires', () => {
      floor.request(ALICE);
      delegate.clear();

      clock.advance(30_000);

      expect(floor.holder()).toBeUndefined();
      expect(delegate.to(ALICE)).toEqual([{ type: 'floor-revoke', cause: 2 }, idle]);
      expect(delegate.to(BOB)).toEqual([idle]);
    });

    it('grants the next in queue when it expires', () => {
      floor.request(ALICE);
      floor.request(BOB);
      delegate.clear();

      clock.advance(30_000);

      expect(floor.holder()).toBe(BOB);
      expect(delegate.to(ALICE)).toEqual([{ type: 'floor-revoke', cause: 2 }, taken(BOB)]);
      expect(delegate.holders).toEqual([{ holder: BOB, previous: ALICE }]);
    });

    it('restarts for the next holder', () => {
      floor.request(ALICE);
      clock.advance(20_000);
      floor.release(ALICE);
      floor.request(BOB);
      clock.advance(20_000);

      expect(floor.holder()).toBe(BOB);
      expect(floor.holdingTime()).toBe(20_000);
      clock.advance(10_000);
      expect(floor.holder()).toBeUndefined();
    });

    it('stops after a release', () => {
      floor.request(ALICE);
      floor.release(ALICE);
      delegate.clear();

      clock.advance(60_000);

      expect(delegate.messages).toEqual([]);
    });

    it('sends the limit in seconds', () => {
      create({ maxTalkTimeMs: 10_500 });
      floor.request(ALICE);

      expect(delegate.to(ALICE)).toEqual([{ ...granted(0), duration: 11 }]);
    });

    it('can be switched off', () => {
      create({ maxTalkTimeMs: 0 });
      floor.request(ALICE);
      clock.advance(3_600_000);

      expect(floor.holder()).toBe(ALICE);
      expect(delegate.to(ALICE)).toEqual([{ ...granted(0), duration: 0 }]);
    });
  });

  describe('queue position request', () => {
    it('reports the position of a queued request', () => {
      floor.request(ALICE);
      floor.request(BOB, 2);
      delegate.clear();

      floor.queuePositionRequest(BOB);

      expect(delegate.messages).toEqual([{ to: BOB, message: position(1, 2) }]);
    });

    it('reports 0 when not queued', () => {
      floor.queuePositionRequest(CAROL);

      expect(delegate.messages).toEqual([{ to: CAROL, message: position(0, 0) }]);
    });
  });

  it('rejects a negative talk time', () => {
    expect(() => new FloorArbitrator({ clock, delegate, maxTalkTimeMs: -1 })).toThrow(TypeError);
  });

  it('is silent after close', () => {
    floor.request(ALICE);
    delegate.clear();

    floor.close();
    clock.advance(60_000);
    floor.request(BOB);
    floor.join(DAVE);

    expect(floor.holder()).toBeUndefined();
    expect(delegate.messages).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
