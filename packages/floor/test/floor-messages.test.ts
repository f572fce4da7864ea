import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_FLOOR_MESSAGE_LENGTH,
  decodeFloorMessage,
  encodeFloorMessage,
  type FloorMessage,
} from '../src/index.js';

const VALID: readonly FloorMessage[] = [
  { type: 'floor-request', priority: 0 },
  { type: 'floor-request', priority: 255 },
  { type: 'floor-release' },
  { type: 'floor-queue-position-request' },
  { type: 'floor-granted', duration: 30, priority: 7, emergency: false },
  { type: 'floor-deny', cause: 7 },
  { type: 'floor-idle' },
  {
    type: 'floor-taken',
    grantedParty: 'sip:alice@mcptt.example',
    permissionToRequest: true,
    emergency: true,
  },
  { type: 'floor-revoke', cause: 4 },
  { type: 'floor-queue-position-info', position: 2, priority: 3 },
];

const INVALID: readonly [string, unknown][] = [
  ['not text', new Uint8Array([123, 125])],
  ['not JSON', '{type'],
  ['an array', '[]'],
  ['null', 'null'],
  ['an unknown type', '{"type":"floor-ack"}'],
  ['a missing priority', '{"type":"floor-request"}'],
  ['a priority above 255', '{"type":"floor-request","priority":256}'],
  ['a fractional priority', '{"type":"floor-request","priority":1.5}'],
  ['a deny cause of revoke only', '{"type":"floor-revoke","cause":7}'],
  ['an unknown deny cause', '{"type":"floor-deny","cause":8}'],
  ['a negative duration', '{"type":"floor-granted","duration":-1,"priority":1,"emergency":false}'],
  [
    'an empty granted party',
    '{"type":"floor-taken","grantedParty":"","permissionToRequest":true,"emergency":false}',
  ],
  [
    'a queue position above 255',
    '{"type":"floor-queue-position-info","position":256,"priority":0}',
  ],
  ['an oversized message', `{"type":"floor-idle","pad":"${'x'.repeat(MAX_FLOOR_MESSAGE_LENGTH)}"}`],
];

describe('floor messages', () => {
  for (const message of VALID) {
    it(`round-trips ${message.type}`, () => {
      expect(decodeFloorMessage(encodeFloorMessage(message))).toEqual(message);
    });
  }

  for (const [name, data] of INVALID) {
    it(`rejects ${name}`, () => {
      expect(decodeFloorMessage(data)).toBeUndefined();
    });
  }

  it('drops unknown fields', () => {
    expect(decodeFloorMessage('{"type":"floor-idle","holder":"x"}')).toEqual({
      type: 'floor-idle',
    });
  });
});

describe('floor messages, hostile input', () => {
  it('decodes random text without throwing', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 2 * MAX_FLOOR_MESSAGE_LENGTH }),
      fc.json({ maxDepth: 4 }),
      fc.constantFrom(...VALID.map(encodeFloorMessage)).map((json) => json.replace(/\d/g, '9')),
    );
    fc.assert(
      fc.property(text, (data) => {
        const message = decodeFloorMessage(data);
        if (message !== undefined) {
          expect(decodeFloorMessage(encodeFloorMessage(message))).toEqual(message);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('drops fields the type lacks', () => {
    const value = fc.oneof(
      fc.integer(),
      fc.string({ maxLength: 8 }),
      fc.boolean(),
      fc.constant(null),
    );
    const extra = fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 6 });
    fc.assert(
      fc.property(fc.constantFrom(...VALID), extra, (message, fields) => {
        const text = JSON.stringify({ ...fields, ...message });
        expect(text.length).toBeLessThanOrEqual(MAX_FLOOR_MESSAGE_LENGTH);
        expect(decodeFloorMessage(text)).toEqual(message);
      }),
      { numRuns: 500 },
    );
  });
});
