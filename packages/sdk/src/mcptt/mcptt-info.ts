/**
 * The `application/vnd.3gpp.mcptt-info+xml` body (3GPP TS 24.379 Annex F.1).
 *
 * ```xml
 * <mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0">
 *   <mcptt-Params>
 *     <mcptt-access-token type="Normal"><mcpttString>…</mcpttString></mcptt-access-token>
 *     <session-type>prearranged</session-type>
 *     <mcptt-request-uri type="Normal"><mcpttURI>sip:group@example</mcpttURI></mcptt-request-uri>
 *     …
 *   </mcptt-Params>
 * </mcpttinfo>
 * ```
 *
 * `mcptt-Params` is an xs:sequence, so the builder writes the elements in schema order. Real
 * implementations send other orders and bare values without the `mcpttURI`, `mcpttString` or
 * `mcpttBoolean` wrapper, so the parser accepts any order and both forms.
 *
 * @module
 */
import { MimeParseError } from '@mcptt-smime/smime';
import { MCPTT_INFO_NAMESPACE } from './media-types.js';
import {
  childrenNamed,
  escapeXml,
  isElement,
  parseXml,
  singleChild,
  XML_DECLARATION,
  type XmlElement,
} from './xml.js';

/** Values of `session-type`. */
export type McpttSessionType =
  'prearranged' | 'chat' | 'private' | 'first-to-answer' | 'ambient-listening' | 'adhoc';

const SESSION_TYPES: readonly McpttSessionType[] = [
  'prearranged',
  'chat',
  'private',
  'first-to-answer',
  'ambient-listening',
  'adhoc',
];

/** The fields of `mcptt-Params` that the SDK reads and writes. */
export interface McpttInfo {
  readonly accessToken?: string;
  readonly sessionType?: McpttSessionType;
  readonly requestUri?: string;
  readonly callingUserId?: string;
  readonly calledPartyId?: string;
  readonly callingGroupId?: string;
  readonly required?: boolean;
  readonly emergency?: boolean;
  readonly alert?: boolean;
  readonly imminentPeril?: boolean;
  readonly broadcast?: boolean;
  readonly mcOrg?: string;
  readonly floorState?: string;
  readonly associatedGroupId?: string;
  readonly originatedBy?: string;
  readonly clientId?: string;
}

type ValueKind = 'uri' | 'string' | 'boolean' | 'bare' | 'bare-boolean';

/** Elements of `mcptt-Params` in schema order, with the field they map to. */
const ELEMENTS: readonly (readonly [string, keyof McpttInfo, ValueKind])[] = [
  ['mcptt-access-token', 'accessToken', 'string'],
  ['session-type', 'sessionType', 'bare'],
  ['mcptt-request-uri', 'requestUri', 'uri'],
  ['mcptt-calling-user-id', 'callingUserId', 'uri'],
  ['mcptt-called-party-id', 'calledPartyId', 'uri'],
  ['mcptt-calling-group-id', 'callingGroupId', 'uri'],
  ['required', 'required', 'bare-boolean'],
  ['emergency-ind', 'emergency', 'boolean'],
  ['alert-ind', 'alert', 'boolean'],
  ['imminentperil-ind', 'imminentPeril', 'boolean'],
  ['broadcast-ind', 'broadcast', 'boolean'],
  ['mc-org', 'mcOrg', 'bare'],
  ['floor-state', 'floorState', 'bare'],
  ['associated-group-id', 'associatedGroupId', 'uri'],
  ['originated-by', 'originatedBy', 'uri'],
  ['mcptt-client-id', 'clientId', 'string'],
];

const WRAPPERS: Readonly<Record<'uri' | 'string' | 'boolean', string>> = {
  uri: 'mcpttURI',
  string: 'mcpttString',
  boolean: 'mcpttBoolean',
};

function writeElement(name: string, kind: ValueKind, value: string | boolean): string {
  const text = escapeXml(String(value));
  if (kind === 'bare' || kind === 'bare-boolean') return `    <${name}>${text}</${name}>`;
  const wrapper = WRAPPERS[kind];
  return `    <${name} type="Normal"><${wrapper}>${text}</${wrapper}></${name}>`;
}

/** Serialises mcptt-info with the elements in TS 24.379 schema order. */
export function buildMcpttInfo(info: McpttInfo): string {
  const lines = [
    XML_DECLARATION,
    `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}">`,
    '  <mcptt-Params>',
  ];
  for (const [name, field, kind] of ELEMENTS) {
    const value = info[field];
    if (value !== undefined) lines.push(writeElement(name, kind, value));
  }
  lines.push('  </mcptt-Params>', '</mcpttinfo>', '');
  return lines.join('\r\n');
}

/**
 * Returns the value of a field: the text of its one `mcpttURI`, `mcpttString` or `mcpttBoolean`
 * child, whichever of the three it has, or its own text when it has none. Text inside any other
 * child, such as an extension, is not part of the value.
 */
function readValue(element: XmlElement): string {
  const wrappers = Object.values(WRAPPERS).flatMap((wrapper) =>
    childrenNamed(element, MCPTT_INFO_NAMESPACE, wrapper),
  );
  if (wrappers.length > 1) {
    throw new MimeParseError(`mcptt-info ${element.name} has more than one value`);
  }
  return (wrappers[0] ?? element).text;
}

function readBoolean(element: XmlElement): boolean {
  const text = readValue(element).toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new MimeParseError(`mcptt-info ${element.name} is not a boolean`);
}

/**
 * Parses mcptt-info, in any element order and with or without value wrappers. Only the children
 * of `mcptt-Params` in the mcptt-info namespace are read. Elements of other namespaces are skipped
 * with everything inside them, as the schema's extension points allow. Raises MimeParseError when
 * the XML is malformed, the root is not `mcpttinfo` in the mcptt-info namespace, a field appears
 * twice or a known value is invalid.
 */
export function parseMcpttInfo(xml: string): McpttInfo {
  const root = parseXml(xml);
  if (!isElement(root, MCPTT_INFO_NAMESPACE, 'mcpttinfo')) {
    throw new MimeParseError('mcptt-info root element is not mcpttinfo');
  }
  const params = singleChild(root, MCPTT_INFO_NAMESPACE, 'mcptt-Params');
  const info: Record<string, string | boolean> = {};

  for (const [name, field, kind] of ELEMENTS) {
    const element = singleChild(params, MCPTT_INFO_NAMESPACE, name);
    if (element === undefined) continue;
    info[field] =
      kind === 'boolean' || kind === 'bare-boolean' ? readBoolean(element) : readValue(element);
  }

  const sessionType = info['sessionType'];
  if (sessionType !== undefined && !SESSION_TYPES.includes(sessionType as McpttSessionType)) {
    throw new MimeParseError('mcptt-info session-type is not a known value');
  }
  return info;
}
