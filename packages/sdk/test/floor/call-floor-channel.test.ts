import { describe, expect, it } from 'vitest';
import { openCallFloor } from '../../src/floor/call-floor-channel.js';
import { silentLogger } from '../../src/core/logger.js';
import { FakeFloorChannel } from './fake-floor-channel.js';

describe('call floor channel', () => {
  it('creates the pre-negotiated channel', () => {
    const created: { label: string; init: RTCDataChannelInit | undefined }[] = [];
    const channel = new FakeFloorChannel('connecting');
    const connection = {
      createDataChannel: (label: string, init?: RTCDataChannelInit) => {
        created.push({ label, init });
        return channel;
      },
    } as unknown as RTCPeerConnection;

    const floor = openCallFloor(connection, { implicitRequest: true, logger: silentLogger });

    expect(created).toEqual([
      { label: 'mcptt-floor', init: { negotiated: true, id: 0, protocol: 'mcptt-floor-json.1' } },
    ]);
    expect(floor?.state).toBe('pending-request');
  });

  it('skips a connection without data channels', () => {
    const connection = {} as RTCPeerConnection;

    expect(openCallFloor(connection, { logger: silentLogger })).toBeUndefined();
  });
});
