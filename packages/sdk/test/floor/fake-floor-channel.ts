import type { FloorChannel } from '../../src/floor/floor-control.js';
import {
  decodeFloorMessage,
  encodeFloorMessage,
  type FloorMessage,
  type ServerFloorMessage,
} from '@mcptt-smime/floor';

type Listener = (event: Event) => void;

/** An in-memory data channel: it records what the client sends and delivers server messages. */
export class FakeFloorChannel implements FloorChannel {
  readyState: RTCDataChannelState;
  readonly sent: FloorMessage[] = [];
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(readyState: RTCDataChannelState = 'open') {
    this.readyState = readyState;
  }

  send(data: string): void {
    if (this.readyState !== 'open') throw new Error('channel not open');
    const message = decodeFloorMessage(data);
    if (message === undefined) throw new Error('client sent an invalid floor message');
    this.sent.push(message);
  }

  addEventListener(type: string, listener: Listener): void {
    const listeners = this.#listeners.get(type) ?? new Set();
    listeners.add(listener);
    this.#listeners.set(type, listeners);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.get(type)?.delete(listener);
  }

  /** Number of listeners still registered. */
  get listenerCount(): number {
    return [...this.#listeners.values()].reduce((sum, set) => sum + set.size, 0);
  }

  /** Delivers a message from the server. */
  deliver(message: ServerFloorMessage): void {
    this.deliverRaw(encodeFloorMessage(message));
  }

  /** Delivers raw data, valid or not. */
  deliverRaw(data: unknown): void {
    this.#emit('message', new MessageEvent('message', { data }));
  }

  open(): void {
    this.readyState = 'open';
    this.#emit('open', new Event('open'));
  }

  close(): void {
    this.readyState = 'closed';
    this.#emit('close', new Event('close'));
  }

  #emit(type: string, event: Event): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }
}
