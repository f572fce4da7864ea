import { describe, expect, it } from 'vitest';
import {
  denyReason,
  describeFloor,
  newlyGranted,
  revokeReason,
  type FloorStatus,
} from '../src/floor-status.js';

const bob = 'sip:bob@mcptt.example';
const names: Readonly<Record<string, string>> = { [bob]: 'Bob' };
const nameOf = (id: string): string => names[id] ?? id;

describe('describeFloor', () => {
  const cases: readonly [FloorStatus, string, string, string][] = [
    [{ phase: 'idle' }, 'Idle', 'Nobody has the floor.', 'floor-idle'],
    [{ phase: 'requesting' }, 'Requesting', 'Waiting for the floor…', 'floor-requesting'],
    [
      { phase: 'granted', maxTalkSeconds: 30, emergency: false },
      'Granted',
      'You may talk for up to 30 s.',
      'floor-granted',
    ],
    [
      { phase: 'granted', maxTalkSeconds: 0, emergency: true },
      'Granted',
      'You may talk (emergency).',
      'floor-granted',
    ],
    [
      { phase: 'taken', holder: bob, emergency: false },
      'Taken',
      'Bob has the floor.',
      'floor-taken',
    ],
    [
      { phase: 'taken', holder: bob, emergency: true },
      'Taken',
      'Bob has the floor (emergency).',
      'floor-taken',
    ],
    [
      { phase: 'queued', position: 2, holder: bob },
      'Queued',
      'Position 2 in the queue. Bob has the floor.',
      'floor-queued',
    ],
    [
      { phase: 'queued', position: undefined, holder: undefined },
      'Queued',
      'You are in the queue.',
      'floor-queued',
    ],
    [
      { phase: 'denied', cause: 7, holder: bob },
      'Denied',
      'The queue is full. Bob has the floor.',
      'floor-denied',
    ],
    [
      { phase: 'denied', cause: 1, holder: undefined },
      'Denied',
      'Another user has permission to talk.',
      'floor-denied',
    ],
    [{ phase: 'revoked', cause: 2 }, 'Revoked', 'The maximum talk time is over.', 'floor-revoked'],
    [{ phase: 'releasing' }, 'Releasing', 'Giving the floor back…', 'floor-releasing'],
    [{ phase: 'closed' }, 'No floor', 'Floor control has ended for this call.', 'floor-closed'],
  ];

  it.each(cases)('shows %o', (status, label, detail, className) => {
    const display = describeFloor(status, nameOf);
    expect(display.label).toBe(label);
    expect(display.detail).toBe(detail);
    expect(display.className).toBe(className);
  });

  it('shows the MCPTT ID of an unknown holder', () => {
    const carol = 'sip:carol@mcptt.example';
    const display = describeFloor({ phase: 'taken', holder: carol, emergency: false }, nameOf);
    expect(display.detail).toBe(`${carol} has the floor.`);
  });
});

describe('reject causes', () => {
  it('names every deny cause of TS 24.380', () => {
    for (const cause of [1, 2, 3, 4, 5, 6, 7]) {
      expect(denyReason(cause)).not.toBe('the server gave no reason');
    }
    expect(denyReason(255)).toBe('the server gave no reason');
  });

  it('names every revoke cause of TS 24.380', () => {
    for (const cause of [1, 2, 3, 4, 6]) {
      expect(revokeReason(cause)).not.toBe('the server gave no reason');
    }
    expect(revokeReason(255)).toBe('the server gave no reason');
  });
});

describe('newlyGranted', () => {
  const granted: FloorStatus = { phase: 'granted', maxTalkSeconds: 30, emergency: false };
  const requesting: FloorStatus = { phase: 'requesting' };

  it('finds a call whose floor became granted', () => {
    const before = new Map([['a', requesting]]);
    const after = new Map([['a', granted]]);
    expect(newlyGranted(before, after)).toEqual(['a']);
  });

  it('ignores a floor that stays granted', () => {
    const floors = new Map([['a', granted]]);
    expect(newlyGranted(floors, new Map(floors))).toEqual([]);
  });

  it('finds a new call granted at once', () => {
    expect(newlyGranted(new Map(), new Map([['b', granted]]))).toEqual(['b']);
  });

  it('ignores calls without floor control', () => {
    expect(newlyGranted(new Map(), new Map([['c', undefined]]))).toEqual([]);
  });
});
