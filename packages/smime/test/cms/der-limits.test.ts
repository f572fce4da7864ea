/** The documented limits of the DER and BER reader, at their boundary. */
import { describe, expect, it } from 'vitest';

import { readContentEncryption } from '../../src/cms/content-encryption.js';
import { hasNoParameters, parseBer, readOctets, readSmallInteger } from '../../src/cms/der.js';
import {
  derEncode,
  derOctetString,
  derSequence,
  derSmallInteger,
} from '../../src/cms/der-writer.js';
import { OID_AES256_GCM } from '../../src/cms/oids.js';
import { CmsParseError } from '../../src/errors.js';
import {
  MAX_DER_DEPTH,
  MAX_DER_ELEMENTS,
  MAX_GCM_NONCE_BYTES,
  MAX_OCTET_STRING_DEPTH,
} from '../../src/limits.js';

/** Returns `depth` SEQUENCEs nested in one another around a NULL, in definite lengths. */
function nested(depth: number): Uint8Array {
  let inner = Uint8Array.of(0x05, 0x00);
  for (let level = 0; level < depth; level++) {
    const length = inner.length;
    const header = length < 0x80 ? [0x30, length] : [0x30, 0x82, length >> 8, length & 0xff];
    inner = Uint8Array.from([...header, ...inner]);
  }
  return inner;
}

/** Returns one SEQUENCE of `count` NULLs. */
function wide(count: number): Uint8Array {
  const length = count * 2;
  const content = new Uint8Array(length);
  for (let index = 0; index < length; index += 2) content[index] = 0x05;
  return Uint8Array.from([
    0x30,
    0x83,
    length >> 16,
    (length >> 8) & 0xff,
    length & 0xff,
    ...content,
  ]);
}

/**
 * Returns an OCTET STRING in the constructed BER form whose one chunk is constructed again,
 * `chunkDepth` times, around a primitive chunk of one byte.
 */
function nestedOctets(chunkDepth: number): Uint8Array {
  let inner = Uint8Array.of(0x04, 0x01, 0xaa);
  for (let level = 0; level <= chunkDepth; level++) {
    inner = Uint8Array.from([0x24, inner.length, ...inner]);
  }
  return inner;
}

/** Returns the AES-256-GCM AlgorithmIdentifier with a nonce of `nonceBytes` bytes. */
function gcmAlgorithm(nonceBytes: number) {
  const parameters = derSequence(derOctetString(new Uint8Array(nonceBytes)), derSmallInteger(16));
  return { oid: OID_AES256_GCM, parameters: parseBer(derEncode(parameters), 'GCMParameters') };
}

function expectMalformed(attempt: () => unknown): void {
  expect(attempt).toThrow(CmsParseError);
  expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_CMS_MALFORMED', sipStatus: 400 }));
}

describe('DER limits', () => {
  it(`reads ${MAX_DER_DEPTH} nested levels`, () => {
    expect(parseBer(nested(MAX_DER_DEPTH), 'structure').constructed).toBe(true);
  });

  it(`rejects ${MAX_DER_DEPTH + 1} nested levels`, () => {
    expectMalformed(() => parseBer(nested(MAX_DER_DEPTH + 1), 'structure'));
  });

  it(`reads ${MAX_DER_ELEMENTS} elements`, () => {
    expect(parseBer(wide(MAX_DER_ELEMENTS - 1), 'structure').constructed).toBe(true);
  });

  it(`rejects more than ${MAX_DER_ELEMENTS} elements`, () => {
    expectMalformed(() => parseBer(wide(MAX_DER_ELEMENTS), 'structure'));
  });

  it(`reads ${MAX_OCTET_STRING_DEPTH} levels of constructed OCTET STRING chunks`, () => {
    const node = parseBer(nestedOctets(MAX_OCTET_STRING_DEPTH), 'eContent');
    expect(readOctets(node, 'eContent')).toEqual(Uint8Array.of(0xaa));
  });

  it(`rejects ${MAX_OCTET_STRING_DEPTH + 1} levels of constructed OCTET STRING chunks`, () => {
    const node = parseBer(nestedOctets(MAX_OCTET_STRING_DEPTH + 1), 'eContent');
    expectMalformed(() => readOctets(node, 'eContent'));
  });

  it(`reads an AES-GCM nonce of ${MAX_GCM_NONCE_BYTES} bytes`, () => {
    const read = readContentEncryption(gcmAlgorithm(MAX_GCM_NONCE_BYTES), true);
    expect(read.iv.length).toBe(MAX_GCM_NONCE_BYTES);
  });

  it(`rejects an AES-GCM nonce of ${MAX_GCM_NONCE_BYTES + 1} bytes`, () => {
    expectMalformed(() => readContentEncryption(gcmAlgorithm(MAX_GCM_NONCE_BYTES + 1), true));
  });
});

/** Encodings that X.690 forbids in BER as well as in DER. */
describe('BER encoding rules', () => {
  it.each([
    ['end-of-contents at the top', [0x00, 0x00]],
    ['end-of-contents with content in a SEQUENCE', [0x30, 0x03, 0x00, 0x01, 0x00]],
    ['end-of-contents with content in an indefinite length', [0x30, 0x80, 0x00, 0x01, 0x00, 0, 0]],
    ['SEQUENCE tag in the long form', [0x3f, 0x10, 0x02, 0x05, 0x00]],
    ['long-form tag with a leading 0x80', [0x1f, 0x80, 0x1f, 0x00]],
  ])('rejects %s', (_name, bytes) => {
    expectMalformed(() => parseBer(Uint8Array.from(bytes), 'test input'));
  });

  it('reads tag 31 in the long form', () => {
    const node = parseBer(Uint8Array.of(0x9f, 0x1f, 0x00), 'test input');
    expect(node.tagNumber).toBe(31);
  });

  it.each([
    ['a leading zero', [0x02, 0x02, 0x00, 0x01]],
    ['two leading zeros', [0x02, 0x03, 0x00, 0x00, 0x03]],
  ])('rejects a version with %s', (_name, bytes) => {
    expectMalformed(() => readSmallInteger(parseBer(Uint8Array.from(bytes), 'test input'), 'v'));
  });

  it('reads a version whose zero octet carries the sign', () => {
    const node = parseBer(Uint8Array.of(0x02, 0x02, 0x00, 0x80), 'test input');
    expect(readSmallInteger(node, 'v')).toBe(128);
  });

  it('rejects NULL parameters with content', () => {
    const parameters = parseBer(Uint8Array.of(0x05, 0x01, 0x00), 'test input');
    expect(hasNoParameters({ oid: '1.2.3', parameters })).toBe(false);
    const empty = parseBer(Uint8Array.of(0x05, 0x00), 'test input');
    expect(hasNoParameters({ oid: '1.2.3', parameters: empty })).toBe(true);
  });
});
