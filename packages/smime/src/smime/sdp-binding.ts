/**
 * A signed copy of a message's session description, so that the SIP core cannot replace the DTLS
 * certificate fingerprints (RFC 8122) that the SDP carries in clear. The SDP must stay readable
 * for the core, but a core that changes the fingerprints and relays the media ends both DTLS
 * sessions and reads the media. With the copy inside the signed content, the receiver compares
 * the fingerprints of the SDP it got with those the sender signed.
 *
 * Only the fingerprints are compared: a core may rewrite addresses, ports and ICE candidates to
 * relay media, and none of that lets it into a DTLS session whose fingerprint it cannot change.
 *
 * @module
 */

import { latin1Decode } from '../bytes.js';
import { DowngradeError, HeaderMismatchError, MimeParseError } from '../errors.js';
import { MimeEntity } from '../mime/entity.js';
import type { UnwrappedPart } from './unwrap.js';

/** Media type of a session description (RFC 4566). */
const SDP_TYPE = 'application/sdp';

/**
 * `a=fingerprint:hash-func SP fingerprint` (RFC 8122 §5), at the start of an SDP line. The name
 * matches in any case and lines end at any of CR LF, CR or LF, so that no line a parser might
 * read as a fingerprint escapes the comparison.
 */
const FINGERPRINT_LINE = /^a=fingerprint:([!-~]+) +([0-9A-Fa-f:]+) *$/i;
const FINGERPRINT_PREFIX = 'a=fingerprint:';

/**
 * Returns the DTLS certificate fingerprints of an SDP body, session and media level together,
 * each as `hash-func FINGERPRINT` with the function in lowercase and the hex digits in
 * uppercase, sorted. Raises `MimeParseError` (400) for an `a=fingerprint` line that is not
 * well-formed.
 */
export function sdpFingerprints(body: Uint8Array): string[] {
  const fingerprints: string[] = [];
  for (const line of latin1Decode(body).split(/\r\n|\r|\n/)) {
    if (line.slice(0, FINGERPRINT_PREFIX.length).toLowerCase() !== FINGERPRINT_PREFIX) continue;
    const match = FINGERPRINT_LINE.exec(line);
    if (match === null) throw new MimeParseError('SDP fingerprint attribute is malformed');
    fingerprints.push(`${(match[1] ?? '').toLowerCase()} ${(match[2] ?? '').toUpperCase()}`);
  }
  return fingerprints.sort();
}

/**
 * Returns the signed copy to add for a clear SDP part, or undefined when the SDP carries no
 * fingerprint, since there is nothing to bind then.
 */
export function sdpCopyOf(sdp: MimeEntity): MimeEntity | undefined {
  const body = sdp.decodedBody();
  if (sdpFingerprints(body).length === 0) return undefined;
  return new MimeEntity([{ name: 'Content-Type', value: SDP_TYPE }], body);
}

/** The parts of a message without the signed SDP copy, and whether its SDP is bound. */
export interface SdpBinding {
  readonly parts: UnwrappedPart[];
  readonly bound: boolean;
}

/** Requirement of a signed copy in {@link checkSdpBinding}. */
export type SdpBindingRequirement = 'always' | 'if-signed' | undefined;

/**
 * Checks the clear SDP of an opened message against its signed copy, and returns the parts
 * without the copy. A signed SDP part with fingerprints beside an SDP in clear is the sender's
 * copy, and every clear SDP must carry exactly its fingerprints. The SDP is bound then, or when
 * every SDP of the message arrived signed. A signature over an envelope (encrypt-then-sign) does
 * not count, because its signer may not have written what the envelope contains.
 *
 * Raises `DowngradeError` (403) for an SDP part that arrived encrypted and unsigned, because
 * anyone can encrypt for the receiver. An SDP under a signature over its envelope passes,
 * unbound. Raises `HeaderMismatchError` (403) when the fingerprints differ, and `MimeParseError`
 * (400) for a clear SDP beside more than one signed SDP with fingerprints. A clear SDP with
 * fingerprints and no copy raises `DowngradeError` when `required` is `always`, or when it is
 * `if-signed` and `signed` is true.
 */
export function checkSdpBinding(
  parts: readonly UnwrappedPart[],
  required: SdpBindingRequirement,
  signed: boolean,
): SdpBinding {
  const sdpParts = parts.filter((part) => part.entity.contentType.mediaType === SDP_TYPE);
  if (sdpParts.length === 0) return { parts: [...parts], bound: false };
  if (sdpParts.some((part) => part.encrypted && !part.signed)) {
    throw new DowngradeError('SDP arrived encrypted but not signed');
  }
  const clear = sdpParts.filter((part) => !part.signed && !part.encrypted);
  const authenticated = sdpParts.filter(isAuthenticated);
  const fingerprintsOf = (part: UnwrappedPart) => sdpFingerprints(part.entity.decodedBodyView());
  if (clear.length === 0) {
    return { parts: [...parts], bound: authenticated.length === sdpParts.length };
  }

  const copies = authenticated.filter((part) => fingerprintsOf(part).length > 0);
  const [copy, another] = copies;
  if (copy === undefined) {
    const mustBind = required === 'always' || (required === 'if-signed' && signed);
    if (mustBind && clear.some((part) => fingerprintsOf(part).length > 0)) {
      throw new DowngradeError('SDP fingerprints arrived without a signed copy');
    }
    return { parts: [...parts], bound: false };
  }
  if (another !== undefined) {
    throw new MimeParseError('SDP in clear beside more than one signed session description');
  }
  const copied = fingerprintsOf(copy);
  for (const part of clear) {
    const fingerprints = fingerprintsOf(part);
    if (
      fingerprints.length !== copied.length ||
      fingerprints.some((fingerprint, index) => fingerprint !== copied[index])
    ) {
      throw new HeaderMismatchError('SDP fingerprints differ from their signed copy');
    }
  }
  return { parts: parts.filter((part) => part !== copy), bound: true };
}

/** True for a part whose verified signature its signer made over the part itself. */
function isAuthenticated(part: UnwrappedPart): boolean {
  return part.signed && part.order !== 'encrypt-then-sign';
}
