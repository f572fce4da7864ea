/**
 * Content-Disposition header values (RFC 2183, and RFC 3261 §20.11 for SIP).
 *
 * ```abnf
 * Content-Disposition = disp-type *(SEMI disp-param)
 * disp-param          = handling-param / generic-param
 * handling-param      = "handling" EQUAL ("optional" / "required" / other-handling)
 * ```
 *
 * @module
 */

import { HeaderValueScanner } from './header-params.js';

/** A parsed Content-Disposition. */
export interface ContentDisposition {
  /** Disposition type, lowercased, for example `attachment`, `session` or `recipient-list`. */
  readonly type: string;
  /** Parameters with lowercased names; a parameter written without a value reads as `''`. */
  readonly params: ReadonlyMap<string, string>;
  /**
   * The `handling` parameter, lowercased. It is `required` when absent (RFC 3261 §20.11), and a
   * receiver that does not understand a part with `required` handling responds with 415.
   */
  readonly handling: string;
}

/**
 * Parses a Content-Disposition value. Raises `MimeParseError` for a syntax error or a repeated
 * parameter.
 *
 * @example
 * ```ts
 * const disposition = parseContentDisposition('attachment; handling=required; filename=smime.p7m');
 * disposition.type; // 'attachment'
 * disposition.params.get('filename'); // 'smime.p7m'
 * ```
 */
export function parseContentDisposition(value: string): ContentDisposition {
  const scanner = new HeaderValueScanner(value, 'Content-Disposition');
  if (scanner.atEnd()) scanner.fail('missing disposition type');

  const type = scanner.readToken().toLowerCase();
  const params = scanner.readParams(false);
  const handling = (params.get('handling') ?? 'required').toLowerCase();
  return { type, params, handling };
}
