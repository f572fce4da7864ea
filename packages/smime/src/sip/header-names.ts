/**
 * Header field names: compact forms, canonical spellings and the list-valued fields.
 *
 * @module
 */

/**
 * Compact forms of header field names (RFC 3261 §7.3.3 and §20, RFC 3265, RFC 3515, RFC 3892,
 * RFC 4028, RFC 3841, RFC 8224), keyed by the lowercase letter.
 */
export const COMPACT_HEADER_NAMES: Readonly<Record<string, string>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

/**
 * Header fields whose value is a comma-separated list (RFC 3261 §7.3.1), so that several fields
 * of the name may be combined into one. Keys are lowercase long names.
 */
const LIST_HEADERS = new Set([
  'accept',
  'accept-contact',
  'accept-encoding',
  'accept-language',
  'alert-info',
  'allow',
  'allow-events',
  'call-info',
  'contact',
  'content-encoding',
  'content-language',
  'error-info',
  'history-info',
  'in-reply-to',
  'p-asserted-identity',
  'p-associated-uri',
  'p-preferred-identity',
  'path',
  'proxy-require',
  'reason',
  'record-route',
  'reject-contact',
  'require',
  'resource-priority',
  'route',
  'security-client',
  'security-server',
  'security-verify',
  'service-route',
  'supported',
  'unsupported',
  'via',
  'warning',
]);

/** Largest number of spellings whose canonical name {@link canonicalHeaderName} keeps. */
const CANONICAL_NAME_CACHE_SIZE = 512;

/** Canonical names by spelling: lowercasing each lookup cost a new string per call. */
const canonicalNames = new Map<string, string>();

/**
 * Returns the lowercase long form of a header field name, so that `v`, `Via` and `VIA` compare
 * equal.
 */
export function canonicalHeaderName(name: string): string {
  let canonical = canonicalNames.get(name);
  if (canonical === undefined) {
    const lower = name.toLowerCase();
    // Own properties only: a field named `constructor` must not find Object's.
    const long = Object.hasOwn(COMPACT_HEADER_NAMES, lower)
      ? COMPACT_HEADER_NAMES[lower]
      : undefined;
    canonical = (long ?? lower).toLowerCase();
    // Names come from received messages too, so the cache starts over rather than grow.
    if (canonicalNames.size >= CANONICAL_NAME_CACHE_SIZE) canonicalNames.clear();
    canonicalNames.set(name, canonical);
  }
  return canonical;
}

/** Tells whether the values of a header field form a comma-separated list. */
export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(canonicalHeaderName(name));
}
