// CONTRACT STUB: the SIP helper replaces the bodies, keeping these exported names and signatures.

/** A name-addr or addr-spec of From, To, Contact and similar headers (RFC 3261 §20.10). */
export interface NameAddress {
  readonly displayName: string | undefined;
  readonly uri: string;
  /** Header parameters after the URI, names lowercased (`tag`, `expires`). */
  readonly params: ReadonlyMap<string, string>;
}

/** A parsed SIP or SIPS URI (RFC 3261 §19.1). */
export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number | undefined;
  readonly params: ReadonlyMap<string, string>;
}

export declare function parseNameAddress(value: string): NameAddress;
/** Parses a SIP URI. Raises SipParseError, also on a NUL or any other control character. */
export declare function parseSipUri(uri: string): SipUri;
/**
 * Compares the address-of-record part of two URIs as RFC 3261 §19.1.4 does: scheme and host
 * case-insensitive, user case-sensitive with escapes decoded, port compared. Returns false when
 * either does not parse.
 */
export declare function sameAddressOfRecord(a: string, b: string): boolean;
