import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as sdkCodec from '../../../sdk/src/floor/floor-messages.js';
import {
  MAX_FLOOR_MESSAGE_LENGTH,
  decodeFloorMessage,
  encodeFloorMessage,
  type FloorMessage,
} from '../../src/floor/floor-messages.js';

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
      expect(sdkCodec.decodeFloorMessage(data)).toBeUndefined();
    });
  }

  it('drops unknown fields', () => {
    expect(decodeFloorMessage('{"type":"floor-idle","holder":"x"}')).toEqual({
      type: 'floor-idle',
    });
  });

  it('agrees with the SDK copy', async () => {
    for (const message of VALID) {
      expect(sdkCodec.encodeFloorMessage(message)).toBe(encodeFloorMessage(message));
      expect(sdkCodec.decodeFloorMessage(encodeFloorMessage(message))).toEqual(message);
    }
    const strip = (text: string) => text.replace(/^\/\*\*[\s\S]*?\*\/\n/, '');
    const server = await readFile(
      new URL('../../src/floor/floor-messages.ts', import.meta.url),
      'utf8',
    );
    const sdk = await readFile(
      new URL('../../../sdk/src/floor/floor-messages.ts', import.meta.url),
      'utf8',
    );
    expect(strip(server)).toBe(strip(sdk));
  });
});
