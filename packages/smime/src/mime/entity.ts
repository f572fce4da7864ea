/**
 * MIME entities (RFC 2045): header fields, an empty line, then a body.
 *
 * @module
 */

import { cloneBytes, concatBytes, utf8Encode } from '../bytes.js';
import { LimitExceededError, MimeParseError } from '../errors.js';
import { MAX_MESSAGE_BYTES } from '../limits.js';
import { parseContentType } from './content-type.js';
import type { ContentType } from './content-type.js';
import { isValidHeaderField, parseHeaderFields, splitHeaderSection } from './header-section.js';
import { decodeTransferEncoding } from './transfer-encoding.js';

/** One MIME header field. */
export interface MimeHeader {
  /** Field name as written; compare it case-insensitively. */
  readonly name: string;
  /** Field value with folds read as one SP and surrounding whitespace trimmed. */
  readonly value: string;
}

const CRLF = utf8Encode('\r\n');

/**
 * Frozen field lists that need no check in the constructor: those of entities already built,
 * which the constructor checked.
 */
const checkedFields = new WeakSet<readonly MimeHeader[]>();

/**
 * A frozen field list that the next constructor call takes without a check: the fields that the
 * parser has just checked, or those of an entity given a buffer of its own. These went into the
 * WeakSet before, one insertion per part of every message, each an entry for the garbage
 * collector to clear.
 */
let trustedFields: readonly MimeHeader[] | undefined;

/**
 * A MIME entity: header fields, an empty line, a body (RFC 2045). Entities that came from a parser
 * keep their exact input bytes in `raw`, which is what a multipart/signed signature covers
 * (RFC 1847 §2.1).
 *
 * @example
 * ```ts
 * // context: der: Uint8Array
 * const part = MimeEntity.create(
 *   { 'Content-Type': 'application/pkcs7-mime; smime-type=enveloped-data', 'Content-Transfer-Encoding': 'base64' },
 *   base64Encode(der, 76),
 * );
 * MimeEntity.parse(part.toBytes()).decodedBody(); // der
 * ```
 */
export class MimeEntity {
  /** Header fields in their order of appearance. */
  readonly headers: readonly MimeHeader[];
  /** Body bytes as carried, before transfer decoding. */
  readonly body: Uint8Array;
  /** Exact bytes the entity was parsed from, or `undefined` for a built entity. */
  readonly raw: Uint8Array | undefined;
  #contentType: ContentType | undefined;
  /** Serialised form of a built entity, computed on the first `toBytes()`. */
  #bytes: Uint8Array | undefined;

  /**
   * Creates an entity from fields and a body. Callers that pass `raw` promise that it is the
   * serialised form of the same fields and body. Raises `TypeError` for a field name or value that
   * is not a string, a name that is not valid, or a value with CR or LF. The entity is frozen.
   *
   * @param headers - The header fields, in order.
   * @param body - The body after the empty line.
   * @param raw - The serialised entity, when the caller has it.
   */
  constructor(headers: readonly MimeHeader[], body: Uint8Array, raw?: Uint8Array) {
    if ((trustedFields !== undefined && headers === trustedFields) || checkedFields.has(headers)) {
      this.headers = headers;
    } else {
      const copies: MimeHeader[] = [];
      for (const { name, value } of headers) {
        // A non-string could convert to another string when written than when checked.
        if (typeof name !== 'string' || typeof value !== 'string') {
          throw new TypeError('MimeEntity: header field names and values must be strings');
        }
        if (!isValidHeaderField(name, value)) {
          throw new TypeError(`MimeEntity: invalid header field "${name}"`);
        }
        copies.push(Object.freeze({ name, value }));
      }
      this.headers = Object.freeze(copies);
      checkedFields.add(this.headers);
    }
    this.body = body;
    this.raw = raw;
    // The fields are checked once, here, so none of them may be replaced afterwards.
    Object.freeze(this);
  }

