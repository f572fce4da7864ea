/**
 * The SDK's reader and writer of the `application/vnd.3gpp.mcptt-location-info+xml` body of a
 * location report (3GPP TS 24.379 Annex F.3): those of `@mcptt-smime/mcptt-xml`, with the SDK's
 * size limit and MimeParseError. The coordinates are decimal degrees.
 *
 * @module
 */
import { parseLocationInfo as readLocationInfo, type LocationReport } from '@mcptt-smime/mcptt-xml';
import { readXmlBody } from './xml.js';

export { buildLocationInfo } from '@mcptt-smime/mcptt-xml';
export type { LocationReport } from '@mcptt-smime/mcptt-xml';

/**
 * Parses a location report, with its coordinates at this path in the location-info namespace:
 * `location-info/Report/CurrentLocation/CurrentCoordinate`. Elements of other namespaces are
 * skipped with their content. Raises MimeParseError when the XML is malformed or past the SDK's
 * limits, a required element is missing or repeated, or a coordinate is not a number in its
 * range.
 *
 * @param xml - The body, decoded as text.
 * @returns The report, with its coordinates as numbers.
 */
export function parseLocationInfo(xml: string): LocationReport {
  return readXmlBody(xml, readLocationInfo);
}
