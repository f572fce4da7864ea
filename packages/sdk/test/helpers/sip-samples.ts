/** Small SIP messages for socket tests. */
import { SipMessage, utf8Encode } from '@mcptt-smime/smime';

export function request(
  method: string,
  options: { branch?: string; cseq?: number; body?: string } = {},
): string {
  const body = options.body ?? '';
  return [
    `${method} sip:bob@example.test SIP/2.0`,
    `Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=${options.branch ?? 'z9hG4bK776asdhds'}`,
    'Max-Forwards: 70',
    'To: <sip:bob@example.test>',
    'From: <sip:alice@example.test>;tag=1928301774',
    'Call-ID: a84b4c76e66710',
    `CSeq: ${options.cseq ?? 1} ${method === 'ACK' || method === 'CANCEL' ? 'INVITE' : method}`,
    ...(body === '' ? [] : ['Content-Type: text/plain']),
    `Content-Length: ${new TextEncoder().encode(body).length}`,
    '',
    body,
  ].join('\r\n');
}

export function response(status: number, reason: string, method = 'INVITE'): string {
  return [
    `SIP/2.0 ${status} ${reason}`,
    'Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK776asdhds',
    'To: <sip:bob@example.test>;tag=a6c85cf',
    'From: <sip:alice@example.test>;tag=1928301774',
    'Call-ID: a84b4c76e66710',
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Returns a To value with the tag it has, such as inside a dialog, or else with `toTag`. */
function toWithTag(to: string, toTag: string): string {
  return /;\s*tag=/i.test(to) ? to : `${to};tag=${toTag}`;
}

/**
 * Returns a bodiless response with status line `SIP/2.0 ${status}` to the request text `sent`,
 * copying its Via, From, To, Call-ID and CSeq, with `fields` after the CSeq. A To without a tag
 * gets `toTag`.
 */
export function responseTo(
  sent: string,
  status: string,
  fields: readonly string[] = [],
  toTag = 'far',
): string {
  const request = SipMessage.parse(utf8Encode(sent));
  return [
    `SIP/2.0 ${status}`,
    `Via: ${request.getHeader('Via') ?? ''}`,
    `From: ${request.getHeader('From') ?? ''}`,
    `To: ${toWithTag(request.getHeader('To') ?? '', toTag)}`,
    `Call-ID: ${request.callId}`,
    `CSeq: ${request.getHeader('CSeq') ?? ''}`,
    ...fields,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
