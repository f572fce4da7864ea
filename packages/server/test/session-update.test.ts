import { describe, expect, it } from 'vitest';
import { keepsSession } from '../src/session-update.js';

const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=fingerprint:sha-256 AA:BB',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=sendrecv',
  '',
].join('\r\n');

describe('re-INVITE offers', () => {
  it('keep an unchanged session', () => {
    expect(keepsSession(SDP, SDP.replace('o=- 1 1', 'o=- 1 2'))).toBe(true);
  });

  it('keep a session without a direction', () => {
    expect(keepsSession(SDP, SDP.replace('a=sendrecv\r\n', ''))).toBe(true);
  });

  it.each([
    ['an ICE restart', SDP.replace('ice-ufrag:abcd', 'ice-ufrag:efgh')],
    ['a new password', SDP.replace('ice-pwd:abcd', 'ice-pwd:zzzz')],
    ['a new certificate', SDP.replace('AA:BB', 'CC:DD')],
    ['hold', SDP.replace('a=sendrecv', 'a=sendonly')],
  ])('change the session with %s', (_case, offer) => {
    expect(keepsSession(SDP, offer)).toBe(false);
  });

  it('change a session without media', () => {
    expect(keepsSession(undefined, SDP)).toBe(false);
  });
});
