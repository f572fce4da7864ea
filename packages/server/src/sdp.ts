/**
 * SDP for the server's media end (RFC 8866, RFC 8829 for WebRTC).
 *
 * NOTE: the server does not terminate media yet. It answers and offers a structurally valid
 * WebRTC audio description (ICE credentials, a DTLS fingerprint, Opus) so that the SIP call is
 * set up and confirmed, but it gathers no ICE candidates and relays no audio. Forwarding the
 * talker's audio needs a WebRTC stack in Node, such as werift, in place of these functions.
 *
 * @module
 */
import { randomToken } from './sip-builder.js';

/**
 * Returns an answer to an offer: one audio section per offered audio `m=` line, with the offer's
 * `mid`, `a=setup:active` (RFC 8842), and `inactive` because no media flows.
 */
export function answerSdp(offer: string): string {
  const mids = [...offer.matchAll(/^m=audio[\s\S]*?^a=mid:(\S+)/gm)].map(
    (match) => match[1] ?? '0',
  );
  const sections = (mids.length === 0 ? ['0'] : mids).map((mid) => audioSection(mid, 'active'));
  return sessionHeader(mids.length === 0 ? ['0'] : mids) + sections.join('');
}

/** Returns an offer with one audio section, for the INVITEs the server sends to members. */
export function offerSdp(): string {
  return sessionHeader(['0']) + audioSection('0', 'actpass');
}

function sessionHeader(mids: readonly string[]): string {
  const version = String(Date.now());
  return [
    'v=0',
    `o=mcptt-server ${version} ${version} IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mids.join(' ')}`,
    `a=fingerprint:sha-256 ${fingerprint()}`,
    '',
  ].join('\r\n');
}

function audioSection(mid: string, setup: 'active' | 'actpass'): string {
  return [
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${randomToken(4)}`,
    `a=ice-pwd:${randomToken(12)}`,
    `a=setup:${setup}`,
    `a=mid:${mid}`,
    'a=inactive',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    '',
  ].join('\r\n');
}

function fingerprint(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
}
