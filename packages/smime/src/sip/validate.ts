/**
 * Checks the header fields that the codec and the layers above rely on (RFC 3261 §8.1.1, §20).
 * Other fields are only checked for control characters, so that extension headers pass through.
 *
 * @module
 */

import { MimeParseError, SipParseError } from '../errors.js';
import { parseContentType } from '../mime/content-type.js';
import { parseNameAddress } from './address.js';
import { hasControlCharacter, invalidHeader, isToken, isWord, splitList } from './grammar.js';
import { canonicalHeaderName } from './header-names.js';
import type { SipCSeq, SipHeader, SipRequestLine, SipStatusLine } from './message.js';
import { parseVia } from './via.js';

/**
 * Header fields that every request and response carries (RFC 3261 §8.1.1, §8.2.6.2).
 * Max-Forwards is not among them, because RFC 2543 senders omit it and RFC 4475 §3.4.1 says to
 * accept their requests.
 */
const MANDATORY_HEADERS = ['Via', 'From', 'To', 'Call-ID', 'CSeq'] as const;

/** Header fields that may appear once only (RFC 3261 §7.3.1, RFC 4475 §3.3.8 and §3.3.9). */
const SINGLE_HEADERS = [
  'Call-ID',
  'CSeq',
  'From',
  'To',
  'Max-Forwards',
  'Content-Length',
  'Content-Type',
  // Two encodings would leave the body's decoding to whichever one a reader takes.
  'Content-Transfer-Encoding',
  // Two could mark one body both optional and required (RFC 3261 §20.11).
  'Content-Disposition',
] as const;

/** Largest CSeq sequence number: it must be expressible as a 32-bit unsigned integer (§20.16). */
const MAX_CSEQ = 0xffffffff;

const DATE_PATTERN =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

type Validator = (value: string, name: string) => void;

const VALIDATORS: Readonly<Record<string, Validator>> = {
  via: (value) => splitList(value).forEach((element) => parseVia(element)),
  from: (value, name) => void parseNameAddress(value, name),
  to: (value, name) => void parseNameAddress(value, name),
  contact: validateContact,
  'call-id': (value, name) => {
    if (!/^[^@]+(@[^@]+)?$/.test(value) || !value.split('@').every(isWord)) {
      throw invalidHeader(name);
    }
  },
  cseq: (value) => void parseCSeq(value),
  'max-forwards': (value, name) => {
    if (!/^\d{1,10}$/.test(value) || Number(value) > 255) throw invalidHeader(name);
  },
  'content-length': (value) => void parseContentLength(value),
  'content-type': validateContentType,
  // RFC 4475 §3.1.2.12: a Date with another time zone than GMT may be rejected as malformed.
  date: (value, name) => {
    if (!DATE_PATTERN.test(value)) throw invalidHeader(name);
  },
};

/**
 * Validates the header fields of a parsed message against its start line. Raises SipParseError
 * naming the first failing header.
 */
export function validateHeaders(
  startLine: SipRequestLine | SipStatusLine,
  headers: readonly SipHeader[],
): void {
  const counts = new Map<string, number>();
  for (const header of headers) {
    const canonical = canonicalHeaderName(header.name);
    counts.set(canonical, (counts.get(canonical) ?? 0) + 1);
    if (hasControlCharacter(header.value)) {
      throw new SipParseError(`invalid character in ${header.name} header`);
    }
    // Own properties only: a field named `__proto__` must not find Object's.
    if (Object.hasOwn(VALIDATORS, canonical)) {
      VALIDATORS[canonical]?.(header.value, displayName(header.name));
    }
  }

  for (const name of SINGLE_HEADERS) {
    if ((counts.get(name.toLowerCase()) ?? 0) > 1) {
      throw new SipParseError(`multiple ${name} headers`);
    }
  }
  for (const name of MANDATORY_HEADERS) {
    if (!counts.has(name.toLowerCase())) throw new SipParseError(`missing ${name} header`);
  }

  if (startLine.type === 'request') {
    const cseqHeader = headers.find((header) => canonicalHeaderName(header.name) === 'cseq');
    const cseq = parseCSeq(cseqHeader?.value ?? '');
    // RFC 3261 §8.2.2 and RFC 4475 §3.1.2.17: the CSeq method equals the request method.
    if (cseq.method !== startLine.method) {
      throw new SipParseError('CSeq method does not match the request method');
    }
  }
}

/** Parses a CSeq value, `1*DIGIT LWS Method`. Raises SipParseError `invalid CSeq header`. */
export function parseCSeq(value: string): SipCSeq {
  const match = /^(\d+)[ \t]+(\S+)$/.exec(value.trim());
  const digits = match?.[1]?.replace(/^0+(?=\d)/, '') ?? '';
  const method = match?.[2] ?? '';
  if (digits.length === 0 || digits.length > 10 || !isToken(method)) throw invalidHeader('CSeq');
  const sequence = Number(digits);
  if (sequence > MAX_CSEQ) throw invalidHeader('CSeq');
  return { sequence, method };
}

/** Parses a Content-Length value, `1*DIGIT`. Raises SipParseError `invalid Content-Length header`. */
export function parseContentLength(value: string): number {
  if (!/^\d+$/.test(value)) throw invalidHeader('Content-Length');
  const digits = value.replace(/^0+(?=\d)/, '');
  // Anything past 15 digits is past every message limit, and Number() would round it.
  return digits.length > 15 ? Number.MAX_SAFE_INTEGER : Number(digits);
}

/** Parses Content-Type here, so that {@link SipMessage.contentType} of a parsed message works. */
function validateContentType(value: string, name: string): void {
  try {
    parseContentType(value);
  } catch (cause) {
    if (cause instanceof MimeParseError) {
      throw new SipParseError(`invalid ${name} header`, { cause });
    }
    throw cause;
  }
}

function validateContact(value: string, name: string): void {
  if (value === '*') return;
  for (const element of splitList(value)) parseNameAddress(element, name);
}

const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  via: 'Via',
  from: 'From',
  to: 'To',
  contact: 'Contact',
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'max-forwards': 'Max-Forwards',
  'content-length': 'Content-Length',
  'content-type': 'Content-Type',
  date: 'Date',
};

function displayName(name: string): string {
  const canonical = canonicalHeaderName(name);
  return Object.hasOwn(DISPLAY_NAMES, canonical) ? (DISPLAY_NAMES[canonical] ?? name) : name;
}
