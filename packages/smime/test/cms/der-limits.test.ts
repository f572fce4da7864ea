/** The documented limits of the DER and BER reader, at their boundary. */
import { describe, expect, it } from 'vitest';

import { parseBer } from '../../src/cms/der.js';
import { CmsParseError } from '../../src/errors.js';
import { MAX_DER_DEPTH, MAX_DER_ELEMENTS } from '../../src/limits.js';

/** Returns `depth` SEQUENCEs nested in one another around a NULL, in definite lengths. */
function nested(depth: number): Uint8Array {
  let inner = Uint8Array.of(0x05, 0x00);
  for (let level = 0; level < depth; level++) {
    const length = inner.length;
    const header = length < 0x80 ? [0x30, length] : [0x30, 0x82, length >> 8, length & 0xff];
    inner = Uint8Array.from([...header, ...inner]);
  }
  return inner;
}

/** Returns one SEQUENCE of `count` NULLs. */
function wide(count: number): Uint8Array {
  const length = count * 2;
  const content = new Uint8Array(length);
  for (let index = 0; index < length; index += 2) content[index] = 0x05;
  return Uint8Array.from([
    0x30,
    0x83,
    length >> 16,
    (length >> 8) & 0xff,
    length & 0xff,
    ...content,
  ]);
}

function expectMalformed(attempt: () => unknown): void {
  expect(attempt).toThrow(CmsParseError);
  expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 }));
}

describe('DER limits', () => {
  it(`reads ${MAX_DER_DEPTH} nested levels`, () => {
    expect(parseBer(nested(MAX_DER_DEPTH), 'structure').constructed).toBe(true);
  });

  it(`rejects ${MAX_DER_DEPTH + 1} nested levels`, () => {
    expectMalformed(() => parseBer(nested(MAX_DER_DEPTH + 1), 'structure'));
  });

  it(`reads ${MAX_DER_ELEMENTS} elements`, () => {
    expect(parseBer(wide(MAX_DER_ELEMENTS - 1), 'structure').constructed).toBe(true);
  });

  it(`rejects more than ${MAX_DER_ELEMENTS} elements`, () => {
    expectMalformed(() => parseBer(wide(MAX_DER_ELEMENTS), 'structure'));
  });
});
