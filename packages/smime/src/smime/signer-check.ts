/**
 * Binds a verified signer to the SIP identity of the message (RFC 3261 §23.2, §23.3).
 *
 * @module
 */

import { bytesEqual } from '../bytes.js';
import type { VerifyResult } from '../cms/index.js';
import {
  CertificateChangedError,
  CertificateUntrustedError,
  IdentityMismatchError,
  SipParseError,
} from '../errors.js';
import { parseNameAddressUri } from '../sip/address.js';
import type { SipMessage } from '../sip/message.js';
import {
  formatAddressOfRecord,
  parseSipUriOrUndefined,
  sameParsedAddress,
  type SipUri,
} from '../sip/sip-uri.js';

/** Question put to the certificate decision hook (RFC 3261 §23.2). */
export interface CertificateDecision {
  /** `unknown`: no path to a trust anchor and nothing stored; `changed`: differs from the stored one. */
  readonly reason: 'unknown' | 'changed';
  readonly addressOfRecord: string;
  /** DER of the signer certificate of the message. */
  readonly certificate: Uint8Array;
  /** The stored certificate for `reason: 'changed'`. */
  readonly previousCertificate: Uint8Array | undefined;
}

/** Sources of stored peer certificates and of decisions about new ones. */
export interface SignerCheckOptions {
  readonly getPeerCertificate?: (addressOfRecord: string) => Promise<Uint8Array | undefined>;
  readonly onCertificateDecision?: (decision: CertificateDecision) => boolean | Promise<boolean>;
}

/**
 * Returns the URI the signer must hold: the From URI of a request, the To URI of a response
 * (RFC 3261 §23.2).
 */
export function expectedSignerUri(message: SipMessage): string {
  return expectedSigner(message).uri;
}

/**
 * Returns the URI of {@link expectedSignerUri} with its parsed form, undefined when it is not a
 * SIP or SIPS URI, so that the signer check does not parse it again.
 *
 * @internal
 */
export function expectedSigner(message: SipMessage): {
  readonly uri: string;
  readonly sipUri: SipUri | undefined;
} {
  const name = message.isRequest ? 'From' : 'To';
  const value = message.getHeader(name);
  if (value === undefined) throw new SipParseError(`${name} header missing`);
  return parseNameAddressUri(value);
}

/**
 * Returns the address-of-record of a SIP URI, itself a URI: scheme, user (and password) with
 * their escapes written one way, host in lowercase, and port, without parameters or headers, so
 * that `sip:a%40b@example.org` stays the user `a@b`. Non-SIP URIs are returned unchanged.
 *
 * @example
 * ```ts
 * addressOfRecord('SIP:Alice@Example.ORG;transport=ws'); // 'sip:Alice@example.org'
 * addressOfRecord('sip:a%40b@example.org'); // 'sip:a%40b@example.org'
 * ```
 *
 * @param uri - Any URI.
 * @returns The address-of-record, or `uri` unchanged when it is not a SIP or SIPS URI.
 */
export function addressOfRecord(uri: string): string {
  const parsed = parseSipUriOrUndefined(uri);
  return parsed === undefined ? uri : formatAddressOfRecord(parsed);
}

/**
 * Parsed signer URIs, under the frozen list that the certificate cache keeps for a certificate,
 * so that a known signer's URIs are parsed once. A URI that does not parse is undefined.
 */
const parsedSignerUris = new WeakMap<readonly string[], readonly (SipUri | undefined)[]>();

function parseSignerUris(uris: readonly string[]): readonly (SipUri | undefined)[] {
  let parsed = parsedSignerUris.get(uris);
  if (parsed === undefined) {
    parsed = uris.map(parseSipUriOrUndefined);
    parsedSignerUris.set(uris, parsed);
  }
  return parsed;
}

/**
 * Checks a verified signer against the expected SIP identity and the stored peer certificate,
 * and returns the signer URI that matched.
 *
 * A certificate equal to the stored one is accepted even without a path to a trust anchor,
 * because the user accepted it before. A different stored certificate goes to the hook with
 * `changed`, and a certificate without a path and without a stored one goes with `unknown`.
 * Without a hook, or when it returns false, the certificate is rejected.
 */
export async function checkSigner(
  verified: VerifyResult,
  expectedUri: string,
  options: SignerCheckOptions,
): Promise<string> {
  return checkParsedSigner(verified, parseSipUriOrUndefined(expectedUri), options);
}

/**
 * Does what {@link checkSigner} does, with the expected URI already parsed (undefined when it is
 * not a SIP or SIPS URI).
 *
 * @internal
 */
export async function checkParsedSigner(
  verified: VerifyResult,
  expected: SipUri | undefined,
  options: SignerCheckOptions,
): Promise<string> {
  const signerUris = verified.signerUris;
  const parsed = parseSignerUris(signerUris);
  const index =
    expected === undefined
      ? -1
      : parsed.findIndex((uri) => uri !== undefined && sameParsedAddress(uri, expected));
  const signerUri = signerUris[index];
  if (expected === undefined || signerUri === undefined) {
    throw new IdentityMismatchError(
      'signer certificate does not name the SIP identity of the message',
    );
  }

  // Without a stored certificate to compare, a trusted chain needs no decision, nor the
  // address-of-record that names the signer to the application.
  if (options.getPeerCertificate === undefined && verified.chainTrusted) return signerUri;
  const aor = formatAddressOfRecord(expected);
  const certificate = verified.signerCertificate;
  const previous = await options.getPeerCertificate?.(aor);
  if (previous !== undefined && bytesEqual(previous, certificate)) return signerUri;

  if (previous !== undefined) {
    const decision = {
      reason: 'changed',
      addressOfRecord: aor,
      certificate,
      previousCertificate: previous,
    } as const;
    if (!(await decide(options, decision))) {
      throw new CertificateChangedError(`signer certificate of ${aor} differs from the stored one`);
    }
    return signerUri;
  }

  if (!verified.chainTrusted) {
    const decision = {
      reason: 'unknown',
      addressOfRecord: aor,
      certificate,
      previousCertificate: undefined,
    } as const;
    if (!(await decide(options, decision))) {
      throw new CertificateUntrustedError('signer certificate does not chain to a trust anchor');
    }
  }
  return signerUri;
}

async function decide(
  options: SignerCheckOptions,
  decision: CertificateDecision,
): Promise<boolean> {
  if (options.onCertificateDecision === undefined) return false;
  return (await options.onCertificateDecision(decision)) === true;
}
