/**
 * The `application/vnd.3gpp.mcptt-location-info+xml` body of a location report (3GPP TS 24.379
 * Annex F.3).
 *
 * ```xml
 * <location-info xmlns="urn:3gpp:ns:mcpttLocationInfo:1.0">
 *   <Report ReportType="NonEmergency">
 *     <TriggerId>…</TriggerId>
 *     <CurrentLocation><CurrentCoordinate>
 *       <longitude>…</longitude><latitude>…</latitude>
 *     </CurrentCoordinate></CurrentLocation>
 *   </Report>
 * </location-info>
 * ```
 *
 * NOTE: the coordinates are written as decimal degrees. The TS 24.379 schema encodes them as the
 * 24-bit integers of TS 23.032, which this codec does not produce yet.
 *
 * @module
 */
import { MimeParseError } from '@mcptt-smime/smime';
import { LOCATION_INFO_NAMESPACE } from './media-types.js';
import { childNamed, escapeXml, parseXml, XML_DECLARATION } from './xml.js';

/** One location report. */
export interface LocationReport {
  readonly reportType: 'Emergency' | 'NonEmergency';
  /** Identifier of the configured trigger that caused the report. */
  readonly triggerId?: string;
  /** Decimal degrees, -90 to 90. */
  readonly latitude: number;
  /** Decimal degrees, -180 to 180. */
  readonly longitude: number;
}

/** Returns why the coordinates are out of range, or undefined when both are in range. */
function coordinateProblem(latitude: number, longitude: number): string | undefined {
  if (!Number.isFinite(latitude) || Math.abs(latitude) > 90) {
    return 'latitude must be between -90 and 90';
  }
  if (!Number.isFinite(longitude) || Math.abs(longitude) > 180) {
    return 'longitude must be between -180 and 180';
  }
  return undefined;
}

/** Serialises a location report. Raises TypeError on coordinates out of range. */
export function buildLocationInfo(report: LocationReport): string {
  const problem = coordinateProblem(report.latitude, report.longitude);
  if (problem !== undefined) throw new TypeError(problem);
  const trigger =
    report.triggerId === undefined
      ? []
      : [`    <TriggerId>${escapeXml(report.triggerId)}</TriggerId>`];
  return [
    XML_DECLARATION,
    `<location-info xmlns="${LOCATION_INFO_NAMESPACE}">`,
    `  <Report ReportType="${report.reportType}">`,
    ...trigger,
    '    <CurrentLocation>',
    '      <CurrentCoordinate>',
    `        <longitude>${report.longitude}</longitude>`,
    `        <latitude>${report.latitude}</latitude>`,
    '      </CurrentCoordinate>',
    '    </CurrentLocation>',
    '  </Report>',
    '</location-info>',
    '',
  ].join('\r\n');
}

/**
 * Parses a location report. Raises MimeParseError when a required element is missing or a
 * coordinate is not a number in its range.
 */
export function parseLocationInfo(xml: string): LocationReport {
  const root = parseXml(xml);
  if (root.name !== 'location-info' || root.namespace !== LOCATION_INFO_NAMESPACE) {
    throw new MimeParseError('location-info root element is not location-info');
  }
  const report = childNamed(root, 'Report');
  const coordinate = report && childNamed(report, 'CurrentLocation');
  const current = coordinate && childNamed(coordinate, 'CurrentCoordinate');
  const latitude = Number(current && childNamed(current, 'latitude')?.text);
  const longitude = Number(current && childNamed(current, 'longitude')?.text);
  if (report === undefined || current === undefined) {
    throw new MimeParseError('location-info CurrentCoordinate missing');
  }
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) {
    throw new MimeParseError('location-info coordinate is not a number');
  }
  const problem = coordinateProblem(latitude, longitude);
  if (problem !== undefined) throw new MimeParseError(`location-info ${problem}`);

  const triggerId = childNamed(report, 'TriggerId')?.text;
  const reportType =
    report.attributes.get('ReportType') === 'Emergency' ? 'Emergency' : 'NonEmergency';
  return { reportType, latitude, longitude, ...(triggerId === undefined ? {} : { triggerId }) };
}
