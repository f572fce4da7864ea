import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { findFreePort, waitForPort, waitForWebSocket } from '../src/free-port.js';

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Starts a TCP listener on 127.0.0.1 that accepts connections, reads them and never responds. */
async function silentListener(): Promise<number> {
  // Reading lets a connection end when the client closes it, so that close() can finish.
  const server: Server = createServer((socket) => socket.resume());
  const port = await findFreePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.close(() => resolve());
      }),
  );
  return port;
}

describe('waitForWebSocket', () => {
  it('waits for a handshake, not for the port alone', async () => {
    const port = await silentListener();

    expect(await waitForPort('127.0.0.1', port, 1000)).toBe(true);
    expect(await waitForWebSocket(`ws://127.0.0.1:${String(port)}`, 300)).toBe(false);
  });

  it('resolves once a WebSocket server accepts', async () => {
    const port = await findFreePort();
    const server = new WebSocketServer({ host: '127.0.0.1', port });
    closers.push(
      () =>
        new Promise((resolve) => {
          server.close(() => resolve());
        }),
    );

    expect(await waitForWebSocket(`ws://127.0.0.1:${String(port)}`, 2000)).toBe(true);
  });

  it('gives up when nothing listens', async () => {
    const port = await findFreePort();

    expect(await waitForWebSocket(`ws://127.0.0.1:${String(port)}`, 200)).toBe(false);
  });
});
