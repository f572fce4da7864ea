/**
 * One participant's WebRTC audio, terminated at the server in werift: ICE, DTLS-SRTP (RFC 8827)
 * and one Opus audio transceiver, on loopback only.
 *
 * The server gathers one host candidate on 127.0.0.1 and uses no STUN or TURN server, and it
 * drops every remote candidate that is not 127.0.0.1 before werift sees it, so it never sends a
 * packet to any other address. werift would resolve an mDNS `.local` candidate with multicast
 * DNS, which is one more reason to drop those. Candidates travel in the SDP (no trickle), because
 * JsSIP sends its offer or answer once gathering is complete.
 *
 * @module
 */
import type { Logger } from 'pino';
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  type MediaStreamTrack,
  type RTCDataChannel,
  type PeerConfig,
  type RTCRtpTransceiver,
  type RtpPacket,
} from 'werift';
import { FLOOR_CHANNEL_ID, FLOOR_CHANNEL_LABEL, FLOOR_CHANNEL_PROTOCOL } from '@mcptt-smime/floor';

/** The only address that the server's media uses, for its own candidates and for its peers'. */
export const MEDIA_ADDRESS = '127.0.0.1';

/** How long the server waits for its own ICE candidates before it sends an SDP. */
const GATHERING_TIMEOUT_MS = 5000;

/** Opus with payload type 111, the one that Chromium offers. */
const OPUS = { mimeType: 'audio/opus', clockRate: 48_000, channels: 2, payloadType: 111 };

/** RTP timestamp ticks of one 20 ms Opus frame at 48 kHz, the frame size that browsers send. */
const FRAME_TICKS = 960;

function peerConfig(): Partial<PeerConfig> {
  return {
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [MEDIA_ADDRESS],
    iceInterfaceAddresses: { udp4: MEDIA_ADDRESS },
    iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === MEDIA_ADDRESS,
    codecs: { audio: [new RTCRtpCodecParameters(OPUS)] },
    // No header extensions are negotiated, so forwarded packets carry none of another leg's IDs.
    headerExtensions: { audio: [] },
    bundlePolicy: 'max-bundle',
  };
}

/**
 * One leg's peer connection. Create it with {@link MediaLeg.answer} for an offer from a client,
 * or with {@link MediaLeg.offer} for an INVITE that the server sends, then
 * {@link MediaLeg.acceptAnswer}.
 */
export class MediaLeg {
  /** Called with every RTP packet received from the participant. */
  onRtp: ((packet: RtpPacket) => void) | undefined;
  /**
   * Called once when the peer connection fails while the leg is open, because ICE or DTLS failed.
   * werift fails ICE when consent expires (RFC 7675), 30 s after the participant last responded
   * to a consent check, as when its browser crashed or lost the network. WebRTC does not recover
   * from that without an ICE restart, which the server does not offer.
   */
  onFailed: (() => void) | undefined;
  /**
   * The floor control data channel, pre-negotiated on SCTP stream 0 (docs/floor-control.md). It
   * opens only when the participant's SDP has an `m=application` section.
   */
  readonly floorChannel: RTCDataChannel;
  readonly #peer: RTCPeerConnection;
  readonly #transceiver: RTCRtpTransceiver;
  readonly #logger: Logger;
  #remoteSdp: string | undefined;
  #lastSource: MediaLeg | undefined;
  #closed = false;

