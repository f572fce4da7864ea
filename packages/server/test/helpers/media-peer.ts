import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  type RTCRtpTransceiver,
} from 'werift';

/**
 * A participant's WebRTC audio end, in werift, on 127.0.0.1 only: it sends RTP packets whose
 * payload is its name, and records the payloads it receives.
 */
export class MediaPeer {
  readonly name: string;
  /** Payloads received, as text. */
  readonly received: string[] = [];
  /** Sequence numbers received, in order. */
  readonly sequences: number[] = [];
  readonly #peer: RTCPeerConnection;
  readonly #transceiver: RTCRtpTransceiver;
  #sequence = 0;

  private constructor(name: string) {
    this.name = name;
    this.#peer = new RTCPeerConnection({
      iceServers: [],
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      codecs: {
        audio: [
          new RTCRtpCodecParameters({
            mimeType: 'audio/opus',
            clockRate: 48_000,
            channels: 2,
            payloadType: 111,
          }),
        ],
      },
    });
    this.#peer.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((packet) => {
        this.received.push(packet.payload.toString('utf8'));
        this.sequences.push(packet.header.sequenceNumber);
      });
    });
    this.#transceiver = this.#peer.addTransceiver('audio', { direction: 'sendrecv' });
  }

  /** Creates a peer and its offer, with its candidates. */
  static async offer(name: string): Promise<MediaPeer> {
    const peer = new MediaPeer(name);
    await peer.#peer.setLocalDescription(await peer.#peer.createOffer());
    await peer.#gathered();
    return peer;
  }

  /** Creates a peer that answers `offer`. */
  static async answer(name: string, offer: string): Promise<MediaPeer> {
    const peer = new MediaPeer(name);
    await peer.#peer.setRemoteDescription({ type: 'offer', sdp: offer });
    await peer.#peer.setLocalDescription(await peer.#peer.createAnswer());
    await peer.#gathered();
    return peer;
  }

  get sdp(): string {
    return this.#peer.localDescription?.sdp ?? '';
  }

  async accept(answer: string): Promise<void> {
    await this.#peer.setRemoteDescription({ type: 'answer', sdp: answer });
  }

  /** Resolves once ICE and DTLS are up. */
  async connected(): Promise<void> {
    if (this.#peer.connectionState !== 'connected') {
      await this.#peer.connectionStateChange.watch((state) => state === 'connected', 10_000);
    }
  }

  /** Sends one 20 ms Opus-sized packet whose payload is this peer's name. */
  async send(): Promise<void> {
    this.#sequence += 1;
    const header = new RtpHeader({
      payloadType: 111,
      sequenceNumber: this.#sequence,
      timestamp: this.#sequence * 960,
      ssrc: 1,
    });
    await this.#transceiver.sender.sendRtp(new RtpPacket(header, Buffer.from(this.name, 'utf8')));
  }

  /** How many packets from `name` this peer received. */
  from(name: string): number {
    return this.received.filter((payload) => payload === name).length;
  }

  async close(): Promise<void> {
    await this.#peer.close();
  }

  async #gathered(): Promise<void> {
    if (this.#peer.iceGatheringState !== 'complete') {
      await this.#peer.iceGatheringStateChange.watch((state) => state === 'complete', 5000);
    }
  }
}

/** Makes every peer send one packet every 20 ms until `stop` is called. */
export function sendContinuously(peers: readonly MediaPeer[]): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(peers.map((peer) => peer.send()));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
