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
import { parseRoot, XML_DECLARATION } from './mcptt-document.js';
import { LOCATION_INFO_NAMESPACE } from './mcptt-namespaces.js';
import {
  childrenNamed,
  escapeXml,
  singleChild,
  type XmlElement,
  type XmlSizeLimit,
} from './xml-reader.js';
import { raiseXmlError } from './xml-syntax-error.js';

/** One location report. */
export interface LocationReport {
  /** The `ReportType` attribute of `Report`. */
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

/**
 * Writes a location report, with CRLF line ends. Raises TypeError on coordinates out of range,
 * or a trigger ID with a character that XML 1.0 does not allow.
 *
 * @param report - The report type, coordinates in decimal degrees and optional trigger ID.
 * @returns The XML document, with its XML declaration.
 */
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

/** Returns the one child of `parent` named `name` in the location-info namespace. */
function locationChild(parent: XmlElement | undefined, name: string): XmlElement | undefined {
  return singleChild(parent, LOCATION_INFO_NAMESPACE, name);
}

/**
 * A decimal number with an optional exponent: the xs:double form of a finite value, and what the
 * writer prints for a JavaScript number. Number() alone would also read `0x1A` as 26.
 */
const DECIMAL_NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** Reads a coordinate as a number, or NaN when the element is missing or not a decimal number. */
function readCoordinate(parent: XmlElement | undefined, name: string): number {
  const text = locationChild(parent, name)?.text;
  return text !== undefined && DECIMAL_NUMBER.test(text) ? Number(text) : NaN;
}

/**
 * Reads a location report, with its coordinates at this path in the location-info namespace:
 * `location-info/Report/CurrentLocation/CurrentCoordinate`. A `ReportType` other than
 * `Emergency` reads as `NonEmergency`, and of several `TriggerId` elements the first counts.
 * Elements of other namespaces are skipped with their content. Raises `XmlSyntaxError` with the
 * reasons of {@link parseXml} for a body that is past `limit` or not well-formed, and a
 * `malformed` one when the root is not `location-info` in its namespace, a required element is
 * missing or repeated, or a coordinate is not a number in its range.
 *
 * @param xml - The body, decoded as text.
 * @param limit - Size limit of the body.
 * @returns The report, with its coordinates as numbers.
 */
export function parseLocationInfo(xml: string, limit: XmlSizeLimit): LocationReport {
  const root = parseRoot(xml, limit, {
    namespace: LOCATION_INFO_NAMESPACE,
    name: 'location-info',
    label: 'location-info',
  });
  const report = locationChild(root, 'Report');
  const current = locationChild(locationChild(report, 'CurrentLocation'), 'CurrentCoordinate');
  if (report === undefined || current === undefined) {
    raiseXmlError('location-info CurrentCoordinate missing');
  }
  const latitude = readCoordinate(current, 'latitude');
  const longitude = readCoordinate(current, 'longitude');
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) {
    raiseXmlError('location-info coordinate is not a number');
  }
  const problem = coordinateProblem(latitude, longitude);
  if (problem !== undefined) raiseXmlError(`location-info ${problem}`);

  const triggerId = childrenNamed(report, LOCATION_INFO_NAMESPACE, 'TriggerId')[0]?.text;
  const reportType =
    report.attributes.get('ReportType') === 'Emergency' ? 'Emergency' : 'NonEmergency';
  return { reportType, latitude, longitude, ...(triggerId === undefined ? {} : { triggerId }) };
}
