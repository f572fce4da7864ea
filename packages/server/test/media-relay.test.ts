import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MediaLeg, keepLoopbackCandidates } from '../src/media-leg.js';
import { MediaRelay } from '../src/media-relay.js';
import { MediaPeer, sendContinuously, sleep } from './helpers/media-peer.js';

const logger = pino({ level: 'silent' });
const NAMES = ['alice', 'bob', 'carol'] as const;
const uriOf = (name: string) => `sip:${name}@mcptt.example`;
const udpSockets = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'UDPWRAP').length;

describe('media relay', () => {
  const peers: Record<string, MediaPeer> = {};
  let talker: string | undefined;
  let relay: MediaRelay;
  let socketsBefore: number;

  const peer = (name: string) => peers[name] as MediaPeer;

  beforeAll(async () => {
    socketsBefore = udpSockets();
    relay = new MediaRelay(() => talker);
    for (const name of NAMES) {
      const client = await MediaPeer.offer(name);
      const leg = await MediaLeg.answer(client.sdp, logger);
      await client.accept(leg.localSdp);
      relay.add(`call-${name}`, uriOf(name), leg);
      peers[name] = client;
    }
    await Promise.all(NAMES.map((name) => peer(name).connected()));
  });

  afterAll(async () => {
    await relay?.close();
    await Promise.all(Object.values(peers).map((client) => client.close()));
  });

  beforeEach(async () => {
    // Packets still in flight from the previous case must not count in the next one.
    await sleep(100);
    for (const client of Object.values(peers)) {
      client.received.length = 0;
      client.sequences.length = 0;
    }
  });

  it('omits the floor channel of audio-only offers', () => {
    expect(relay.media('call-alice')?.negotiatedFloorChannel).toBeUndefined();
  });

  it('answers as the DTLS server', () => {
    const sdp = relay.media('call-alice')?.localSdp ?? '';

    expect(sdp).toContain('a=setup:passive');
    expect(sdp).not.toContain('a=setup:active');
  });

  it('forwards the talker to listeners', async () => {
    talker = uriOf('alice');
    const stop = sendContinuously([peer('alice')]);

    await expect.poll(() => peer('bob').from('alice'), { timeout: 5000 }).toBeGreaterThan(5);
    await expect.poll(() => peer('carol').from('alice'), { timeout: 5000 }).toBeGreaterThan(5);
    await stop();

    expect(peer('alice').received).toHaveLength(0);
  });

  it('drops audio of a non-talker', async () => {
    talker = uriOf('alice');
    const stop = sendContinuously([peer('alice'), peer('bob')]);
    await expect.poll(() => peer('carol').from('alice'), { timeout: 5000 }).toBeGreaterThan(10);
    await stop();
    await sleep(100);

    expect(peer('carol').from('bob')).toBe(0);
    expect(peer('alice').from('bob')).toBe(0);
  });

  it('switches to the new talker', async () => {
    talker = uriOf('bob');
    const stop = sendContinuously([peer('alice'), peer('bob')]);
    await expect.poll(() => peer('alice').from('bob'), { timeout: 5000 }).toBeGreaterThan(10);
    await expect.poll(() => peer('carol').from('bob'), { timeout: 5000 }).toBeGreaterThan(10);
    await stop();
    await sleep(100);

    expect(peer('bob').from('alice')).toBe(0);
    expect(peer('carol').from('alice')).toBe(0);
  });

  it('keeps sequence numbers continuous', async () => {
    talker = uriOf('alice');
    const stop = sendContinuously([peer('alice'), peer('bob')]);
    await expect.poll(() => peer('carol').from('alice'), { timeout: 5000 }).toBeGreaterThan(5);
    talker = uriOf('bob');
    await expect.poll(() => peer('carol').from('bob'), { timeout: 5000 }).toBeGreaterThan(5);
    await stop();
    const steps = peer('carol')
      .sequences.slice(1)
      .map((sequence, i) => {
        return (sequence - (peer('carol').sequences[i] ?? 0)) & 0xffff;
      });

    expect(peer('carol').received[0]).toBe('alice');
    expect(peer('carol').received.at(-1)).toBe('bob');
    expect(steps.every((step) => step === 1)).toBe(true);
  });

  it('forwards nothing without a talker', async () => {
    talker = undefined;
    const stop = sendContinuously(NAMES.map(peer));
    await sleep(300);
    await stop();
    await sleep(100);

    for (const name of NAMES) {
      expect(peer(name).received).toHaveLength(0);
    }
  });

  it('closes every socket', async () => {
    await relay.close();
    await Promise.all(Object.values(peers).map((client) => client.close()));

    await expect.poll(udpSockets).toBe(socketsBefore);
  });
});

describe('media leg', () => {
  it('keeps only loopback candidates', () => {
    const sdp = [
      'm=audio 9 UDP/TLS/RTP/SAVPF 111',
      'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
      'a=candidate:2 1 udp 2122260223 192.0.2.7 50001 typ host',
      'a=candidate:3 1 udp 2122260223 4f1e2d3c.local 50002 typ host',
      'a=mid:0',
      '',
    ].join('\r\n');

    const kept = keepLoopbackCandidates(sdp);

    expect(kept).toContain('127.0.0.1 50000');
    expect(kept).not.toContain('192.0.2.7');
    expect(kept).not.toContain('.local');
    expect(kept).toContain('a=mid:0');
  });

  it('rejects an offer without audio', async () => {
    const offer = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 RTP/AVP 96\r\n';

    await expect(MediaLeg.answer(offer, logger)).rejects.toThrow(TypeError);
  });

  it('offers audio on loopback only', async () => {
    const leg = await MediaLeg.offer(logger);
    const candidates = leg.localSdp.split('\r\n').filter((line) => line.startsWith('a=candidate:'));
    await leg.close();

    expect(leg.localSdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111/m);
    expect(leg.localSdp).toContain('a=rtpmap:111 opus/48000/2');
    expect(candidates.length).toBeGreaterThan(0);
    for (const candidate of candidates) {
      expect(candidate.split(' ')[4]).toBe('127.0.0.1');
    }
  });
});
