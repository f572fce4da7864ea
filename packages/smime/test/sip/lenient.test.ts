import { describe, expect, it } from 'vitest';

import {
  hasControlCharacter,
  isCopyableHeaderValue,
  hasToTag,
  readStartLine,
  responseTo,
  splitHeaderLines,
} from '../../src/sip/lenient.js';

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

  it('skips line ends before the start line', () => {
    const head = splitHeaderLines('\r\n\r\nACK sip:b@x SIP/2.0\r\nTo: <sip:b@x>');

    expect(head.startLine).toBe('ACK sip:b@x SIP/2.0');
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

describe('readStartLine', () => {
  it.each([
    ['INVITE sip:b@x SIP/2.0', { kind: 'request', method: 'INVITE' }],
    ['message sip:b@x SIP/2.0', { kind: 'request', method: 'MESSAGE' }],
    ['SIP/2.0 200 OK', { kind: 'response', status: 200 }],
    ['sip/2.0 486 Busy Here', { kind: 'response', status: 486 }],
    ['SIP/2.0 180', { kind: 'response', status: 180 }],
    ['SIP/2.0 2000 OK', { kind: 'unknown' }],
    ['SIP/x INVITE', { kind: 'unknown' }],
    ['garbage', { kind: 'unknown' }],
    ['INVITE', { kind: 'unknown' }],
    ['', { kind: 'unknown' }],
  ])('reads %j', (line, expected) => {
    expect(readStartLine(line)).toEqual(expected);
  });
});

describe('responseTo', () => {
  it.each([
    ['<sip:b@x>', '<sip:b@x>;tag=n1'],
    ['<sip:b@x;tag=u1>', '<sip:b@x;tag=u1>;tag=n1'],
    ['<sip:b@x>;tag=t9', '<sip:b@x>;tag=t9'],
    ['<sip:b@x>;tag', undefined],
    ['<sip:b@x>;tag=', undefined],
    ['sip:b@x', 'sip:b@x;tag=n1'],
    ['<sip:b@x', undefined],
    ['"b <sip:b@x>', undefined],
    ['"b\\" <sip:b@x>', undefined],
    ['"B" <sip:b@x> ; tag = t9', '"B" <sip:b@x> ; tag = t9'],
    ['<sip:b@x>;tag=t9;tag=t8', undefined],
    ['<sip:b@x>;tag=t9;TAG=t9', undefined],
    ['sip:b@x;tag=t9;tag=', undefined],
    ['<sip:b@x>;tag="t9"', undefined],
  ])('answers %j with %j', (to, expected) => {
    expect(responseTo(to, 'n1')).toBe(expected);
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

describe('isCopyableHeaderValue', () => {
  it.each([
    ['<sip:a@x>;tag=1', true],
    ['"a\\"b" <sip:a@x>', true],
    ['a\\', true],
    ['<sip:a@x>;p="a\\', false],
    ['"a\\', false],
    ['a\rb', false],
    ['a\u0085b', false],
  ])('reads %j as %s', (value, expected) => {
    expect(isCopyableHeaderValue(value)).toBe(expected);
  });
});
