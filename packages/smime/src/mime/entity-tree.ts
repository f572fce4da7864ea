/**
 * The tree of MIME entities inside a multipart body, with the nesting limit applied.
 *
 * @module
 */

import { LimitExceededError, MimeParseError } from '../errors.js';
import { MAX_NESTING_DEPTH } from '../limits.js';
import type { MimeEntity } from './entity.js';
import { parseMultipart } from './multipart.js';

/** One entity of a MIME tree, with its parts when it is a multipart. */
export interface MimeTreeNode {
  readonly entity: MimeEntity;
  /** Nesting depth of the entity, as passed to {@link parseEntityTree} for the root. */
  readonly depth: number;
  /** Parts of a `multipart/*` entity, in order; empty for any other type. */
  readonly children: readonly MimeTreeNode[];
}

/** RFC 2045 §6.4: a multipart entity is never transfer-encoded. */
const IDENTITY_ENCODINGS = ['7bit', '8bit', 'binary'];

/**
 * Parses every `multipart/*` entity under `entity` into a tree. Other types, `message/*` and
 * `application/pkcs7-mime` included, are leaves: the caller unwraps them and calls this again
 * with a deeper `depth`.
 *
 * Raises `LimitExceededError` when an entity would sit deeper than `MAX_NESTING_DEPTH`,
 * `MimeParseError` for a multipart without a boundary, with a transfer encoding other than 7bit,
 * 8bit or binary, or with a malformed part, and what `parseMultipart` raises.
 *
 * @param entity - the root of the tree
 * @param depth - number of MIME and CMS layers around `entity`; 0 for a message body
 *
 * @example
 * ```ts
 * // context: body: Uint8Array
 * const tree = parseEntityTree(MimeEntity.parse(body));
 * tree.children.map((child) => child.entity.contentType.mediaType);
 * ```
 */
export function parseEntityTree(entity: MimeEntity, depth = 0): MimeTreeNode {
  if (depth > MAX_NESTING_DEPTH) {
    throw new LimitExceededError(`MIME entities nested deeper than ${MAX_NESTING_DEPTH} levels`);
  }
  const contentType = entity.contentType;
  if (contentType.type !== 'multipart') return { entity, depth, children: [] };

  const boundary = contentType.params.get('boundary');
  if (boundary === undefined) throw new MimeParseError('multipart Content-Type has no boundary');
  const encoding = (entity.getHeader('Content-Transfer-Encoding') ?? '7bit').toLowerCase();
  if (!IDENTITY_ENCODINGS.includes(encoding)) {
    throw new MimeParseError('multipart entity has a Content-Transfer-Encoding other than 7bit');
  }

  const parts = parseMultipart(entity.body, boundary);
  const children = parts.map((part) => parseEntityTree(part, depth + 1));
  return { entity, depth, children };
}
