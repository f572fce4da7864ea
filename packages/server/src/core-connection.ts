/**
 * The server's WebSocket connection to the SIP core (RFC 7118), one SIP message per frame.
 *
 * @module
 */
import { WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES } from '@mcptt-smime/smime';

/**
 * Receives frames and the end of the connection. Frames, and even the close, that arrive in the
 * same read as the handshake response reach the delegate before {@link CoreConnection.open}
 * resolves.
 */
export interface CoreConnectionDelegate {
  onFrame(data: Uint8Array): void;
  /** Called once when a connection that opened closes, never for one that failed to open. */
  onClose(code: number): void;
}

/**
 * How long the opening handshake may take, in milliseconds. Without a limit, an attempt to
 * connect to a core that accepts the TCP connection but never completes the WebSocket upgrade
 * would wait forever, and the server would never try again.
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Largest frame read from the core, in bytes: four times MAX_MESSAGE_BYTES. A request up to this
 * size is still read, so that one larger than MAX_MESSAGE_BYTES gets 413. A larger frame closes
 * the connection with 1009 instead of being buffered, since ws would otherwise accept up to
 * 100 MiB, and the core link then connects again.
 */
export const MAX_FRAME_BYTES = 4 * MAX_MESSAGE_BYTES;

/** An open connection to the core. */
export class CoreConnection {
  readonly #socket: WebSocket;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
  }

  /**
   * Connects with the `sip` subprotocol and resolves once the connection is open. Rejects with
   * the socket's error when the connection or the handshake fails. When `signal` aborts first,
   * closes the socket and rejects at once with `signal.reason`.
   */
  static async open(
    url: string,
    delegate: CoreConnectionDelegate,
    signal?: AbortSignal,
  ): Promise<CoreConnection> {
    signal?.throwIfAborted();
    const socket = new WebSocket(url, 'sip', {
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      maxPayload: MAX_FRAME_BYTES,
    });
    listen(socket, delegate);
    const abort = () => socket.terminate();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => {
          socket.off('error', reject);
          resolve();
        });
        socket.once('error', reject);
      });
    } catch (error) {
      // After an abort, `error` comes from terminate(), so the caller gets the reason instead.
      throw signal?.aborted === true ? signal.reason : error;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    return new CoreConnection(socket);
  }

  /**
   * Sends one message. Messages that are valid UTF-8 go as text frames, because JsSIP decodes
   * binary frames as UTF-8 anyway and text frames are what browsers expect; others go binary.
   */
  send(bytes: Uint8Array): void {
    if (this.#socket.readyState !== WebSocket.OPEN) {
      return;
    }
    const text = decodeUtf8(bytes);
    if (text === undefined) {
      this.#socket.send(bytes, { binary: true });
    } else {
      this.#socket.send(text);
    }
  }

  /** Closes the connection and resolves when it is closed. */
  async close(): Promise<void> {
    if (this.#socket.readyState === WebSocket.CLOSED) {
      return;
    }
    await new Promise<void>((resolve) => {
      this.#socket.once('close', () => resolve());
      this.#socket.close();
    });
  }
}

/**
 * Passes the socket's frames and its close to `delegate` from the start, because ws emits a frame
 * that came in the same read as the handshake response before `open()` resumes.
 */
function listen(socket: WebSocket, delegate: CoreConnectionDelegate): void {
  socket.on('message', (data) => delegate.onFrame(toBytes(data)));
  // ws emits `close` after every `error`, and an `error` without a listener would be thrown.
  socket.on('error', () => undefined);
  // A socket that never opened ends with the rejection of open() instead.
  socket.once('open', () => {
    socket.on('close', (code) => delegate.onClose(code));
  });
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) {
    return Buffer.concat(data);
  }
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
