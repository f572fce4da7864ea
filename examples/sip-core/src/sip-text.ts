/**
 * Just enough SIP (RFC 3261 §7) for a relay that routes on headers: the start line, header fields
 * in order, and the body as opaque bytes. The relay never interprets a body.
 *
 * @module
 */

/** One header field. */
export interface RawHeader {
  readonly name: string;
  readonly value: string;
}

/** A SIP message split into start line, header fields and body. */
export interface RawSipMessage {
  readonly startLine: string;
  readonly headers: readonly RawHeader[];
  readonly body: Uint8Array;
}

// RFC 3261 §7.3.3 and the IANA SIP header registry.
const compactNames: Readonly<Record<string, string>> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  e: 'content-encoding',
  k: 'supported',
  s: 'subject',
  o: 'event',
  u: 'allow-events',
  r: 'refer-to',
};

/** Lowercases a header name and expands its compact form. */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return compactNames[lower] ?? lower;
}

/**
 * Splits a SIP message. Returns undefined when there is no empty line after the headers, when a
 * header line has no colon, or when Content-Length disagrees with the body.
 */
export function parseRawSip(data: Uint8Array): RawSipMessage | undefined {
  const text = new TextDecoder('latin1').decode(data);
  const headerEnd = text.indexOf('\r\n\r\n');
  if (headerEnd === -1) {
    return undefined;
  }

  const lines = text.slice(0, headerEnd).split('\r\n');
  const startLine = lines.shift() ?? '';
  const headers: RawHeader[] = [];
  for (const line of lines) {
    const previous = headers.at(-1);
    if ((line.startsWith(' ') || line.startsWith('\t')) && previous !== undefined) {
      headers[headers.length - 1] = {
        name: previous.name,
        value: `${previous.value} ${line.trim()}`,
      };
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      return undefined;
    }
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }

  const body = data.subarray(headerEnd + 4);
  const declared = findHeader(headers, 'content-length');
  if (declared !== undefined && Number(declared) !== body.length) {
    return undefined;
  }
  return { startLine, headers, body };
}

/** Serialises a message, setting Content-Length from the body. */
export function serializeRawSip(message: RawSipMessage): Uint8Array {
  const lines = [message.startLine];
  for (const header of message.headers) {
    if (canonicalHeaderName(header.name) !== 'content-length') {
      lines.push(`${header.name}: ${header.value}`);
    }
  }
  lines.push(`Content-Length: ${String(message.body.length)}`, '', '');

  const head = latin1Bytes(lines.join('\r\n'));
  const bytes = new Uint8Array(head.length + message.body.length);
  bytes.set(head);
  bytes.set(message.body, head.length);
  return bytes;
}

/** First value of a header, by canonical name. */
export function findHeader(headers: readonly RawHeader[], name: string): string | undefined {
  return headers.find((header) => canonicalHeaderName(header.name) === name)?.value;
}

/** True for a request, false for a response. */
export function isRequest(message: RawSipMessage): boolean {
  return !message.startLine.startsWith('SIP/2.0 ');
}

/** Method of a request or the CSeq method of a response. */
export function methodOf(message: RawSipMessage): string {
  if (isRequest(message)) {
    return message.startLine.split(' ')[0] ?? '';
  }
  return (findHeader(message.headers, 'cseq') ?? '').split(/\s+/)[1] ?? '';
}

/** Request-URI of a request. */
export function requestUriOf(message: RawSipMessage): string {
  return message.startLine.split(' ')[1] ?? '';
}

/** The URI inside a name-addr (`"Bob" <sip:bob@example.com>;tag=1`) or a bare addr-spec. */
export function uriOfAddress(value: string): string {
  const open = value.indexOf('<');
  if (open !== -1) {
    const close = value.indexOf('>', open);
    return value.slice(open + 1, close === -1 ? undefined : close);
  }
  return value.split(';')[0]?.trim() ?? '';
}

/**
 * The `user@host` key of a SIP URI, host lowercased, with port and parameters dropped. Used to
 * match a Request-URI against registered addresses-of-record and contacts.
 */
export function addressKey(uri: string): string | undefined {
  const match = /^sips?:([^@;?>]+)@([^:;?>]+)/i.exec(uri.trim());
  if (match === null) {
    return undefined;
  }
  return `${match[1] ?? ''}@${(match[2] ?? '').toLowerCase()}`;
}

/** Encodes text whose characters are all below U+0100, byte for byte. */
export function latin1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) {
    bytes[i] = text.charCodeAt(i) & 0xff;
  }
  return bytes;
}
