import { describe, expect, it } from 'vitest';

import { hasControlCharacter, hasToTag, splitHeaderLines } from '../../src/sip/lenient.js';

describe('splitHeaderLines', () => {
  it('reads the start line and fields', () => {
    const head = splitHeaderLines(
      'INVITE sip:bob@example.org SIP/2.0\r\nVia: SIP/2.0/WSS a\r\nv : b',
    );

    expect(head.startLine).toBe('INVITE sip:bob@example.org SIP/2.0');
    expect(head.headers).toEqual([
      { name: 'Via', value: 'SIP/2.0/WSS a' },
      { name: 'v', value: 'b' },
    ]);
  });

  it('undoes folding with SP and HTAB', () => {
    const head = splitHeaderLines('MESSAGE x SIP/2.0\nSubject: one\n two\n\tthree');

    expect(head.headers).toEqual([{ name: 'Subject', value: 'one two three' }]);
  });

  it('skips lines without a name before a colon', () => {
    const head = splitHeaderLines('MESSAGE x SIP/2.0\r\n: no name\r\nno colon\r\nTo: <sip:b@x>');

    expect(head.headers).toEqual([{ name: 'To', value: '<sip:b@x>' }]);
  });

  it('keeps a fold before any field out of the fields', () => {
    const head = splitHeaderLines('MESSAGE x SIP/2.0\r\n folded\r\nTo: <sip:b@x>');

    expect(head.headers).toEqual([{ name: 'To', value: '<sip:b@x>' }]);
  });

  it('reads an empty section as an empty start line', () => {
    expect(splitHeaderLines('')).toEqual({ startLine: '', headers: [] });
  });
});

describe('hasControlCharacter', () => {
  it.each([
    ['plain text', 'sip:bob@example.org;tag=1', false],
    ['HTAB', 'a\tb', false],
    ['CR', 'a\rb', true],
    ['LF', 'a\nb', true],
    ['NUL', 'a\u0000b', true],
    ['DEL', 'a\u007fb', true],
    ['NEL', 'a\u0085b', true],
    ['non-ASCII letters', 'Zoë', false],
  ])('reads %s', (_label, value, expected) => {
    expect(hasControlCharacter(value)).toBe(expected);
  });
});

describe('hasToTag', () => {
  it.each([
    ['<sip:bob@mcptt.example>;tag=a1', true],
    ['"Bob" <sip:bob@mcptt.example> ; tag = a1', true],
    ['sip:bob@mcptt.example;tag=a1', true],
    ['<sip:bob@mcptt.example;tag=a1>', false],
    ['"a;tag=b" <sip:bob@mcptt.example>', false],
    ['<sip:bob@mcptt.example>', false],
    ['<sip:bob@mcptt.example;tag=a1', false],
    ['"x\\" <y" <sip:bob@mcptt.example>;tag=a1 <', true],
  ])('reads %s as %s', (to, expected) => {
    expect(hasToTag(to)).toBe(expected);
  });
});
