/**
 * SIP messages and body helpers for the protection tests.
 */
import { utf8Decode, utf8Encode } from '../../src/bytes.js';
import type { MimeEntity } from '../../src/mime/entity.js';
import { parseMultipart } from '../../src/mime/multipart.js';
import { SipMessage } from '../../src/sip/message.js';
import { messageBodyEntity } from '../../src/smime/sip-body.js';

/** Sensitive XML used in the synthetic messages; a protected message must not contain it. */
export const SECRET_TOKEN = 'mcptt-access-token-7f3a9c';

/** Returns an mcptt-info document with the secret token. */
export function mcpttInfo(): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params>',
    `<mcptt-access-token type="Normal"><mcpttString>${SECRET_TOKEN}</mcpttString></mcptt-access-token>`,
    '</mcptt-Params></mcpttinfo>',
    '',
  ].join('\r\n');
}

/** Media type of mcptt-info. */
export const MCPTT_INFO = 'application/vnd.3gpp.mcptt-info+xml';

/** Media type of resource-lists, and a list that names bob. */
export const RESOURCE_LISTS = 'application/resource-lists+xml';
export const LISTS =
  '<resource-lists><list><entry uri="sip:bob@example.org"/></list></resource-lists>';

/** An SDP offer. */
export const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 192.0.2.1',
  's=-',
  'c=IN IP4 192.0.2.1',
  't=0 0',
  'm=audio 4000 RTP/AVP 0',
  '',
].join('\r\n');

/** Builds a request from `alice` with a body and its content headers. */
export function request(
  method: string,
  body: string | Uint8Array,
  contentType: string,
  from = 'sip:alice@example.org',
): SipMessage {
  const bytes = typeof body === 'string' ? utf8Encode(body) : body;
  const head = [
    `${method} sip:mcptt-server@example.org SIP/2.0`,
    'Via: SIP/2.0/WSS client.invalid;branch=z9hG4bKtest1',
    'Max-Forwards: 70',
    `From: <${from}>;tag=a1`,
    'To: <sip:mcptt-server@example.org>',
    'Call-ID: test-call@example.org',
    `CSeq: 1 ${method}`,
    `Content-Type: ${contentType}`,
    `Content-Length: ${bytes.length}`,
    '',
    '',
  ];
  const headBytes = utf8Encode(head.join('\r\n'));
  const message = new Uint8Array(headBytes.length + bytes.length);
  message.set(headBytes);
  message.set(bytes, headBytes.length);
  return SipMessage.parse(message);
}

/** Builds a MESSAGE from alice with an mcptt-info body. */
export function mcpttInfoMessage(from?: string): SipMessage {
  return request('MESSAGE', mcpttInfo(), 'application/vnd.3gpp.mcptt-info+xml', from);
}

/** Builds an INVITE from alice with `sdp` and mcptt-info in multipart/mixed. */
export function inviteWithSdp(sdp = SDP): SipMessage {
  const body = [
    '--b1',
    'Content-Type: application/sdp',
    '',
    sdp,
    '--b1',
    'Content-Type: application/vnd.3gpp.mcptt-info+xml',
    '',
    mcpttInfo(),
    '--b1--',
    '',
  ].join('\r\n');
  return request('INVITE', body, 'multipart/mixed; boundary=b1');
}

/** A body part as media type and decoded bytes, for comparisons. */
export interface PartView {
  readonly mediaType: string;
  readonly body: string;
}

/** Returns the parts of a message body: the parts of a multipart/mixed, or the single body. */
export function bodyParts(message: SipMessage): PartView[] {
  const entity = messageBodyEntity(message);
  if (entity === undefined) return [];
  return entityParts(entity);
}

/** Returns the parts of a list of entities, as {@link bodyParts} returns those of a message. */
export function entityParts(entity: MimeEntity): PartView[] {
  const contentType = entity.contentType;
  if (contentType.mediaType !== 'multipart/mixed') {
    return [{ mediaType: contentType.mediaType, body: utf8Decode(entity.decodedBody()) }];
  }
  const boundary = contentType.params.get('boundary') ?? '';
  return parseMultipart(entity.body, boundary).flatMap((part) => entityParts(part));
}

/** Returns a copy of a message with the From (request) or To (response) URI set to `uri`. */
export function withSignerUri(message: SipMessage, uri: string): SipMessage {
  const name = message.isRequest ? 'From' : 'To';
  return message.withHeader(name, `<${uri}>;tag=t${name.length}`);
}

/** Returns true when `needle` occurs in the bytes of `message`. */
export function containsText(message: SipMessage, needle: string): boolean {
  return utf8Decode(message.toBytes()).includes(needle);
}