  /**
   * Parses headers, the first empty line (CRLF or LF), then the body. The entity keeps `bytes` as
   * `raw` without copying. Raises `MimeParseError` for a malformed header section or
   * Content-Type, and `LimitExceededError` past `MAX_MESSAGE_BYTES`, `MAX_HEADER_SECTION_BYTES`
   * or `MAX_HEADER_COUNT`.
   *
   * @param bytes - The header section, the empty line and the body.
   * @returns The entity.
   */
  static parse(bytes: Uint8Array): MimeEntity {
    if (bytes.length > MAX_MESSAGE_BYTES) {
      throw new LimitExceededError(`MIME entity is larger than ${MAX_MESSAGE_BYTES} bytes`);
    }
    const { headerSection, body } = splitHeaderSection(bytes);
    const fields = parseHeaderFields(headerSection);
    for (const field of fields) Object.freeze(field);
    const entity = trustedEntity(Object.freeze(fields), body, bytes);
    // Reject a malformed Content-Type and a repeated field now rather than at the first read.
    rejectRepeatedFields(entity);
    return entity;
  }

  /**
   * Builds an entity to serialise, with fields in the order of `headers`. A string body is
   * encoded as UTF-8. Raises `TypeError` like the constructor.
   *
   * @example
   * ```ts
   * MimeEntity.create({ 'Content-Type': 'text/plain; charset=utf-8' }, 'Hello');
   * ```
   *
   * @param headers - Field names and values, in the order to write them.
   * @param body - The body, bytes or text.
   * @returns The entity.
   */
  static create(
    headers: Readonly<Record<string, string>>,
    body: Uint8Array | string = new Uint8Array(0),
  ): MimeEntity {
    const fields = Object.entries(headers).map(([name, value]) => ({ name, value }));
    return new MimeEntity(fields, typeof body === 'string' ? utf8Encode(body) : body);
  }

  /**
   * Content-Type of the entity; `text/plain; charset=us-ascii` when absent (RFC 2045 §5.2).
   * Raises `MimeParseError` when the field is malformed or repeated. RFC 2045 §5.2 suggests the
   * default for a malformed field too, but a guessed type could slip a part past the protection
   * policy, so it is rejected.
   */
  get contentType(): ContentType {
    this.#contentType ??= this.#readContentType();
    return this.#contentType;
  }

