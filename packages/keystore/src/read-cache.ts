/**
 * The in-memory cache of the reads that every protected message makes: the local identity, the
 * trust anchors and the pinned certificate of the peer. Each IndexedDB read costs a transaction
 * and, for an identity, the deserialisation of its CryptoKeys.
 *
 * @module
 */

import type { LocalIdentity } from '@mcptt-smime/smime';

/** Name prefix of the BroadcastChannel on which keystores of one database announce writes. */
export const CHANGE_CHANNEL_PREFIX = 'mcptt-smime-keystore:';

/**
 * Maximum number of peer addresses-of-record whose certificate, or its absence, stays in memory.
 * Peer addresses come from received messages, so without a bound a sender could fill the memory
 * with lookups of addresses that have no pin. The oldest entry goes first.
 */
export const MAX_CACHED_PEERS = 1024;

/**
 * Caches identities, trust anchors and peer certificates until a write. A write through this
 * keystore clears the cache at once. A write by another keystore on the same database, in this
 * page or another tab, arrives as a BroadcastChannel message and clears it too.
 *
 * NOTE: between another tab's write and the arrival of its message, a read can still return the
 * old value. That is a few milliseconds in practice.
 */
export class ReadCache {
  readonly #identities = new Map<string, Promise<LocalIdentity | undefined>>();
  readonly #peers = new Map<string, Promise<Uint8Array | undefined>>();
  #trustAnchors: Promise<readonly Uint8Array[]> | undefined;
  readonly #channelName: string;
  readonly #channel: BroadcastChannel | undefined;
  #closed = false;

  /** @param databaseName - names the channel, so that only keystores of one database share it */
  constructor(databaseName: string) {
    this.#channelName = `${CHANGE_CHANNEL_PREFIX}${databaseName}`;
    if (typeof BroadcastChannel !== 'function') return;
    this.#channel = new BroadcastChannel(this.#channelName);
    this.#channel.onmessage = () => this.clear();
    // Node keeps the process alive while a channel is open, and a cache must not do that.
    (this.#channel as { unref?: () => void }).unref?.();
  }

  /** Returns the identity of `uri`, from memory after the first read. */
  async identity(
    uri: string,
    read: () => Promise<LocalIdentity | undefined>,
  ): Promise<LocalIdentity | undefined> {
    if (this.#closed) return read();
    let pending = this.#identities.get(uri);
    if (pending === undefined) {
      pending = read();
      this.#identities.set(uri, pending);
      pending.catch(() => {
        if (this.#identities.get(uri) === pending) this.#identities.delete(uri);
      });
    }
    const identity = await pending;
    return identity === undefined ? undefined : copyIdentity(identity);
  }

  /** Returns the trust anchors, from memory after the first read. */
  async trustAnchors(read: () => Promise<readonly Uint8Array[]>): Promise<readonly Uint8Array[]> {
    if (this.#closed) return read();
    let pending = this.#trustAnchors;
    if (pending === undefined) {
      pending = read();
      this.#trustAnchors = pending;
      pending.catch(() => {
        if (this.#trustAnchors === pending) this.#trustAnchors = undefined;
      });
    }
    return (await pending).map((anchor) => anchor.slice());
  }

  /**
   * Returns the pinned certificate of a peer, from memory after the first read. `key` is the
   * canonical address-of-record, so that every spelling of one address shares an entry.
   */
  async peerCertificate(
    key: string,
    read: () => Promise<Uint8Array | undefined>,
  ): Promise<Uint8Array | undefined> {
    if (this.#closed) return read();
    let pending = this.#peers.get(key);
    if (pending === undefined) {
      pending = read();
      if (this.#peers.size >= MAX_CACHED_PEERS) {
        const [oldest] = this.#peers.keys();
        if (oldest !== undefined) this.#peers.delete(oldest);
      }
      this.#peers.set(key, pending);
      pending.catch(() => {
        if (this.#peers.get(key) === pending) this.#peers.delete(key);
      });
    }
    return (await pending)?.slice();
  }

  /** Forgets every cached read. */
  clear(): void {
    this.#identities.clear();
    this.#peers.clear();
    this.#trustAnchors = undefined;
  }

  /** Forgets every cached read, here and in the other keystores of the database. */
  changed(): void {
    this.clear();
    if (!this.#closed) {
      this.#channel?.postMessage('changed');
      return;
    }
    // A keystore that was closed can still write, because a later call reopens the database.
    // The other keystores must still learn of the write, so it goes out on a short-lived channel.
    if (typeof BroadcastChannel !== 'function') return;
    const channel = new BroadcastChannel(this.#channelName);
    channel.postMessage('changed');
    channel.close();
  }

  /**
   * Closes the channel. Later reads go to the database every time, because without the other
   * keystores' messages the cache could keep a value that another tab replaced.
   */
  close(): void {
    this.clear();
    this.#closed = true;
    this.#channel?.close();
  }
}

/** Returns a copy whose byte arrays a caller may change without changing the cache. */
function copyIdentity(identity: LocalIdentity): LocalIdentity {
  return {
    ...identity,
    certificate: identity.certificate.slice(),
    chain: identity.chain.map((certificate) => certificate.slice()),
  };
}
