import { describe, expect, it } from 'vitest';

import { utf8Encode } from '../../src/bytes.js';
import { parseBer, readTime } from '../../src/cms/der.js';
import { CmsParseError } from '../../src/errors.js';

const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

function timeNode(tag: number, text: string) {
  const value = utf8Encode(text);
  return parseBer(Uint8Array.of(tag, value.length, ...value), 'time');
}

function read(tag: number, text: string): Date {
  return readTime(timeNode(tag, text), 'test time');
}

/** Expects `attempt` to raise CmsParseError, with its code and SIP status. */
function expectMalformed(attempt: () => unknown): void {
  expect(attempt).toThrow(CmsParseError);
  try {
    attempt();
  } catch (error) {
    expect(error).toMatchObject({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 });
  }
}

describe('readTime', () => {
  it('reads a UTCTime with and without seconds', () => {
    expect(read(UTC_TIME, '260601123456Z')).toEqual(new Date('2026-06-01T12:34:56Z'));
    expect(read(UTC_TIME, '2606011234Z')).toEqual(new Date('2026-06-01T12:34:00Z'));
  });

  it('puts two-digit years from 50 in the 1900s', () => {
    expect(read(UTC_TIME, '491231235959Z')).toEqual(new Date('2049-12-31T23:59:59Z'));
    expect(read(UTC_TIME, '500101000000Z')).toEqual(new Date('1950-01-01T00:00:00Z'));
  });

  it('reads a GeneralizedTime and drops a fraction of up to three digits', () => {
    expect(read(GENERALIZED_TIME, '20500101000000Z')).toEqual(new Date('2050-01-01T00:00:00Z'));
    expect(read(GENERALIZED_TIME, '20260601123456.7Z')).toEqual(new Date('2026-06-01T12:34:56Z'));
    expect(read(GENERALIZED_TIME, '20260601123456.789Z')).toEqual(new Date('2026-06-01T12:34:56Z'));
  });

  it('keeps four-digit years below 100 as written', () => {
    expect(read(GENERALIZED_TIME, '00500101000000Z').getUTCFullYear()).toBe(50);
  });

  it('accepts 29 February in a leap year only', () => {
    expect(read(UTC_TIME, '240229000000Z')).toEqual(new Date('2024-02-29T00:00:00Z'));
    expectMalformed(() => read(UTC_TIME, '250229000000Z'));
  });

  it.each([
    [UTC_TIME, '261301000000Z', 'month 13'],
    [UTC_TIME, '260001000000Z', 'month 0'],
    [UTC_TIME, '260431000000Z', '31 April'],
    [UTC_TIME, '260600000000Z', 'day 0'],
    [UTC_TIME, '260601240000Z', 'hour 24'],
    [UTC_TIME, '260601126000Z', 'minute 60'],
    [UTC_TIME, '260601120060Z', 'second 60'],
    [UTC_TIME, '260601120000', 'no Z'],
    [UTC_TIME, '260601120000+0100', 'an offset'],
    [UTC_TIME, '260601120000ZZ', 'a byte after Z'],
    [UTC_TIME, '26060112000Z', 'one digit of seconds'],
    [UTC_TIME, '2606011200 0Z', 'a space'],
    [UTC_TIME, '26060112000\u0661Z', 'a non-ASCII digit'],
    [UTC_TIME, '', 'nothing'],
    [UTC_TIME, '260601120000.5Z', 'a fraction in a UTCTime'],
    [GENERALIZED_TIME, '202606011200Z', 'no seconds'],
    [GENERALIZED_TIME, '20260601120000.Z', 'an empty fraction'],
    [GENERALIZED_TIME, '20260601120000.1234Z', 'four digits of fraction'],
    [GENERALIZED_TIME, '20260601120000,5Z', 'a comma'],
    [GENERALIZED_TIME, '2026060112000Z', 'too short'],
  ])('rejects a time of tag %i with %s (%s)', (tag, text) => {
    expectMalformed(() => read(tag, text));
    expect(() => read(tag, text)).toThrow('test time is invalid');
  });

  it('rejects a missing node, another type and a constructed encoding', () => {
    expectMalformed(() => readTime(undefined, 'test time'));
    expectMalformed(() => readTime(timeNode(0x13, '260601120000Z'), 'test time'));
    const constructed = parseBer(Uint8Array.of(0x37, 0x02, 0x04, 0x00), 'time');
    expectMalformed(() => readTime(constructed, 'test time'));
  });
});
