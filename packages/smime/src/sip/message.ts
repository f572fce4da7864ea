// CONTRACT STUB: the SIP helper replaces the bodies, keeping these exported names and signatures.
import type { ContentType } from '../mime/content-type.js';

/** One header field line, as it appeared on the wire. */
export interface SipHeader {
  /** Field name in its raw spelling, compact forms included (`v`, `Via`, `VIA`). */
  readonly name: string;
  /** Field value with folding replaced by one SP and surrounding whitespace trimmed. */
  readonly value: string;
}

/** Start line of a request. */
export interface SipRequestLine {
  readonly type: 'request';
  readonly method: string;
  readonly requestUri: string;
  readonly version: string;
}

/** Start line of a response. */
export interface SipStatusLine {
  readonly type: 'response';
  readonly status: number;
  readonly reasonPhrase: string;
  readonly version: string;
}

/** Content headers written together by {@link SipMessage.withBody}. */
export interface SipBodyHeaders {
  readonly contentType: string;
  readonly contentTransferEncoding?: string;
  readonly contentDisposition?: string;
}

/** CSeq header value. */
export interface SipCSeq {
  readonly sequence: number;
  readonly method: string;
}

/**
 * An immutable SIP message (RFC 3261 §7). `toBytes()` of a parsed, unchanged message returns
 * the input bytes exactly.
 */
export declare class SipMessage {
  readonly startLine: SipRequestLine | SipStatusLine;
  readonly headers: readonly SipHeader[];
  readonly body: Uint8Array;
  /** Parses a request or response. Raises SipParseError or LimitExceededError. */
  static parse(bytes: Uint8Array): SipMessage;
  /** Builds a message from parts; Content-Length is computed on serialisation. */
  static create(
    startLine: SipRequestLine | SipStatusLine,
    headers: readonly SipHeader[],
    body?: Uint8Array,
  ): SipMessage;
  get isRequest(): boolean;
  /** Method of a request, or the CSeq method of a response. */
  get method(): string;
  get callId(): string;
  get cseq(): SipCSeq;
  /** Parsed Content-Type, or undefined when the message has no body. */
  get contentType(): ContentType | undefined;
  /** First value of a header, matching the long and compact names case-insensitively. */
  getHeader(name: string): string | undefined;
  /** Every value of a header, comma-separated lists split where the grammar allows. */
  getHeaders(name: string): string[];
  /** Returns a copy in which every field of this name is replaced by one field with `value`. */
  withHeader(name: string, value: string): SipMessage;
  /** Returns a copy without any field of this name. */
  withoutHeader(name: string): SipMessage;
  /** Returns a copy with a new body; Content-Type, Content-Length and the other content headers stay consistent. */
  withBody(body: Uint8Array, headers: SipBodyHeaders): SipMessage;
  /** Returns a copy without a body and without content headers. */
  withoutBody(): SipMessage;
  toBytes(): Uint8Array;
}
