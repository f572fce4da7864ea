/**
 * Content-Type header values (RFC 2045 §5.1), read with the LWS rules of RFC 3261 §25.1 so that
 * the same parser serves SIP headers and MIME part headers.
 *
 * ```abnf
 * Content-Type = m-type SLASH m-subtype *(SEMI m-parameter)
 * m-parameter  = m-attribute EQUAL m-value
 * m-value      = token / quoted-string
 * ```
 *
 * @module
 */

import { HeaderValueScanner, formatParamValue, isToken } from './header-params.js';

/** A parsed Content-Type (RFC 2045 §5.1, with RFC 3261 §25 LWS rules). */
export interface ContentType {
  /** `type/subtype`, lowercased. */
  readonly mediaType: string;
  /** Top-level media type, lowercased, for example `multipart`. */
  readonly type: string;
  /** Subtype, lowercased, for example `mixed`. */
  readonly subtype: string;
  /** Parameters with lowercased names and unquoted, unescaped values. */
  readonly params: ReadonlyMap<string, string>;
}

/**
 * Parses a Content-Type value. Type, subtype and parameter names are case-insensitive and come
 * back lowercased. Parameter values are case-sensitive and keep their case, which matters for
 * `boundary` (RFC 2046 §5.1.1). Raises `MimeParseError` for a syntax error or a repeated
 * parameter.
 *
 * NOTE: RFC 822 comments, which RFC 2045 allows here, are rejected. RFC 3261 has none, and no
 * S/MIME producer seen so far writes them. RFC 2231 continuations (`name*0=`) are read as
 * parameters of that literal name and are not joined. A name given both plainly and in an
 * RFC 2231 form is rejected like a repeated one, because readers of RFC 2231 take the other value.
 * `name` and `filename`, which only label a part, may come both ways.
 *
 * @example
 * ```ts
 * const type = parseContentType('multipart/mixed ; Boundary = "=_mcx:1"');
 * type.mediaType; // 'multipart/mixed'
 * type.params.get('boundary'); // '=_mcx:1'
 * ```
 *
 * @param value - The header value.
 * @returns The media type in lowercase, and the parameters by lowercase name.
 */
export function parseContentType(value: string): ContentType {
  const scanner = new HeaderValueScanner(value, 'Content-Type');
  if (scanner.atEnd()) scanner.fail('missing media type');

  const type = scanner.readToken().toLowerCase();
  scanner.expect('/');
  const subtype = scanner.readToken().toLowerCase();
  const params = scanner.readParams(true);
  return { mediaType: `${type}/${subtype}`, type, subtype, params };
}

/**
 * Formats a Content-Type value as `type/subtype; name=value`. The media type is lowercased and
 * values that are not RFC 3261 tokens are quoted, so that `boundary="=_mcx:1"` reads back the
 * same in SIP and MIME. Raises `TypeError` for a media type or parameter name that is not a token,
 * and for a value with a line break or another control character.
 *
 * @example
 * ```ts
 * formatContentType('multipart/mixed', { boundary: '=_mcx:1' });
 * // 'multipart/mixed; boundary="=_mcx:1"'
 * ```
 *
 * @param mediaType - `type/subtype`.
 * @param params - Parameters in the order to write them.
 * @returns The header value.
 */
export function formatContentType(
  mediaType: string,
  params?: Readonly<Record<string, string>>,
): string {
  const [type, subtype, ...rest] = mediaType.split('/');
  if (type === undefined || subtype === undefined || rest.length > 0) {
    throw new TypeError('formatContentType: media type must be type/subtype');
  }
  if (!isToken(type) || !isToken(subtype)) {
    throw new TypeError('formatContentType: media type must be made of tokens');
  }

  let text = mediaType.toLowerCase();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (!isToken(name)) throw new TypeError('formatContentType: parameter name must be a token');
    text += `; ${name}=${formatParamValue(value)}`;
  }
  return text;
}
