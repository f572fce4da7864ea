/**
 * The MCPTT XML bodies the server reads and writes (3GPP TS 24.379): `mcptt-info`, the
 * affiliation `pidf` of a PUBLISH, and `resource-lists`. The readers are tolerant of element
 * order and of values without their `mcpttURI`, `mcpttString` or `mcpttBoolean` wrapper, as real
 * clients send them, while the writer keeps the schema order of `mcptt-Params`.
 *
 * @module
 */

/** The fields of `mcptt-Params` that the server uses. */
export interface McpttInfo {
  readonly sessionType?: string;
  readonly requestUri?: string;
  readonly callingUserId?: string;
  readonly calledPartyId?: string;
  readonly callingGroupId?: string;
  readonly emergency?: boolean;
  readonly clientId?: string;
}

const FIELDS: readonly (readonly [
  string,
  keyof McpttInfo,
  'uri' | 'string' | 'boolean' | 'bare',
])[] = [
  ['session-type', 'sessionType', 'bare'],
  ['mcptt-request-uri', 'requestUri', 'uri'],
  ['mcptt-calling-user-id', 'callingUserId', 'uri'],
  ['mcptt-called-party-id', 'calledPartyId', 'uri'],
  ['mcptt-calling-group-id', 'callingGroupId', 'uri'],
  ['emergency-ind', 'emergency', 'boolean'],
  ['mcptt-client-id', 'clientId', 'string'],
];

const WRAPPERS = { uri: 'mcpttURI', string: 'mcpttString', boolean: 'mcpttBoolean' } as const;

/** Reads `mcptt-Params` from an mcptt-info document. Unknown elements are ignored. */
export function parseMcpttInfo(xml: string): McpttInfo {
  const info: Record<string, string | boolean> = {};
  for (const [element, field, kind] of FIELDS) {
    const raw = elementText(xml, element);
    if (raw === undefined) {
      continue;
    }
    const value = unescapeXml(
      (kind === 'bare' ? raw : (elementText(raw, WRAPPERS[kind]) ?? raw)).trim(),
    );
    info[field] = kind === 'boolean' ? value === 'true' : value;
  }
  return info;
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
    '<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0">',
    '  <mcptt-Params>',
    ...lines,
    '  </mcptt-Params>',
    '</mcpttinfo>',
    '',
  ].join('\r\n');
}

/**
 * Reads the groups of an affiliation pidf (the `group` attributes of the `affiliation` elements
 * of `urn:3gpp:ns:mcpttPresInfo:1.0`). An empty list de-affiliates from every group.
 */
export function parseAffiliationGroups(xml: string): string[] {
  const groups: string[] = [];
  for (const match of xml.matchAll(/<(?:[\w-]+:)?affiliation\b([^>]*)>/g)) {
    const attributes = match[1] ?? '';
    const group = /\bgroup\s*=\s*"([^"]*)"/.exec(attributes)?.[1];
    const status = /\bstatus\s*=\s*"([^"]*)"/.exec(attributes)?.[1];
    if (group !== undefined && status !== 'deaffiliating') {
      groups.push(unescapeXml(group));
    }
  }
  return groups;
}

/** Reads the `uri` attributes of the `entry` elements of a resource-lists document (RFC 4826). */
export function parseResourceListUris(xml: string): string[] {
  return [...xml.matchAll(/<(?:[\w-]+:)?entry\b[^>]*\buri\s*=\s*"([^"]*)"/g)].map((match) =>
    unescapeXml(match[1] ?? ''),
  );
}

function elementText(xml: string, name: string): string | undefined {
  const pattern = new RegExp(`<(?:[\\w-]+:)?${name}\\b[^>]*>([\\s\\S]*?)</(?:[\\w-]+:)?${name}>`);
  return pattern.exec(xml)?.[1];
}

/** Escapes the five XML special characters. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function unescapeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}
