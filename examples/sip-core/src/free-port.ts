import { createConnection, createServer } from 'node:net';
import WebSocket from 'ws';

/** Asks the kernel for a free TCP port on `host`. Another process may take it before it is used. */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Resolves true once a TCP connection to `host:port` succeeds, false after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(host, port)) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

async function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/**
 * Resolves true once a WebSocket handshake with the `sip` sub-protocol (RFC 7118) succeeds at
 * `url`, false after `timeoutMs`. A listener that accepts TCP may still be starting the processes
 * that complete the handshake.
 */
export async function waitForWebSocket(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canHandshake(url, deadline - Date.now())) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

async function canHandshake(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, 'sip', { handshakeTimeout: Math.max(1, timeoutMs) });
    socket.once('open', () => {
      socket.close();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}
