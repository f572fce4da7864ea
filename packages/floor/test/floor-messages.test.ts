import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_FLOOR_MESSAGE_LENGTH,
  MAX_IDENTITY_LENGTH,
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
  ['a type of other case', '{"type":"Floor-Idle"}'],
  ['a type that is not a string', '{"type":["floor-idle"]}'],
  ['a priority as a string', '{"type":"floor-request","priority":"5"}'],
  ['a negative priority', '{"type":"floor-request","priority":-1}'],
  ['an infinite priority', '{"type":"floor-request","priority":1e400}'],
  [
    'a fractional duration',
    '{"type":"floor-granted","duration":0.5,"priority":1,"emergency":false}',
  ],
  [
    'a duration above 2^53',
    '{"type":"floor-granted","duration":1e16,"priority":1,"emergency":false}',
  ],
  [
    'a granted priority above 255',
    '{"type":"floor-granted","duration":1,"priority":256,"emergency":false}',
  ],
  [
    'an emergency flag as a string',
    '{"type":"floor-granted","duration":1,"priority":1,"emergency":"true"}',
  ],
  ['a missing emergency flag', '{"type":"floor-granted","duration":1,"priority":1}'],
  ['a deny cause as a string', '{"type":"floor-deny","cause":"1"}'],
  ['a revoke cause of deny only', '{"type":"floor-revoke","cause":5}'],
  [
    'a granted party that is not a string',
    '{"type":"floor-taken","grantedParty":7,"permissionToRequest":true,"emergency":false}',
  ],
  [
    'a granted party over the identity limit',
    `{"type":"floor-taken","grantedParty":"${'a'.repeat(MAX_IDENTITY_LENGTH + 1)}","permissionToRequest":true,"emergency":false}`,
  ],
  [
    'a permission flag as a number',
    '{"type":"floor-taken","grantedParty":"sip:a@b","permissionToRequest":1,"emergency":false}',
  ],
  ['a negative queue position', '{"type":"floor-queue-position-info","position":-1,"priority":0}'],
  [
    'a queue priority above 255',
    '{"type":"floor-queue-position-info","position":1,"priority":256}',
  ],
  ['a prototype key in place of the type', '{"__proto__":{"type":"floor-idle"}}'],
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

  it('accepts a message of the maximum length', () => {
    const head = '{"type":"floor-idle","pad":"';
    const data = `${head}${'x'.repeat(MAX_FLOOR_MESSAGE_LENGTH - head.length - 2)}"}`;

    expect(data).toHaveLength(MAX_FLOOR_MESSAGE_LENGTH);
    expect(decodeFloorMessage(data)).toEqual({ type: 'floor-idle' });
  });

  it('accepts a granted party of the maximum length', () => {
    const message: FloorMessage = {
      type: 'floor-taken',
      grantedParty: 'a'.repeat(MAX_IDENTITY_LENGTH),
      permissionToRequest: false,
      emergency: false,
    };

    expect(decodeFloorMessage(encodeFloorMessage(message))).toEqual(message);
  });

  it('rejects every truncation of each message', () => {
    for (const message of VALID) {
      const data = encodeFloorMessage(message);
      for (let length = 0; length < data.length; length++) {
        expect(decodeFloorMessage(data.slice(0, length)), data.slice(0, length)).toBeUndefined();
      }
    }
  });

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
