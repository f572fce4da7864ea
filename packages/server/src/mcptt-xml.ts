/**
 * The MCPTT XML bodies the server reads and writes (3GPP TS 24.379): `mcptt-info`, the
 * affiliation `pidf` of a PUBLISH, and `resource-lists`. Each reader takes a field only at its
 * schema path and in its namespace, such as `mcpttinfo/mcptt-Params/mcptt-request-uri` in
 * `urn:3gpp:ns:mcpttInfo:1.0`, whatever prefixes the sender chose. Elements of other namespaces
 * are skipped with everything inside them, as the schemas' `xs:any namespace="##other"`
 * extension points allow, and so is an MCPTT element anywhere else, such as inside `anyExt`.
 *
 * The readers are tolerant of element order and of values without their `mcpttURI`,
 * `mcpttString` or `mcpttBoolean` wrapper, as real clients send them, while the writer keeps the
 * schema order of `mcptt-Params`. A boolean is read as an `xs:boolean`.
 *
 * The XML itself is read by xml-parser.ts over the shared reader of `@mcptt-smime/mcptt-xml`,
 * which checks well-formedness and the limits, and raises the errors re-exported here.
 *
 * @module
 */
import {
  childrenNamed,
  escapeXml,
  isElement,
  parseXml,
  singleChild,
  XmlPartMalformedError,
  type XmlElement,
} from './xml-parser.js';

export {
  MAX_XML_DEPTH,
  MAX_XML_ELEMENTS,
  MAX_XML_PART_BYTES,
  XmlDoctypeError,
  XmlPartMalformedError,
  XmlPartTooLargeError,
  escapeXml,
} from './xml-parser.js';

/** Namespace of mcptt-info (TS 24.379 Annex F.1). */
export const MCPTT_INFO_NAMESPACE = 'urn:3gpp:ns:mcpttInfo:1.0';
/** Namespace of PIDF (RFC 3863). */
export const PIDF_NAMESPACE = 'urn:ietf:params:xml:ns:pidf';
/** Namespace of the MCPTT presence extension that carries affiliations (TS 24.379). */
export const MCPTT_PRES_INFO_NAMESPACE = 'urn:3gpp:ns:mcpttPresInfo:1.0';
/** Namespace of resource-lists (RFC 4826 §3.4). */
export const RESOURCE_LISTS_NAMESPACE = 'urn:ietf:params:xml:ns:resource-lists';

/** The fields of `mcptt-Params` that the server uses. */
export interface McpttInfo {
  readonly sessionType?: string;
  readonly requestUri?: string;
  readonly callingUserId?: string;
  readonly calledPartyId?: string;
  readonly callingGroupId?: string;
  readonly emergency?: boolean;
  /** `alert-ind`: true for an emergency alert, false for its cancellation (TS 24.379). */
  readonly alert?: boolean;
  /** `no-request` when an INVITE does not request the floor (see floor/implicit-request.ts). */
  readonly floorState?: string;
  readonly clientId?: string;
}

/** Form in which the writer puts a field's value: inside one of the {@link WRAPPERS}, or bare. */
type FieldKind = 'uri' | 'string' | 'boolean' | 'bare';

/** Elements of `mcptt-Params` in schema order, with the field they map to. */
const FIELDS: readonly (readonly [string, keyof McpttInfo, FieldKind])[] = [
  ['session-type', 'sessionType', 'bare'],
  ['mcptt-request-uri', 'requestUri', 'uri'],
  ['mcptt-calling-user-id', 'callingUserId', 'uri'],
  ['mcptt-called-party-id', 'calledPartyId', 'uri'],
  ['mcptt-calling-group-id', 'callingGroupId', 'uri'],
  ['emergency-ind', 'emergency', 'boolean'],
  ['alert-ind', 'alert', 'boolean'],
  ['floor-state', 'floorState', 'bare'],
  ['mcptt-client-id', 'clientId', 'string'],
];

const WRAPPERS = { uri: 'mcpttURI', string: 'mcpttString', boolean: 'mcpttBoolean' } as const;

/**
 * Reads `mcptt-Params` from an mcptt-info document: each field as the one child of that name in
 * the mcptt-info namespace. Unknown elements are ignored, and a boolean that is not an
 * `xs:boolean` is left out. Raises {@link XmlPartTooLargeError} for a document larger than
 * {@link MAX_XML_PART_BYTES}, and {@link XmlPartMalformedError} for malformed XML, a root other
 * than `mcpttinfo` in the mcptt-info namespace, or a field or value wrapper that appears twice.
 */
export function parseMcpttInfo(xml: string): McpttInfo {
  const root = parseXml(xml);
  if (!isElement(root, MCPTT_INFO_NAMESPACE, 'mcpttinfo')) {
    throw new XmlPartMalformedError('mcptt-info root element is not mcpttinfo');
  }
  const params = singleChild(root, MCPTT_INFO_NAMESPACE, 'mcptt-Params');
  const info: Record<string, string | boolean> = {};
  for (const [name, field, kind] of FIELDS) {
    const element = singleChild(params, MCPTT_INFO_NAMESPACE, name);
    const value = element === undefined ? undefined : fieldValue(element);
    const read = kind === 'boolean' ? parseXsBoolean(value) : value;
    if (read !== undefined) {
      info[field] = read;
    }
  }
  return info;
}

