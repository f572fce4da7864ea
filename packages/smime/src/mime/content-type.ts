// CONTRACT STUB: the MIME helper replaces the bodies, keeping these exported names and signatures.

/** A parsed Content-Type (RFC 2045 §5.1, with RFC 3261 §25 LWS rules). */
export interface ContentType {
  /** `type/subtype`, lowercased. */
  readonly mediaType: string;
  readonly type: string;
  readonly subtype: string;
  /** Parameters with lowercased names and unquoted, unescaped values. */
  readonly params: ReadonlyMap<string, string>;
}

/** Parses a Content-Type value. Raises MimeParseError. */
export declare function parseContentType(value: string): ContentType;
/** Formats a Content-Type value, quoting parameter values that are not tokens. */
export declare function formatContentType(
  mediaType: string,
  params?: Readonly<Record<string, string>>,
): string;
