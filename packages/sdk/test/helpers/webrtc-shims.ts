/**
 * The few browser globals that JsSIP's RTCSession touches, for calls in Node: a fake
 * RTCPeerConnection that produces a fixed SDP with ICE already complete, RTCSessionDescription,
 * `window` and `navigator.mediaDevices`. Tests only; nothing here sends media.
 */

/** SDP offered and answered by every fake peer connection. */
export function fakeSdp(origin: string): string {
  return [
    'v=0',
    `o=- ${origin} 1 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 127.0.0.1',
    'a=mid:0',
    'a=sendrecv',
    'a=rtpmap:111 opus/48000/2',
    'a=setup:actpass',
    'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
    '',
  ].join('\r\n');
}

let counter = 0;

class FakeSessionDescription {
  readonly type: string;
  readonly sdp: string;

  constructor(init: { type: string; sdp: string }) {
    this.type = init.type;
    this.sdp = init.sdp;
  }
}

class FakePeerConnection extends EventTarget {
  readonly iceGatheringState = 'complete';
  readonly iceConnectionState = 'connected';
  signalingState = 'stable';
  localDescription: FakeSessionDescription | null = null;
  remoteDescription: FakeSessionDescription | null = null;
  readonly #origin = String(++counter);

  createOffer(): Promise<FakeSessionDescription> {
    return Promise.resolve(
      new FakeSessionDescription({ type: 'offer', sdp: fakeSdp(this.#origin) }),
    );
  }

  createAnswer(): Promise<FakeSessionDescription> {
    return Promise.resolve(
      new FakeSessionDescription({ type: 'answer', sdp: fakeSdp(this.#origin) }),
    );
  }

  setLocalDescription(description: FakeSessionDescription): Promise<void> {
    this.localDescription = description;
    this.signalingState = description.type === 'offer' ? 'have-local-offer' : 'stable';
    return Promise.resolve();
  }

  setRemoteDescription(description: FakeSessionDescription): Promise<void> {
    this.remoteDescription = description;
    this.signalingState = description.type === 'offer' ? 'have-remote-offer' : 'stable';
    return Promise.resolve();
  }

  getSenders(): unknown[] {
    return [];
  }

  getReceivers(): unknown[] {
    return [];
  }

  addTrack(): void {}

  close(): void {}
}

const fakeMediaDevices = {
  getUserMedia: () => Promise.resolve({ getTracks: () => [], getAudioTracks: () => [] }),
};

/**
 * Installs the shims on globalThis, with `extra` globals such as the `ws` package's WebSocket for
 * JsSIP's WebSocketInterface. The returned function removes them.
 */
export function installWebRtcShims(extra: Record<string, unknown> = {}): () => void {
  const target = globalThis as Record<string, unknown>;
  const names = [
    'window',
    'navigator',
    'RTCPeerConnection',
    'RTCSessionDescription',
    ...Object.keys(extra),
  ];
  const saved = names.map((name) => Object.getOwnPropertyDescriptor(target, name));
  const define = (name: string, value: unknown): void => {
    Object.defineProperty(target, name, { value, configurable: true, writable: true });
  };
  define('RTCPeerConnection', FakePeerConnection);
  define('RTCSessionDescription', FakeSessionDescription);
  define('window', globalThis);
  define('navigator', { userAgent: 'node', mediaDevices: fakeMediaDevices });
  for (const [name, value] of Object.entries(extra)) define(name, value);

  return () => {
    names.forEach((name, index) => {
      const descriptor = saved[index];
      if (descriptor === undefined) delete target[name];
      else Object.defineProperty(target, name, descriptor);
    });
  };
}