  private constructor(logger: Logger) {
    this.#logger = logger;
    this.#peer = new RTCPeerConnection(peerConfig());
    this.#peer.onTrack.subscribe((track: MediaStreamTrack) => {
      track.onReceiveRtp.subscribe((packet) => this.onRtp?.(packet));
    });
    this.#peer.connectionStateChange.subscribe((state) => {
      if (state !== 'failed' || this.#closed) return;
      const onFailed = this.onFailed;
      this.onFailed = undefined;
      onFailed?.();
    });
    this.#transceiver = this.#peer.addTransceiver('audio', { direction: 'sendrecv' });
    this.floorChannel = this.#peer.createDataChannel(FLOOR_CHANNEL_LABEL, {
      negotiated: true,
      id: FLOOR_CHANNEL_ID,
      protocol: FLOOR_CHANNEL_PROTOCOL,
    });
  }

  /**
   * Answers an SDP offer from a participant. Raises TypeError when the offer has no audio, and
   * whatever werift raises for an SDP it cannot apply, after closing the leg.
   */
  static async answer(offer: string, logger: Logger): Promise<MediaLeg> {
    if (!/^m=audio /m.test(offer)) {
      throw new TypeError('SDP offer has no audio m= line');
    }
    const leg = new MediaLeg(logger);
    try {
      await leg.#applyRemote(offer, 'offer');
      const answer = await leg.#peer.createAnswer();
      await leg.#peer.setLocalDescription({ type: 'answer', sdp: passiveSetup(answer.sdp) });
      await leg.#gathered();
    } catch (error) {
      await leg.close();
      throw error;
    }
    return leg;
  }

  /** Creates an offer for an INVITE that the server sends. */
  static async offer(logger: Logger): Promise<MediaLeg> {
    const leg = new MediaLeg(logger);
    try {
      await leg.#peer.setLocalDescription(await leg.#peer.createOffer());
      await leg.#gathered();
    } catch (error) {
      await leg.close();
      throw error;
    }
    return leg;
  }

  /** The server's SDP (offer or answer) with its loopback candidate. */
  get localSdp(): string {
    return this.#peer.localDescription?.sdp ?? '';
  }

  /** The participant's SDP, as applied (loopback candidates only). */
  get remoteSdp(): string | undefined {
    return this.#remoteSdp;
  }

  /**
   * The floor channel when the participant's SDP negotiated a data channel (an `m=application`
   * section for `webrtc-datachannel`, RFC 8841 §5.1), otherwise undefined: that leg can only
   * listen, or talk through the INFO talk request. Read it once the remote SDP is applied.
   */
  get negotiatedFloorChannel(): RTCDataChannel | undefined {
    const negotiated = /^m=application [1-9]\d* [^ ]*SCTP webrtc-datachannel/m.test(
      this.#remoteSdp ?? '',
    );
    return negotiated ? this.floorChannel : undefined;
  }

  /** Applies the participant's answer to {@link MediaLeg.offer}. */
  async acceptAnswer(answer: string): Promise<void> {
    await this.#applyRemote(answer, 'answer');
  }

  /**
   * Sends a copy of a packet received on another leg. The sender rewrites SSRC and payload type.
   * When the source leg changes, the sender's offsets move so that the first packet of the new
   * source follows the last one sent, one sequence number and one frame later, with the marker
   * bit of a new talkspurt (RFC 3550 §5.1, RFC 3551 §4.1). The participant thus receives one
   * continuous stream.
   */
  forward(packet: RtpPacket, source: MediaLeg): void {
    if (this.#closed) {
      return;
    }
    const sender = this.#transceiver.sender;
    const copy = packet.clone();
    copy.header.extensions = [];
    copy.header.extension = false;
    if (this.#lastSource !== source) {
      // werift 0.24.4's own discontinuity flag cuts the timestamp offset to 16 bits, so the
      // offsets are computed from a header one packet before the new source's first packet.
      sender.replaceRTP({
        sequenceNumber: (copy.header.sequenceNumber - 1) & 0xffff,
        timestamp: (copy.header.timestamp - FRAME_TICKS) >>> 0,
      });
      copy.header.marker = true;
      this.#lastSource = source;
    }
    sender.sendRtp(copy).catch((error: unknown) => {
      this.#logger.debug({ err: error }, 'RTP packet not forwarded');
    });
  }

  /** Closes the peer connection, its sockets and its timers. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.onRtp = undefined;
    this.onFailed = undefined;
    await this.#peer.close();
  }

  async #applyRemote(sdp: string, type: 'offer' | 'answer'): Promise<void> {
    const loopback = keepLoopbackCandidates(sdp);
    await this.#peer.setRemoteDescription({ type, sdp: loopback });
    this.#remoteSdp = loopback;
  }

  async #gathered(): Promise<void> {
    if (this.#peer.iceGatheringState !== 'complete') {
      await this.#peer.iceGatheringStateChange.watch(
        (state) => state === 'complete',
        GATHERING_TIMEOUT_MS,
      );
    }
  }
}

/**
 * Returns an SDP answer with `a=setup:passive`, which makes the participant the DTLS client.
 * werift 0.24.4 waits 100 ms before a DTLS client sends its first flight (RTCDtlsTransport.start),
 * and a browser as client does not, so a browser's floor channel opens about that much sooner.
 */
export function passiveSetup(sdp: string): string {
  return sdp.replace(/^a=setup:active$/gm, 'a=setup:passive');
}

/**
 * Returns `sdp` without the `a=candidate` lines whose address is not {@link MEDIA_ADDRESS}
 * (RFC 8839 §5.1: the address is the fifth field), so that no check goes to another address.
 */
export function keepLoopbackCandidates(sdp: string): string {
  const lines = sdp.split(/\r?\n/);
  const kept = lines.filter((line) => {
    if (!line.startsWith('a=candidate:')) {
      return true;
    }
    return line.split(' ')[4] === MEDIA_ADDRESS;
  });
  return kept.join('\r\n');
}
