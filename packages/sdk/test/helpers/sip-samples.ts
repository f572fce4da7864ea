/** Small SIP messages for socket tests. */

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
