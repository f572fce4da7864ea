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
 * `mcptt-Params` is an xs:sequence, so the writer puts the elements in schema order. Real
 * clients send other orders and bare values without the `mcpttURI`, `mcpttString` or
 * `mcpttBoolean` wrapper, so the reader accepts any order and both forms. It reads a field only
 * as a child of `mcpttinfo/mcptt-Params` in the mcptt-info namespace. Elements of other
 * namespaces are skipped with everything inside them, as the schema's `xs:any
 * namespace="##other"` extension points allow, and so is an MCPTT element anywhere else, such as
 * inside `anyExt`.
 *
 * @module
 */
import { MCPTT_INFO_NAMESPACE } from './mcptt-namespaces.js';
import { parseRoot, XML_DECLARATION } from './mcptt-document.js';
import {
  childrenNamed,
  escapeXml,
  singleChild,
  type XmlElement,
  type XmlSizeLimit,
} from './xml-reader.js';
import { raiseXmlError } from './xml-syntax-error.js';

/** Values of `session-type` (TS 24.379 Annex F.1.3). */
export type McpttSessionType =
  'prearranged' | 'chat' | 'private' | 'first-to-answer' | 'ambient-listening' | 'adhoc';

/** Every value of {@link McpttSessionType}. */
export const MCPTT_SESSION_TYPES: readonly McpttSessionType[] = [
  'prearranged',
  'chat',
  'private',
  'first-to-answer',
  'ambient-listening',
  'adhoc',
];

/** The fields of `mcptt-Params` that the reader and the writer know. */
export interface McpttInfo {
  /** `mcptt-access-token`: the access token of the user's service authorisation. */
  readonly accessToken?: string;
  /**
   * `session-type`: one of {@link MCPTT_SESSION_TYPES}, or, as read, a value that this library
   * does not know, such as one of a later release of TS 24.379. A reader decides what an
   * unknown value means: the reference server responds with 488 Not Acceptable Here.
   */
  readonly sessionType?: McpttSessionType | (string & NonNullable<unknown>);
  /** `mcptt-request-uri`: the group or user that a request is for. */
  readonly requestUri?: string;
  /** `mcptt-calling-user-id`: the user who calls or sends. */
  readonly callingUserId?: string;
  /** `mcptt-called-party-id`: the user called in a private call. */
  readonly calledPartyId?: string;
  /** `mcptt-calling-group-id`: the group of a group call or group message. */
  readonly callingGroupId?: string;
  /** `required`. */
  readonly required?: boolean;
  /** `emergency-ind`: true for an emergency call or alert. */
  readonly emergency?: boolean;
  /** `alert-ind`: true for an emergency alert, false for its cancellation. */
  readonly alert?: boolean;
  /** `imminentperil-ind`: true for an imminent-peril call. */
  readonly imminentPeril?: boolean;
  /** `broadcast-ind`: true for a broadcast group call. */
  readonly broadcast?: boolean;
  /** `mc-org`: the user's mission critical organisation. */
  readonly mcOrg?: string;
  /** `floor-state`, such as `no-request` for an INVITE that does not request the floor. */
  readonly floorState?: string;
  /** `associated-group-id`. */
  readonly associatedGroupId?: string;
  /** `originated-by`. */
  readonly originatedBy?: string;
  /** `mcptt-client-id`: the MCPTT client ID. */
  readonly clientId?: string;
}

/** Form of a field's value: inside a wrapper element, bare text, or a bare xs:boolean. */
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

/**
 * Writes mcptt-info with the given fields, in TS 24.379 schema order, with CRLF line ends.
 * Raises TypeError when a value has a character that XML 1.0 does not allow.
 *
 * @example
 * ```ts
 * const xml = buildMcpttInfo({ sessionType: 'prearranged', requestUri: 'sip:group@example' });
 * ```
 *
 * @param info - The fields to write; absent ones are left out.
 * @returns The XML document, with its XML declaration.
 */
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
  if (wrappers.length > 1) raiseXmlError(`mcptt-info ${element.name} has more than one value`);
  return (wrappers[0] ?? element).text;
}

/**
 * Reads an xs:boolean (XML Schema Part 2 §3.2.2): `true` or `1`, `false` or `0`, case-sensitive,
 * after the reader has removed the white space around it. Any other text is rejected rather than
 * left out, so that a flag such as `emergency-ind` never reads as absent in one reader and set in
 * another.
 */
function readBoolean(element: XmlElement): boolean {
  const text = readValue(element);
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return raiseXmlError(`mcptt-info ${element.name} is not a boolean`);
}

/**
 * Reads mcptt-info, in any element order and with or without value wrappers, and returns the
 * fields that it has. Raises `XmlSyntaxError` with the reasons of {@link parseXml} for a body
 * that is past `limit` or not well-formed, and a `malformed` one when the root is not
 * `mcpttinfo` in the mcptt-info namespace, `mcptt-Params`, a field or a value wrapper appears
 * twice, or a boolean is not an xs:boolean. Unknown elements are skipped, and a `session-type`
 * that is not one of {@link MCPTT_SESSION_TYPES} is returned as it is.
 *
 * @example
 * ```ts
 * // context: body: string
 * const info = parseMcpttInfo(body, { max: 64 * 1024, unit: 'utf-8' });
 * const emergency = info.emergency === true;
 * ```
 *
 * @param xml - The body, decoded as text.
 * @param limit - Size limit of the body.
 * @returns The fields found, each absent when its element is missing.
 */
export function parseMcpttInfo(xml: string, limit: XmlSizeLimit): McpttInfo {
  const root = parseRoot(xml, limit, {
    namespace: MCPTT_INFO_NAMESPACE,
    name: 'mcpttinfo',
    label: 'mcptt-info',
  });
  const params = singleChild(root, MCPTT_INFO_NAMESPACE, 'mcptt-Params');
  const info: Record<string, string | boolean> = {};

  for (const [name, field, kind] of ELEMENTS) {
    const element = singleChild(params, MCPTT_INFO_NAMESPACE, name);
    if (element === undefined) continue;
    info[field] =
      kind === 'boolean' || kind === 'bare-boolean' ? readBoolean(element) : readValue(element);
  }

  return info;
}
