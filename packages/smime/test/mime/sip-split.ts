/**
 * Splits a SIP message of the test corpora into its header fields and body, without the SIP
 * parser, so that the MIME tests do not depend on it.
 */
import { createHash } from 'node:crypto';
import { indexOfBytes, utf8Decode, utf8Encode } from '../../src/bytes.js';

/** Header fields and body of a SIP message. */
export interface SplitSipMessage {
  /** Header section after the start line, one string per line, folds not joined. */
  readonly headerLines: readonly string[];
  /** Bytes after the first CRLFCRLF. */
  readonly body: Uint8Array;
}

/** Splits at the first CRLFCRLF. */
export function splitSipMessage(bytes: Uint8Array): SplitSipMessage {
  const end = indexOfBytes(bytes, utf8Encode('\r\n\r\n'));
  if (end < 0) throw new Error('test message has no empty line');
  const lines = utf8Decode(bytes.subarray(0, end)).split('\r\n').slice(1);
  return { headerLines: lines, body: bytes.slice(end + 4) };
}

/** Value of the first header line named `name` (case-insensitive), whitespace trimmed. */
export function headerValue(message: SplitSipMessage, name: string): string {
  const prefix = `${name.toLowerCase()}:`;
  const line = message.headerLines.find((l) => l.toLowerCase().startsWith(prefix));
  if (line === undefined) throw new Error(`test message has no ${name}`);
  return line.slice(prefix.length).trim();
}

/** SHA-256 of `bytes` as lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
