import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  type RTCDataChannel,
  type RTCRtpTransceiver,
} from 'werift';
import {
  FLOOR_CHANNEL_ID,
  FLOOR_CHANNEL_LABEL,
  FLOOR_CHANNEL_PROTOCOL,
  decodeFloorMessage,
  encodeFloorMessage,
  type ClientFloorMessage,
  type FloorMessage,
} from '@mcptt-smime/floor';

/**
 * A participant's browser in werift on 127.0.0.1: Opus audio whose payload is its name, and the
 * pre-negotiated floor channel. It records the audio and the floor messages it receives.
 */
export class FloorPeer {
  readonly name: string;
  /** Payloads of the RTP packets received, as text, with their arrival time. */
  readonly audio: { from: string; at: number }[] = [];
  /** Floor messages received, with their arrival time. */
  readonly floor: { message: FloorMessage; at: number }[] = [];
  readonly channel: RTCDataChannel;
  readonly #peer: RTCPeerConnection;
  readonly #transceiver: RTCRtpTransceiver;
  #sequence = 0;

  constructor(name: string) {
    this.name = name;
    this.#peer = new RTCPeerConnection({
      iceServers: [],
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      bundlePolicy: 'max-bundle',
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
        this.audio.push({ from: packet.payload.toString('utf8'), at: performance.now() });
      });
    });
    this.#transceiver = this.#peer.addTransceiver('audio', { direction: 'sendrecv' });
    this.channel = this.#peer.createDataChannel(FLOOR_CHANNEL_LABEL, {
      negotiated: true,
      id: FLOOR_CHANNEL_ID,
      protocol: FLOOR_CHANNEL_PROTOCOL,
    });
    this.channel.onMessage.subscribe((data) => {
      const message = decodeFloorMessage(typeof data === 'string' ? data : undefined);
      if (message !== undefined) this.floor.push({ message, at: performance.now() });
    });
  }

  /** Creates the offer, with its candidates. */
  async offer(): Promise<string> {
    await this.#peer.setLocalDescription(await this.#peer.createOffer());
    await this.#gathered();
    return this.#peer.localDescription?.sdp ?? '';
  }

  /** Answers an offer from the server. */
  async answer(offer: string): Promise<string> {
    await this.#peer.setRemoteDescription({ type: 'offer', sdp: offer });
    await this.#peer.setLocalDescription(await this.#peer.createAnswer());
    await this.#gathered();
    return this.#peer.localDescription?.sdp ?? '';
  }

  async accept(answer: string): Promise<void> {
    await this.#peer.setRemoteDescription({ type: 'answer', sdp: answer });
  }

  /** Resolves once the floor channel is open. */
  async opened(): Promise<void> {
    if (this.channel.readyState !== 'open') {
      await this.channel.stateChanged.watch((state) => state === 'open', 10_000);
    }
  }

  send(message: ClientFloorMessage): void {
    this.channel.send(encodeFloorMessage(message));
  }

  /** Sends one 20 ms Opus-sized packet whose payload is this peer's name. */
  async talk(): Promise<void> {
    this.#sequence += 1;
    const header = new RtpHeader({
      payloadType: 111,
      sequenceNumber: this.#sequence,
      timestamp: this.#sequence * 960,
      ssrc: 7,
    });
    await this.#transceiver.sender.sendRtp(new RtpPacket(header, Buffer.from(this.name, 'utf8')));
  }

  /** Floor message types received, in order. */
  types(): string[] {
    return this.floor.map((entry) => entry.message.type);
  }

  /** The last floor message received. */
  last(): FloorMessage | undefined {
    return this.floor.at(-1)?.message;
  }

  /** Number of audio packets received from `name`. */
  from(name: string): number {
    return this.audio.filter((packet) => packet.from === name).length;
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
