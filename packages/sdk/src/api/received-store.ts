/**
 * A bounded store of unprotected incoming messages, keyed by Call-ID, CSeq and method, through
 * which the client matches JsSIP's events to the plaintext parts and security result.
 *
 * @module
 */
import type { ReceivedMessage } from '../core/smime-pipeline.js';

/** Number of messages kept while their JsSIP event is pending. */
const MAX_ENTRIES = 64;

function keyOf(callId: string, sequence: number, method: string): string {
  return `${callId} ${sequence} ${method.toUpperCase()}`;
}

/** Requests received, until the client takes them. */
export class ReceivedStore {
  readonly #entries = new Map<string, ReceivedMessage>();

  /** Stores an incoming request; responses are not stored. */
  add(received: ReceivedMessage): void {
    if (received.status !== undefined) return;
    this.#entries.set(keyOf(received.callId, received.cseq.sequence, received.method), received);
    if (this.#entries.size > MAX_ENTRIES) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  /** Removes and returns the request with this Call-ID, CSeq number and method. */
  take(callId: string, sequence: number, method: string): ReceivedMessage | undefined {
    const key = keyOf(callId, sequence, method);
    const received = this.#entries.get(key);
    this.#entries.delete(key);
    return received;
  }
}
