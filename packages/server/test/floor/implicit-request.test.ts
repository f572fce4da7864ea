import { describe, expect, it } from 'vitest';
import { hasImplicitFloorRequest } from '../../src/floor/implicit-request.js';
import { MAX_XML_PART_BYTES } from '../../src/mcptt-xml.js';

const info = (floorState: string) =>
  `<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params>${floorState}</mcptt-Params></mcpttinfo>`;

describe('hasImplicitFloorRequest', () => {
  it.each([
    ['absent', '<session-type>chat</session-type>', true],
    ['implicit-request', '<floor-state>implicit-request</floor-state>', true],
    ['no-request', '<floor-state>no-request</floor-state>', false],
    [
      'prefixed',
      '<m:floor-state xmlns:m="urn:3gpp:ns:mcpttInfo:1.0" type="Normal">\r\n no-request\t</m:floor-state>',
      false,
    ],
    [
      'in another namespace',
      '<floor-state xmlns="urn:example:other">no-request</floor-state>',
      true,
    ],
    ['wrapped', '<floor-state><mcpttString>no-request</mcpttString></floor-state>', false],
    ['with text in a child element', '<floor-state>no-<b a=">">request</b></floor-state>', true],
    ['empty', '<floor-state/><floor-state></floor-state>', true],
    ['another value', '<floor-state>no-request-later</floor-state>', true],
    ['a CDATA section', '<floor-state><![CDATA[no-request]]></floor-state>', false],
    ['a reference', '<floor-state>no&#x2D;request</floor-state>', false],
    ['a comment', '<floor-state>no-<!-- - -->request</floor-state>', false],
    ['commented out', '<!-- <floor-state>no-request</floor-state> -->', true],
    ['unterminated', '<floor-state>no-request', true],
  ])('reads a floor-state %s', (_case, params, expected) => {
    expect(hasImplicitFloorRequest(info(params))).toBe(expected);
  });

  it('defaults to a request without mcptt-info', () => {
    expect(hasImplicitFloorRequest(undefined)).toBe(true);
    expect(hasImplicitFloorRequest('')).toBe(true);
  });

  // A pattern that backtracks took 0.06 to 2.5 s over one of these parts, and more than a minute
  // over the repeats of each test, which run into the test timeout. The scan takes milliseconds.
  const part = (unit: string, prefix = '', suffix = '') => {
    const count = Math.floor((MAX_XML_PART_BYTES - prefix.length - suffix.length) / unit.length);
    return `${prefix}${unit.repeat(count)}${suffix}`;
  };

  it.each([
    ['unterminated start tags', part('<floor-state '), 200, true],
    ['prefixed unterminated start tags', part('<m:floor-state '), 200, true],
    ['start tags without an end tag', part('<floor-state>'), 1000, true],
    ['`<` in the value', part('<', '<floor-state>', '</floor-state>'), 40, true],
    ['`<` before no-request', part('<', '<floor-state>', 'no-request</floor-state>'), 40, true],
  ])('scans a part of %s in linear time', (_case, xml, repeats, expected) => {
    for (let i = 0; i < repeats; i++) {
      expect(hasImplicitFloorRequest(xml)).toBe(expected);
    }
  });
});
