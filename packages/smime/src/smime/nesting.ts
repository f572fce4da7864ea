/**
 * The nesting of a body part as unprotect will count it, so that protect can reject a message
 * that every receiver would reject for its depth or its number of CMS layers.
 *
 * @module
 */

import { contentInfoType, expectContentType, parseContentInfo } from '../cms/content-info.js';
import { OID_SIGNED_DATA } from '../cms/oids.js';
import { readSignedData } from '../cms/signed-data-reader.js';
import { McpttError } from '../errors.js';
import { MAX_NESTING_DEPTH } from '../limits.js';
import { MimeEntity } from '../mime/entity.js';
import { parseMultipartViews } from '../mime/multipart.js';

/** Containers and CMS layers inside a part, itself included. */
export interface Nesting {
  /** Levels of multiparts and S/MIME layers: 0 for a leaf. */
  readonly depth: number;
  /** Envelopes and signatures that unprotect would open. */
  readonly layers: number;
}

const LEAF: Nesting = { depth: 0, layers: 0 };
/** An S/MIME layer whose content cannot be read without a key. */
const SEALED: Nesting = { depth: 1, layers: 1 };

/**
 * Returns the nesting of `entity`. The content of an opaque signature is read. The content of an
 * envelope, or of a layer that does not parse, counts as one level and one layer. Counting stops
 * past MAX_NESTING_DEPTH.
 */
export function measureNesting(entity: MimeEntity, level = 1): Nesting {
  const contentType = entity.contentType;
  const mediaType = contentType.mediaType;
  const multipart = mediaType === 'multipart/mixed' || mediaType === 'multipart/signed';
  const pkcs7 = mediaType === 'application/pkcs7-mime' || mediaType === 'application/x-pkcs7-mime';
  if (!multipart && !pkcs7) return LEAF;
  if (level > MAX_NESTING_DEPTH) return SEALED;
  try {
    if (pkcs7) return measureSmime(entity, level);
    const parts = parseMultipartViews(entity.body, contentType.params.get('boundary') ?? '');
    if (mediaType === 'multipart/signed') {
      // The second part is the signature. The first is what unprotect opens.
      const signed = parts[0] === undefined ? LEAF : measureNesting(parts[0], level + 1);
      return { depth: 1 + signed.depth, layers: 1 + signed.layers };
    }
    const inner = parts.map((part) => measureNesting(part, level + 1));
    return {
      depth: 1 + Math.max(0, ...inner.map((nesting) => nesting.depth)),
      layers: inner.reduce((sum, nesting) => sum + nesting.layers, 0),
    };
  } catch (error) {
    // A part that does not parse is rejected by the receiver for that reason, not this one.
    if (error instanceof McpttError) return SEALED;
    throw error;
  }
}

function measureSmime(entity: MimeEntity, level: number): Nesting {
  const info = parseContentInfo(entity.decodedBodyView());
  const type = contentInfoType(info);
  if (type === 'certs-only') return { depth: 1, layers: 0 };
  if (type !== 'signed-data') return SEALED;
  const { eContent } = readSignedData(expectContentType(info, OID_SIGNED_DATA));
  if (eContent === undefined) return SEALED;
  const inner = measureNesting(MimeEntity.parse(eContent), level + 1);
  return { depth: 1 + inner.depth, layers: 1 + inner.layers };
}