  #readContentType(): ContentType {
    const value = this.#getSingleHeader('Content-Type');
    if (value === undefined) {
      const params = new Map([['charset', 'us-ascii']]);
      return { mediaType: 'text/plain', type: 'text', subtype: 'plain', params };
    }
    return parseContentType(value);
  }

  /**
   * Value of the first field named `name` (case-insensitive), or `undefined`.
   *
   * @param name - The field name, in any case.
   * @returns The value, or undefined when the entity has no such field.
   */
  getHeader(name: string): string | undefined {
    const lower = name.toLowerCase();
    const headers = this.headers;
    for (let index = 0; index < headers.length; index++) {
      const header = headers[index] as MimeHeader;
      if (sameLowercaseName(header.name, lower)) return header.value;
    }
    return undefined;
  }

  /**
   * Values of every field named `name` (case-insensitive), in order.
   *
   * @param name - The field name, in any case.
   * @returns The values, empty when the entity has no such field.
   */
  getHeaders(name: string): string[] {
    const lower = name.toLowerCase();
    const values: string[] = [];
    const headers = this.headers;
    for (let index = 0; index < headers.length; index++) {
      const header = headers[index] as MimeHeader;
      if (sameLowercaseName(header.name, lower)) values.push(header.value);
    }
    return values;
  }

  #getSingleHeader(name: string): string | undefined {
    const lower = name.toLowerCase();
    const headers = this.headers;
    let value: string | undefined;
    for (let index = 0; index < headers.length; index++) {
      const header = headers[index] as MimeHeader;
      if (!sameLowercaseName(header.name, lower)) continue;
      if (value !== undefined) throw new MimeParseError(`MIME entity has more than one ${name}`);
      value = header.value;
    }
    return value;
  }

  /**
   * Returns the body after undoing Content-Transfer-Encoding: base64 of any line width,
   * quoted-printable, binary, 7bit and 8bit. Raises `MimeParseError` for invalid base64 or quoted-printable and for
   * a repeated Content-Transfer-Encoding, `NotSupportedError` for an unknown encoding, and
   * `LimitExceededError` when the result is larger than `MAX_BODY_BYTES`.
   */
  decodedBody(): Uint8Array {
    return decodeTransferEncoding(this.body, this.#getSingleHeader('Content-Transfer-Encoding'));
  }

  /**
   * Returns the body like {@link MimeEntity.decodedBody}, but as a view that may share its buffer
   * with other bytes, which saves a copy. For bytes that the library reads and drops, such as
   * CMS that it parses.
   *
   * @internal
   */
  decodedBodyView(): Uint8Array {
    const encoding = this.#getSingleHeader('Content-Transfer-Encoding');
    return decodeTransferEncoding(this.body, encoding, { view: true });
  }

  /**
   * Returns the same parsed entity over a copy of its bytes, which shares no buffer with the
   * input it was parsed from, so that structured cloning of it carries nothing else. An entity
   * without `raw` is returned as it is.
   *
   * @internal
   */
  withOwnBuffer(): MimeEntity {
    const raw = this.raw;
    if (raw === undefined) return this;
    const copy = cloneBytes(raw);
    const bodyStart = this.body.byteOffset - raw.byteOffset;
    // An entity built with the constructor may keep its body outside `raw`.
    if (
      this.body.buffer !== raw.buffer ||
      bodyStart < 0 ||
      bodyStart + this.body.length > raw.length
    ) {
      return MimeEntity.parse(copy);
    }
    const entity = trustedEntity(
      this.headers,
      copy.subarray(bodyStart, bodyStart + this.body.length),
      copy,
    );
    entity.#contentType = this.#contentType;
    return entity;
  }

  /**
   * Canonical form: CRLF line ends in headers, `raw` unchanged when present. A built entity
   * serialises once and returns the same bytes afterwards, so treat its body as read-only.
   */
  toBytes(): Uint8Array {
    if (this.raw !== undefined) return this.raw;
    if (this.#bytes !== undefined) return this.#bytes;

    let lines = '';
    for (const { name, value } of this.headers) lines += `${name}: ${value}\r\n`;
    this.#bytes = concatBytes(utf8Encode(lines), CRLF, this.body);
    return this.#bytes;
  }
}

/**
 * Tells whether `name` equals `lower`, a lowercase name, ignoring ASCII case. Field names are
 * ASCII (RFC 5322 §2.2), and lowercasing each name to compare it cost a new string per field.
 */
function sameLowercaseName(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let index = 0; index < name.length; index++) {
    let code = name.charCodeAt(index);
    if (code >= 0x41 && code <= 0x5a) code += 0x20;
    if (code !== lower.charCodeAt(index)) return false;
  }
  return true;
}

/** Builds an entity from fields that were checked before, without checking them again. */
function trustedEntity(
  headers: readonly MimeHeader[],
  body: Uint8Array,
  raw: Uint8Array,
): MimeEntity {
  trustedFields = headers;
  try {
    return new MimeEntity(headers, body, raw);
  } finally {
    trustedFields = undefined;
  }
}

/**
 * Content header fields that an entity has at most once, in lowercase. Readers that took the
 * first and readers that took the last of two would see different types, encodings or handling.
 */
const SINGLE_FIELDS = ['content-type', 'content-transfer-encoding', 'content-disposition'];
const SINGLE_FIELD_NAMES = ['Content-Type', 'Content-Transfer-Encoding', 'Content-Disposition'];

/**
 * Raises `MimeParseError` when `entity` repeats Content-Type, Content-Transfer-Encoding or
 * Content-Disposition, or when its Content-Type is malformed.
 */
function rejectRepeatedFields(entity: MimeEntity): void {
  let found = 0;
  for (const header of entity.headers) {
    for (let index = 0; index < SINGLE_FIELDS.length; index++) {
      if (!sameLowercaseName(header.name, SINGLE_FIELDS[index] as string)) continue;
      const bit = 1 << index;
      if ((found & bit) !== 0) {
        throw new MimeParseError(`MIME entity has more than one ${SINGLE_FIELD_NAMES[index]}`);
      }
      found |= bit;
    }
  }
  void entity.contentType;
}
