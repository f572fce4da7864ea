import { describe, expect, it } from 'vitest';
import { onConnectionFailed } from '../src/sdk-calls.js';

/** A peer connection whose state the test sets, with the event that WebRTC fires. */
class FakeConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = 'new';

  enter(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }
}

describe('onConnectionFailed', () => {
  it('reports a failed connection once', () => {
    const connection = new FakeConnection();
    let failures = 0;
    onConnectionFailed(connection, () => (failures += 1));
    connection.enter('connecting');
    connection.enter('connected');
    connection.enter('disconnected');
    expect(failures).toBe(0);
    connection.enter('failed');
    connection.enter('failed');
    expect(failures).toBe(1);
  });

  it('ignores a connection closed on purpose', () => {
    const connection = new FakeConnection();
    let failures = 0;
    onConnectionFailed(connection, () => (failures += 1));
    connection.enter('connected');
    connection.enter('closed');
    expect(failures).toBe(0);
  });
});
