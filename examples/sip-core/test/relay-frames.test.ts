import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startRelay } from '../src/index.js';

/** A frame that breaks the WebSocket protocol, and the close code that the relay must send. */
const BAD_FRAMES: readonly [string, (socket: WebSocket) => void, number][] = [
  ['frame over the size limit', (socket) => socket.send('x'.repeat(70_000)), 1009],
  // 0xff is never valid in UTF-8, and a text frame must be UTF-8 (RFC 6455 §8.1).
  [
    'text frame not UTF-8',
    (socket) => socket.send(Buffer.from([0xff, 0xfe]), { binary: false }),
    1007,
  ],
];

describe('relay with a broken WebSocket frame', () => {
  let relay: Awaited<ReturnType<typeof startRelay>>;

  beforeAll(async () => {
    relay = await startRelay();
  });

  afterAll(async () => {
    await relay?.stop();
  });

  async function connect(): Promise<WebSocket> {
    const socket = new WebSocket(relay.url, 'sip');
    socket.on('error', () => undefined);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return socket;
  }

  it.each(BAD_FRAMES)('%s: closes that connection', async (_name, sendBadFrame, code) => {
    const socket = await connect();
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));

    sendBadFrame(socket);

    expect(await closed).toBe(code);
    const next = await connect();
    expect(next.readyState).toBe(WebSocket.OPEN);
    next.close();
  });
});
