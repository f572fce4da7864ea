import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildLocationInfo,
  LOCATION_INFO_NAMESPACE,
  parseLocationInfo as readLocationInfo,
} from '../src/index.js';
import {
  COORDINATE,
  elementValue,
  expectInvalid,
  LIMIT,
  location,
  OTHER,
} from './helpers/bodies.js';

const parseLocationInfo = (xml: string) => readLocationInfo(xml, LIMIT);

describe('buildLocationInfo', () => {
  it('writes a report so that it reads back the same', () => {
    const report = {
      reportType: 'Emergency',
      triggerId: 't1',
      latitude: 48.1,
      longitude: -1.5,
    } as const;

    expect(parseLocationInfo(buildLocationInfo(report))).toEqual(report);
  });

  it('writes any report so that it reads back the same', () => {
    const report = fc.record({
      reportType: fc.constantFrom('Emergency' as const, 'NonEmergency' as const),
      triggerId: elementValue,
      // The writer prints -0 as 0, which reads back as 0.
      latitude: fc.double({ min: -90, max: 90, noNaN: true }).map((v) => v + 0),
      longitude: fc.double({ min: -180, max: 180, noNaN: true }).map((v) => v + 0),
    });
    fc.assert(
      fc.property(report, (value) => {
        expect(parseLocationInfo(buildLocationInfo(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('writes the TS 24.379 namespace', () => {
    const xml = buildLocationInfo({ reportType: 'NonEmergency', latitude: 1, longitude: 2 });

    expect(xml).toContain('<location-info xmlns="urn:3gpp:ns:mcpttLocationInfo:1.0">');
  });

  it('rejects a latitude out of range', () => {
    expect(() =>
      buildLocationInfo({ reportType: 'NonEmergency', latitude: 91, longitude: 0 }),
    ).toThrow(TypeError);
  });
});

describe('parseLocationInfo', () => {
  it.each([
    ['latitude', '123.5', '2', 'latitude must be between -90 and 90'],
    ['longitude', '1', '-1000', 'longitude must be between -180 and 180'],
  ])('rejects a %s out of range', (_name, latitude, longitude, detail) => {
    const xml = buildLocationInfo({ reportType: 'NonEmergency', latitude: 1, longitude: 2 })
      .replace('<latitude>1<', `<latitude>${latitude}<`)
      .replace('<longitude>2<', `<longitude>${longitude}<`);

    expectInvalid(() => parseLocationInfo(xml), detail);
  });

  it.each(['0x1A', '0b11', '0o17'])('rejects the latitude %s', (latitude) => {
    expectInvalid(
      () =>
        parseLocationInfo(location(`<longitude>2.5</longitude><latitude>${latitude}</latitude>`)),
      'coordinate is not a number',
    );
  });

  it.each([
    ['+48.5', 48.5],
    ['.5', 0.5],
    ['-4.85E1', -48.5],
  ])('reads the latitude %s', (latitude, value) => {
    const xml = location(`<longitude>2.5</longitude><latitude>${latitude}</latitude>`);

    expect(parseLocationInfo(xml).latitude).toBe(value);
  });

  it('rejects a missing coordinate', () => {
    const xml = `<location-info xmlns="${LOCATION_INFO_NAMESPACE}"><Report/></location-info>`;

    expectInvalid(() => parseLocationInfo(xml), 'location-info CurrentCoordinate missing');
  });

  it('rejects an empty or repeated coordinate', () => {
    expectInvalid(
      () => parseLocationInfo(location('<longitude>2.5</longitude><latitude/>')),
      'coordinate is not a number',
    );
    expectInvalid(
      () => parseLocationInfo(location(`${COORDINATE}<latitude>1</latitude>`)),
      'latitude element repeated',
    );
  });
});

describe('parseLocationInfo reads only its schema path', () => {
  const expected = { reportType: 'Emergency', latitude: 48.5, longitude: 2.5 };

  it('reads the default and prefixed forms alike', () => {
    const prefixed =
      `<l:location-info xmlns:l="${LOCATION_INFO_NAMESPACE}"><l:Report ReportType="Emergency">` +
      '<l:CurrentLocation><l:CurrentCoordinate>' +
      '<l:longitude>2.5</l:longitude><l:latitude>48.5</l:latitude>' +
      '</l:CurrentCoordinate></l:CurrentLocation></l:Report></l:location-info>';

    expect(parseLocationInfo(location(COORDINATE))).toEqual(expected);
    expect(parseLocationInfo(prefixed)).toEqual(expected);
  });

  it('rejects a root in another namespace', () => {
    const foreign = location(COORDINATE).replace(LOCATION_INFO_NAMESPACE, OTHER);

    expectInvalid(() => parseLocationInfo(foreign), 'root element is not location-info');
  });

  it('ignores lookalike coordinates of another namespace', () => {
    const xml = location(
      `<o:latitude xmlns:o="${OTHER}">10</o:latitude>${COORDINATE}` +
        `<longitude xmlns="${OTHER}">20</longitude>`,
    );

    expect(parseLocationInfo(xml)).toEqual(expected);
  });

  it('ignores a ReportType of another namespace', () => {
    const xml = location(COORDINATE).replace(
      '<Report ReportType="Emergency">',
      `<Report xmlns:o="${OTHER}" o:ReportType="Emergency">`,
    );

    expect(parseLocationInfo(xml).reportType).toBe('NonEmergency');
  });

  it('skips a report nested in an extension', () => {
    const xml =
      `<location-info xmlns="${LOCATION_INFO_NAMESPACE}"><ext xmlns="${OTHER}">` +
      `<Report xmlns="${LOCATION_INFO_NAMESPACE}"><CurrentLocation><CurrentCoordinate>` +
      `${COORDINATE}</CurrentCoordinate></CurrentLocation></Report></ext></location-info>`;

    expectInvalid(() => parseLocationInfo(xml), 'CurrentCoordinate missing');
  });

  it('skips a trigger nested in an extension', () => {
    const report = `<ext xmlns="${OTHER}"><TriggerId xmlns="${LOCATION_INFO_NAMESPACE}">evil</TriggerId></ext>`;

    expect(parseLocationInfo(location(COORDINATE, report))).toEqual(expected);
  });
});
