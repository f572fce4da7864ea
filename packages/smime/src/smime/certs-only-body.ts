/**
 * The body of a 493 Undecipherable response (RFC 3261 §23.2, RFC 8551 §3.6).
 *
 * @module
 */

import type { SipBodyHeaders } from '../sip/message.js';
import { encodeCmsBody, pkcs7MimeHeaders } from './smime-entities.js';

/** A SIP body with the content headers that go with it. */
export interface SipBody {
  readonly body: Uint8Array;
  readonly headers: SipBodyHeaders;
}

/**
 * Builds the ready-to-send body of a 493 response from the certs-only SignedData of an
 * `UndecipherableError`: `application/pkcs7-mime; smime-type=certs-only; name=smime.p7c` in base64.
 *
 * @example
 * ```ts
 * // context: err: unknown, response: SipMessage
 * if (err instanceof UndecipherableError && err.certsOnly !== undefined) {
 *   const { body, headers } = createCertsOnlyBody(err.certsOnly);
 *   response = response.withBody(body, headers);
 * }
 * ```
 *
 * @param certsOnly - The DER of {@link UndecipherableError.certsOnly}.
 * @returns The body bytes and its header fields.
 * @throws TypeError when `certsOnly` is not non-empty DER bytes.
 */
export function createCertsOnlyBody(certsOnly: Uint8Array): SipBody {
  if (!(certsOnly instanceof Uint8Array) || certsOnly.length === 0) {
    throw new TypeError('createCertsOnlyBody: certsOnly must be non-empty DER bytes');
  }
  return { body: encodeCmsBody(certsOnly), headers: pkcs7MimeHeaders('certs-only') };
}