/**
 * Returns the value of a field: the text of its one `mcpttURI`, `mcpttString` or `mcpttBoolean`
 * child, whichever of the three it has, or its own text when it has none. Text inside any other
 * child, such as an extension, is not part of the value.
 */
function fieldValue(element: XmlElement): string {
  const wrappers = Object.values(WRAPPERS).flatMap((wrapper) =>
    childrenNamed(element, MCPTT_INFO_NAMESPACE, wrapper),
  );
  if (wrappers.length > 1) {
    throw new XmlPartMalformedError(`mcptt-info ${element.name} has more than one value`);
  }
  return (wrappers[0] ?? element).text;
}

/**
 * Reads an `xs:boolean` (XML Schema Part 2 §3.2.2): `true` or `1`, `false` or `0`, after its
 * surrounding whitespace is removed. Any other text is not a boolean and reads as undefined.
 */
function parseXsBoolean(text: string | undefined): boolean | undefined {
  if (text === 'true' || text === '1') {
    return true;
  }
  return text === 'false' || text === '0' ? false : undefined;
}

/** Writes an mcptt-info document with the given fields, in schema order. */
export function buildMcpttInfo(info: McpttInfo): string {
  const lines: string[] = [];
  for (const [element, field, kind] of FIELDS) {
    const value = info[field];
    if (value === undefined) {
      continue;
    }
    const text = escapeXml(String(value));
    lines.push(
      kind === 'bare'
        ? `    <${element}>${text}</${element}>`
        : `    <${element} type="Normal"><${WRAPPERS[kind]}>${text}</${WRAPPERS[kind]}></${element}>`,
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<mcpttinfo xmlns="${MCPTT_INFO_NAMESPACE}">`,
    '  <mcptt-Params>',
    ...lines,
    '  </mcptt-Params>',
    '</mcpttinfo>',
    '',
  ].join('\r\n');
}

/**
 * Reads the groups of an affiliation pidf: the `group` attributes at
 * `presence/tuple/status/affiliation`, with `presence`, `tuple` and `status` in the PIDF
 * namespace and `affiliation` in `urn:3gpp:ns:mcpttPresInfo:1.0`, from every tuple. An
 * affiliation whose `status` is `deaffiliating` is left out, and an empty list de-affiliates
 * from every group. Raises {@link XmlPartTooLargeError} for a document larger than
 * {@link MAX_XML_PART_BYTES}, and {@link XmlPartMalformedError} for malformed XML, a root other
 * than `presence` in the PIDF namespace, or a tuple with two `status` elements.
 */
export function parseAffiliationGroups(xml: string): string[] {
  const root = parseXml(xml);
  if (!isElement(root, PIDF_NAMESPACE, 'presence')) {
    throw new XmlPartMalformedError('pidf root element is not presence');
  }
  const groups: string[] = [];
  for (const tuple of childrenNamed(root, PIDF_NAMESPACE, 'tuple')) {
    const status = singleChild(tuple, PIDF_NAMESPACE, 'status');
    for (const affiliation of childrenNamed(status, MCPTT_PRES_INFO_NAMESPACE, 'affiliation')) {
      const group = affiliation.attributes.get('group');
      if (group !== undefined && affiliation.attributes.get('status') !== 'deaffiliating') {
        groups.push(group);
      }
    }
  }
  return groups;
}

/**
 * Reads the `uri` attributes of the entries of a resource-lists document (RFC 4826 §3.4):
 * `resource-lists/list/entry`, and the entries of lists nested in a list, in document order and
 * in the resource-lists namespace. Raises {@link XmlPartTooLargeError} for a document larger than
 * {@link MAX_XML_PART_BYTES}, and {@link XmlPartMalformedError} for malformed XML or a root other
 * than `resource-lists` in its namespace.
 */
export function parseResourceListUris(xml: string): string[] {
  const root = parseXml(xml);
  if (!isElement(root, RESOURCE_LISTS_NAMESPACE, 'resource-lists')) {
    throw new XmlPartMalformedError('resource-lists root element is not resource-lists');
  }
  const uris: string[] = [];
  for (const list of childrenNamed(root, RESOURCE_LISTS_NAMESPACE, 'list')) {
    collectEntryUris(list, uris);
  }
  return uris;
}

/** Adds the `uri` of each entry of `list` and of the lists nested in it, in document order. */
function collectEntryUris(list: XmlElement, uris: string[]): void {
  for (const child of list.children) {
    if (child.namespace !== RESOURCE_LISTS_NAMESPACE) {
      continue;
    }
    const uri = child.name === 'entry' ? child.attributes.get('uri') : undefined;
    if (uri !== undefined) {
      uris.push(uri);
    }
    if (child.name === 'list') {
      // The recursion is as deep as the lists are nested, which MAX_XML_DEPTH bounds.
      collectEntryUris(child, uris);
    }
  }
}
