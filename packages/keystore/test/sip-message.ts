/** A SIP MESSAGE with an MCPTT body, shared by the protection tests. */
export const MCPTT_BODY =
  '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
  '<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params>' +
  '<mcptt-calling-user-id><mcpttURI>sip:alice@example.org</mcpttURI></mcptt-calling-user-id>' +
  '</mcptt-Params></mcpttinfo>';

/** Builds the MESSAGE from alice to bob with {@link MCPTT_BODY}, as bytes. */
export function sipMessageBytes(): Uint8Array {
  const body = new TextEncoder().encode(MCPTT_BODY);
  const head =
    'MESSAGE sip:bob@example.org SIP/2.0\r\n' +
    'Via: SIP/2.0/WSS client.invalid;branch=z9hG4bK776asdhds\r\n' +
    'Max-Forwards: 70\r\n' +
    'From: <sip:alice@example.org>;tag=49583\r\n' +
    'To: <sip:bob@example.org>\r\n' +
    'Call-ID: a84b4c76e66710@client.invalid\r\n' +
    'CSeq: 1 MESSAGE\r\n' +
    'Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n' +
    `Content-Length: ${body.length}\r\n\r\n`;
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(new TextEncoder().encode(head));
  bytes.set(body, head.length);
  return bytes;
}
