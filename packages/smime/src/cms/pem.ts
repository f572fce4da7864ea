/**
 * PEM armour (RFC 7468).
 *
 * @module
 */

import { base64Decode, base64Encode } from '../bytes.js';
import { CmsParseError } from '../errors.js';

/**
 * Decodes every PEM block with the given label, such as `CERTIFICATE` or `PRIVATE KEY`, in the
 * order they appear. Text outside the blocks is ignored. Raises CmsParseError when no block has the
 * label, when a block is not closed, or when its base64 is invalid.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { pemDecode } from '@mcptt-smime/smime';
 *
 * const [certificate] = pemDecode(readFileSync('alice.cert.pem', 'utf8'), 'CERTIFICATE');
 * ```
 *
 * @param text - PEM text, possibly with other text around the blocks.
 * @param label - The label after `BEGIN`, in capitals.
 * @returns The DER of each block, at least one.
 * @throws TypeError for a label of other characters than capitals, digits and spaces.
 */
export function pemDecode(text: string, label: string): Uint8Array[] {
  if (!/^[A-Z0-9 ]+$/.test(label)) throw new TypeError('pemDecode: invalid label');
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const blocks: Uint8Array[] = [];

  let from = 0;
  for (;;) {
    const start = text.indexOf(begin, from);
    if (start === -1) break;
    const stop = text.indexOf(end, start + begin.length);
    if (stop === -1) throw new CmsParseError(`PEM block ${label} is not closed`);
    blocks.push(base64Decode(text.slice(start + begin.length, stop)));
    from = stop + end.length;
  }
  if (blocks.length === 0) throw new CmsParseError(`PEM block ${label} is missing`);
  return blocks;
}

/**
 * Encodes DER as one PEM block with 64-character lines and LF line ends (RFC 7468 §2).
 *
 * @param der - The bytes to encode.
 * @param label - The label after `BEGIN`, in capitals, such as `CERTIFICATE`.
 * @returns The PEM block, ending with a line feed.
 * @throws TypeError for a label of other characters than capitals, digits and spaces.
 */
export function pemEncode(der: Uint8Array, label: string): string {
  if (!/^[A-Z0-9 ]+$/.test(label)) throw new TypeError('pemEncode: invalid label');
  const body = base64Encode(der, 64).replaceAll('\r\n', '\n');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
