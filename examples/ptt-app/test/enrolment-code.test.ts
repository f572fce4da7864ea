import { describe, expect, it } from 'vitest';
import { normaliseEnrolmentCode } from '../src/enrolment-code.js';

describe('normaliseEnrolmentCode', () => {
  const cases: [string, string][] = [
    ['BVP3-TMCA', 'BVP3-TMCA'],
    ['bvp3-tmca', 'BVP3-TMCA'],
    ['BVP3TMCA', 'BVP3-TMCA'],
    ['  bvp3 tmca ', 'BVP3-TMCA'],
    ['bvp3\ttmca\n', 'BVP3-TMCA'],
  ];
  for (const [input, expected] of cases) {
    it(`reads ${JSON.stringify(input)}`, () => {
      expect(normaliseEnrolmentCode(input)).toBe(expected);
    });
  }

  it('leaves other lengths to the server', () => {
    expect(normaliseEnrolmentCode('abc')).toBe('ABC');
    expect(normaliseEnrolmentCode('wrong-code')).toBe('WRONG-CODE');
  });
});
