/**
 * The MIME layer: Content-Type and Content-Disposition values, entities, transfer encodings,
 * multipart bodies and canonical line ends.
 *
 * @module
 */

export { boundaryOccursIn, createBoundary, isValidBoundary } from './boundary.js';
export { canonicalizeLineEnds } from './canonical.js';
export { parseContentDisposition } from './content-disposition.js';
export type { ContentDisposition } from './content-disposition.js';
export { formatContentType, parseContentType } from './content-type.js';
export type { ContentType } from './content-type.js';
export { MimeEntity } from './entity.js';
export type { MimeHeader } from './entity.js';
export { parseEntityTree } from './entity-tree.js';
export type { MimeTreeNode } from './entity-tree.js';
export { formatParamValue, isSipToken, isToken, parseHeaderParams } from './header-params.js';
export { buildMultipart, parseMultipart } from './multipart.js';
export {
  decodeQuotedPrintable,
  decodeTransferEncoding,
  encodeBase64Lines,
} from './transfer-encoding.js';
