import { describe, expect, test } from 'vitest';
import { utf8Encode } from '../../src/bytes.js';
import { LimitExceededError, MimeParseError } from '../../src/errors.js';
import { MAX_NESTING_DEPTH } from '../../src/limits.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { parseEntityTree } from '../../src/mime/entity-tree.js';
import { buildMultipart } from '../../src/mime/multipart.js';
import { expectMcpttError } from './expect-error.js';

/** Wraps `inner` in `levels` multipart/mixed layers, each with its own boundary. */
function nest(inner: MimeEntity, levels: number): MimeEntity {
  let entity = inner;
  for (let level = 0; level < levels; level++) {
    const boundary = `level-${level}`;
    entity = MimeEntity.create(
      { 'Content-Type': `multipart/mixed; boundary=${boundary}` },
      buildMultipart([entity], boundary),
    );
  }
  return entity;
}

const leaf = MimeEntity.create({ 'Content-Type': 'text/plain' }, 'x');

describe('parseEntityTree', () => {
  test('returns a leaf for a single part', () => {
    const tree = parseEntityTree(leaf);
    expect(tree.entity).toBe(leaf);
    expect(tree.depth).toBe(0);
    expect(tree.children).toEqual([]);
  });

  test('parses nested multiparts', () => {
    const inner = MimeEntity.create(
      { 'Content-Type': 'multipart/signed; boundary=s; protocol="application/pkcs7-signature"' },
      buildMultipart(
        [leaf, MimeEntity.create({ 'Content-Type': 'application/pkcs7-signature' })],
        's',
      ),
    );
    const sdp = MimeEntity.create({ 'Content-Type': 'application/sdp' }, 'v=0');
    const root = MimeEntity.create(
      { 'Content-Type': 'multipart/mixed; boundary=m' },
      buildMultipart([sdp, inner], 'm'),
    );

    const tree = parseEntityTree(root);
    expect(tree.children.map((child) => child.entity.contentType.mediaType)).toEqual([
      'application/sdp',
      'multipart/signed',
    ]);
    const signed = tree.children[1];
    expect(signed?.depth).toBe(1);
    expect(signed?.children.map((child) => child.entity.contentType.mediaType)).toEqual([
      'text/plain',
      'application/pkcs7-signature',
    ]);
    expect(signed?.children[0]?.depth).toBe(2);
  });

  test('accepts nesting up to the limit', () => {
    const tree = parseEntityTree(nest(leaf, MAX_NESTING_DEPTH));
    let node = tree;
    while (node.children[0] !== undefined) node = node.children[0];
    expect(node.depth).toBe(MAX_NESTING_DEPTH);
  });

  test('rejects nesting past the limit', () => {
    expectMcpttError(
      () => parseEntityTree(nest(leaf, MAX_NESTING_DEPTH + 1)),
      LimitExceededError,
      'ERR_LIMIT_EXCEEDED',
      413,
    );
  });

  test('counts the depth passed in', () => {
    expectMcpttError(
      () => parseEntityTree(nest(leaf, 2), MAX_NESTING_DEPTH - 1),
      LimitExceededError,
      'ERR_LIMIT_EXCEEDED',
      413,
    );
  });

  test('rejects a multipart without boundary', () => {
    const entity = MimeEntity.create({ 'Content-Type': 'multipart/mixed' }, '--b\r\n\r\n--b--');
    expectMcpttError(() => parseEntityTree(entity), MimeParseError, 'ERR_MIME_MALFORMED', 400);
  });

  test('rejects a base64-encoded multipart', () => {
    const entity = MimeEntity.create(
      { 'Content-Type': 'multipart/mixed; boundary=b', 'Content-Transfer-Encoding': 'base64' },
      utf8Encode('LS1iDQoNCi0tYi0t'),
    );
    expectMcpttError(() => parseEntityTree(entity), MimeParseError, 'ERR_MIME_MALFORMED', 400);
  });
});
