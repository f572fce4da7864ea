import { describe, expect, test } from 'vitest';
import { LimitExceededError, SipVersionError } from '../../src/errors.js';
import { MAX_MESSAGE_BYTES } from '../../src/limits.js';
import { SipMessage } from '../../src/sip/message.js';
import { buildErrorResponse, createResponse, tryParseForResponse } from '../../src/sip/response.js';
import { MESSAGE_TEXT, thrownBy } from './helpers.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const request = SipMessage.parse(
  encoder.encode(
    MESSAGE_TEXT.replace(
      'Max-Forwards: 70',
      'Via: SIP/2.0/WSS proxy.example.org;branch=z9hG4bK2, SIP/2.0/WSS ua.invalid;branch=z9hG4bK3\r\nMax-Forwards: 70',
    ),
  ),
);

describe('createResponse', () => {
  test('copies the transaction fields', () => {
    const response = createResponse(request, 200);
    expect(response.startLine).toEqual({
      type: 'response',
      status: 200,
      reasonPhrase: '',
      version: 'SIP/2.0',
    });
    expect(response.getHeaders('Via')).toEqual(request.getHeaders('Via'));
    expect(response.getHeader('From')).toBe(request.getHeader('From'));
    expect(response.getHeader('To')).toBe(request.getHeader('To'));
    expect(response.callId).toBe(request.callId);
    expect(response.cseq).toEqual(request.cseq);
    expect(response.getHeader('Content-Type')).toBeUndefined();
    expect(response.getHeader('Content-Length')).toBe('0');
  });

  test('reason phrase defaults from the status', () => {
    expect(decoder.decode(createResponse(request, 400).toBytes())).toMatch(
      /^SIP\/2\.0 400 Bad Request\r\n/,
    );
  });

  test('response parses back', () => {
    const bytes = createResponse(request, 493, 'Undecipherable').toBytes();
    const parsed = SipMessage.parse(bytes);
    expect(parsed.method).toBe('MESSAGE');
    expect(parsed.toBytes()).toEqual(bytes);
  });

  test('adds a To tag above 100', () => {
    expect(createResponse(request, 200, 'OK', { toTag: 'srv1' }).getHeader('To')).toBe(
      'Bob <sip:bob@example.org>;tag=srv1',
    );
    expect(createResponse(request, 100, 'Trying', { toTag: 'srv1' }).getHeader('To')).toBe(
      'Bob <sip:bob@example.org>',
    );
  });

  test('keeps an existing To tag', () => {
    const tagged = request.withHeader('To', '<sip:bob@example.org>;tag=x');
    expect(createResponse(tagged, 200, 'OK', { toTag: 'y' }).getHeader('To')).toBe(
      '<sip:bob@example.org>;tag=x',
    );
  });

  test('rejects a response as request', () => {
    const response = createResponse(request, 200);
    expect(thrownBy(() => createResponse(response, 200))).toBeInstanceOf(TypeError);
  });

  test('rejects an invalid status or reason', () => {
    expect(thrownBy(() => createResponse(request, 99))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => createResponse(request, 400, 'Bad\r\nVia: x'))).toBeInstanceOf(TypeError);
  });
});

describe('tryParseForResponse', () => {
  test('returns the message when it parses', () => {
    const result = tryParseForResponse(encoder.encode(MESSAGE_TEXT));
    expect(result.ok).toBe(true);
    expect(result.ok && result.message.callId).toBe('a84b4c76e66710@example.org');
  });

  test('keeps a partial request past the size limit', () => {
    const bytes = new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(0x61);
    bytes.set(encoder.encode(MESSAGE_TEXT.replace('Content-Length: 5', 'Content-Length: 262140')));
    const result = tryParseForResponse(bytes);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(LimitExceededError);
    expect(result.error.sipStatus).toBe(413);
    expect(result.partialRequest?.callId).toBe('a84b4c76e66710@example.org');
  });

  test('has no partial request without Call-ID', () => {
    const text = MESSAGE_TEXT.replace(/Call-ID: .*\r\n/, '').replace('CSeq: 314159', 'CSeq: x');
    const result = tryParseForResponse(encoder.encode(text));
    expect(result.ok).toBe(false);
    expect(result.ok || result.partialRequest).toBeUndefined();
  });
});

describe('buildErrorResponse', () => {
  test('answers a parsed request', () => {
    const bytes = buildErrorResponse(request, 415, 'Unsupported Media Type');
    expect(decoder.decode(bytes)).toMatch(/^SIP\/2\.0 415 Unsupported Media Type\r\n/);
  });

  test('answers an unknown version', () => {
    const text = MESSAGE_TEXT.replace('sip:bob@example.org SIP/2.0', 'sip:bob@example.org SIP/3.0');
    const bytes = buildErrorResponse(encoder.encode(text), 505, 'Version Not Supported');
    expect(decoder.decode(bytes)).toContain('Call-ID: a84b4c76e66710@example.org\r\n');
  });

  test('reports an unknown version as 505', () => {
    const text = MESSAGE_TEXT.replace('sip:bob@example.org SIP/2.0', 'sip:bob@example.org SIP/3.0');
    const result = tryParseForResponse(encoder.encode(text));
    if (result.ok) throw new Error('SIP/3.0 parsed');
    expect(result.error).toBeInstanceOf(SipVersionError);
    expect(result.error).toMatchObject({ code: 'ERR_SIP_VERSION', sipStatus: 505 });
    expect(result.error.reasonPhrase).toBe('Version Not Supported');
    expect(result.partialRequest?.callId).toBe('a84b4c76e66710@example.org');
  });

  test('never answers an ACK', () => {
    const text = MESSAGE_TEXT.replace('MESSAGE sip:', 'ACK sip:').replace(
      'CSeq: 314159 MESSAGE',
      'CSeq: x',
    );
    expect(buildErrorResponse(encoder.encode(text), 400)).toBeUndefined();
  });

  test('never answers a response', () => {
    const text = MESSAGE_TEXT.replace('MESSAGE sip:bob@example.org SIP/2.0', 'SIP/2.0 200 OK');
    expect(
      buildErrorResponse(encoder.encode(text.replace('CSeq: 314159', 'CSeq: x')), 400),
    ).toBeUndefined();
  });

  test('gives up when Via is malformed', () => {
    const text = MESSAGE_TEXT.replace('Via: SIP/2.0/WSS', 'Via: SIP/2.0/').replace(
      'CSeq: 314159',
      'CSeq: x',
    );
    expect(buildErrorResponse(encoder.encode(text), 400)).toBeUndefined();
  });

  test('gives up on random bytes', () => {
    expect(buildErrorResponse(new Uint8Array([0, 1, 2, 3]), 400)).toBeUndefined();
  });
});
