/**
 * Moves MCPTT body parts around JsSIP, whose RTCSession accepts exactly `application/sdp`.
 *
 * JsSIP answers an incoming multipart INVITE with 415, and hands a multipart 200 OK raw to the
 * RTCPeerConnection. So incoming messages of the session methods are reduced to their SDP part
 * before JsSIP sees them, and the other parts go to the SDK. In the other direction, JsSIP stamps
 * every response body `application/sdp`, so the SDK adds the MCPTT parts to re-INVITEs, UPDATEs and
 * 2xx responses after JsSIP built them. TS 24.379 §6.5 puts the SDP first in multipart/mixed.
 *
 * @module
 */
import type { SipMessage } from '@mcptt-smime/smime';
import {
  buildMultipart,
  createBoundary,
  MimeEntity,
  parseMultipart,
  utf8Decode,
  utf8Encode,
} from '@mcptt-smime/smime';
import { SDP_TYPE } from '../mcptt/media-types.js';

/** A body part that the application adds to, or receives from, a SIP message. */
export interface BodyPart {
  /** Full Content-Type value, for example `application/vnd.3gpp.mcptt-info+xml`. */
  readonly contentType: string;
  /** Content-Disposition value, for example `recipient-list`. */
  readonly contentDisposition?: string;
  /** Part body as text; the MCPTT bodies are XML or UTF-8 text. */
  readonly body: string;
}

/** Methods whose SDP JsSIP's RTCSession handles (RFC 3261 §13, RFC 3311, RFC 3262). */
const SESSION_METHODS: ReadonlySet<string> = new Set(['INVITE', 'UPDATE', 'ACK', 'PRACK']);

/** Builds the MIME entity of a part, as it appears in the multipart body of a message. */
export function partEntity(part: BodyPart): MimeEntity {
  const headers = [{ name: 'Content-Type', value: part.contentType }];
  if (part.contentDisposition !== undefined) {
    headers.push({ name: 'Content-Disposition', value: part.contentDisposition });
  }
  return new MimeEntity(headers, utf8Encode(part.body));
}

/**
 * Builds a multipart/mixed body from an SDP and extra parts, the SDP first. Returns the
 * Content-Type value and the body text.
 */
export function composeMixedBody(
  sdp: string | undefined,
  parts: readonly BodyPart[],
  random: Pick<Crypto, 'getRandomValues'>,
): { contentType: string; body: string } {
  const all = sdp === undefined ? parts : [{ contentType: SDP_TYPE, body: sdp }, ...parts];
  const entities = all.map(partEntity);
  const boundary = createBoundary(
    random,
    entities.map((e) => e.body),
  );
  return {
    contentType: `multipart/mixed;boundary=${boundary}`,
    body: utf8Decode(buildMultipart(entities, boundary)),
  };
}

/** Adds `parts` after the SDP body of an outgoing message. A message without SDP gets them alone. */
export function attachParts(
  message: SipMessage,
  parts: readonly BodyPart[],
  random: Pick<Crypto, 'getRandomValues'>,
): SipMessage {
  if (parts.length === 0) return message;
  const sdp =
    message.body.length > 0 && message.contentType?.mediaType === SDP_TYPE
      ? utf8Decode(message.body)
      : undefined;
  const { contentType, body } = composeMixedBody(sdp, parts, random);
  return message.withBody(utf8Encode(body), { contentType });
}

/** An incoming message split into what JsSIP gets and what the SDK keeps. */
export interface SplitMessage {
  /** The message for JsSIP. */
  readonly message: SipMessage;
  /** Every body part other than the SDP that JsSIP kept. */
  readonly parts: readonly BodyPart[];
}

function toBodyPart(entity: MimeEntity): BodyPart {
  const disposition = entity.getHeader('content-disposition');
  return {
    contentType: entity.getHeader('content-type') ?? 'text/plain',
    ...(disposition === undefined ? {} : { contentDisposition: disposition }),
    body: utf8Decode(entity.decodedBody()),
  };
}

/**
 * Reduces an incoming message of a session method to its SDP, with Content-Type exactly
 * `application/sdp`, and returns the other parts beside it. Other methods, such as MESSAGE,
 * keep their body for JsSIP, which passes any content type, and their parts are returned as well.
 */
export function splitIncoming(message: SipMessage): SplitMessage {
  const contentType = message.contentType;
  if (contentType === undefined || message.body.length === 0) return { message, parts: [] };

  const isSession = SESSION_METHODS.has(message.method);
  if (contentType.mediaType === SDP_TYPE) {
    // JsSIP rejects `application/sdp; charset=utf-8` with 415, so the parameters go.
    const plain = isSession ? message.withBody(message.body, { contentType: SDP_TYPE }) : message;
    return { message: plain, parts: [] };
  }

  const boundary = contentType.params.get('boundary');
  if (contentType.mediaType !== 'multipart/mixed' || boundary === undefined) {
    const single: BodyPart = {
      contentType: message.getHeader('content-type') ?? contentType.mediaType,
      body: utf8Decode(message.body),
    };
    return { message: isSession ? message.withoutBody() : message, parts: [single] };
  }

  const entities = parseMultipart(message.body, boundary);
  const sdp = entities.find((e) => e.contentType.mediaType === SDP_TYPE);
  const parts = entities.filter((e) => e !== sdp).map(toBodyPart);
  if (!isSession) return { message, parts };
  if (sdp === undefined) return { message: message.withoutBody(), parts };
  return { message: message.withBody(sdp.decodedBody(), { contentType: SDP_TYPE }), parts };
}

/**
 * Splits an opened message as {@link splitIncoming} splits the plaintext message, but from the
 * plaintext parts that `unprotectMessage` returned, without building and parsing a multipart
 * body again. `received` gives the headers. `full` returns the plaintext message, which a method
 * outside the session methods needs, because JsSIP then gets the whole body, and so does a body of
 * one part.
 */
export function splitOpened(
  received: SipMessage,
  parts: readonly MimeEntity[],
  full: () => SipMessage,
): SplitMessage {
  if (parts.length <= 1) return splitIncoming(full());
  const sdp = parts.find((entity) => entity.contentType.mediaType === SDP_TYPE);
  const others = parts.filter((entity) => entity !== sdp).map(toBodyPart);
  if (!SESSION_METHODS.has(received.method)) return { message: full(), parts: others };
  if (sdp === undefined) return { message: received.withoutBody(), parts: others };
  return {
    message: received.withBody(sdp.decodedBody(), { contentType: SDP_TYPE }),
    parts: others,
  };
}
