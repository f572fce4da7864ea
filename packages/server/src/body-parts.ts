/**
 * Reads and writes the body parts of SIP messages in clear: a single body or multipart/mixed
 * (TS 24.379 §6.5 puts the SDP first).
 *
 * @module
 */
import type { SipMessage } from '@mcptt-smime/smime';
import {
  MimeEntity,
  buildMultipart,
  createBoundary,
  formatContentType,
  parseMultipart,
  utf8Decode,
  utf8Encode,
} from '@mcptt-smime/smime';

/** One body part in clear. */
export interface BodyPart {
  /** `type/subtype`, lowercased. */
  readonly mediaType: string;
  readonly body: Uint8Array;
  readonly disposition?: string;
}

/** Media types of the parts the server reads and writes. */
export const MEDIA_TYPES = {
  sdp: 'application/sdp',
  mcpttInfo: 'application/vnd.3gpp.mcptt-info+xml',
  resourceLists: 'application/resource-lists+xml',
  pidf: 'application/pidf+xml',
} as const;

/** Returns the parts of a message's body: none, one, or those of a multipart/mixed. */
export function readParts(message: SipMessage): BodyPart[] {
  const type = message.contentType;
  if (type === undefined || message.body.length === 0) {
    return [];
  }
  if (type.mediaType !== 'multipart/mixed') {
    return [{ mediaType: type.mediaType, body: message.body }];
  }

  const boundary = type.params.get('boundary') ?? '';
  return parseMultipart(message.body, boundary).map(entityPart);
}

/** Returns the media type, decoded body and disposition of a MIME entity. */
export function entityPart(entity: MimeEntity): BodyPart {
  const disposition = entity.getHeader('Content-Disposition');
  return {
    mediaType: entity.contentType.mediaType,
    body: entity.decodedBody(),
    ...(disposition === undefined ? {} : { disposition }),
  };
}

/** Returns the text of the first part of a media type, or undefined. */
export function partText(parts: readonly BodyPart[], mediaType: string): string | undefined {
  const part = parts.find((candidate) => candidate.mediaType === mediaType);
  return part === undefined ? undefined : utf8Decode(part.body);
}

/** Returns `message` with `parts` as its body: a single part, or multipart/mixed for several. */
export function withParts(message: SipMessage, parts: readonly BodyPart[]): SipMessage {
  const [first] = parts;
  if (first === undefined) {
    return message.withoutBody();
  }
  if (parts.length === 1) {
    return message.withBody(first.body, { contentType: first.mediaType });
  }

  const boundary = createBoundary(crypto);
  const entities = parts.map((part) => {
    const headers = [{ name: 'Content-Type', value: part.mediaType }];
    if (part.disposition !== undefined) {
      headers.push({ name: 'Content-Disposition', value: part.disposition });
    }
    return new MimeEntity(headers, part.body);
  });
  return message.withBody(buildMultipart(entities, boundary), {
    contentType: formatContentType('multipart/mixed', { boundary }),
  });
}

/** A text part. */
export function textPart(mediaType: string, text: string): BodyPart {
  return { mediaType, body: utf8Encode(text) };
}
